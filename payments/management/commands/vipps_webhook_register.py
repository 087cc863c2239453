"""Register /webhooks/vipps/ with Vipps MobilePay once per sales unit (an operator's step).

Prints the webhook id and the signing secret to put in VIPPS_WEBHOOK_SECRET.
"""

from django.core.management.base import BaseCommand, CommandError

from bookingtjeneste.providers import ProviderError
from payments.providers.registry import registry


class Command(BaseCommand):
    help = "Register this site's Vipps webhook; prints the secret for VIPPS_WEBHOOK_SECRET."

    def handle(self, *args, **options) -> None:
        vipps = registry.get("vipps")
        try:
            webhook_id, secret = vipps.register_webhook()
        except (ProviderError, KeyError) as error:
            raise CommandError(f"Vipps refused the registration: {error}") from error
        self.stdout.write(f"Registered webhook {webhook_id} for {vipps.webhook_url()}")
        self.stdout.write(f"VIPPS_WEBHOOK_SECRET={secret}")
