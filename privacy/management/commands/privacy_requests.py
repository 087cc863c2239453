"""`manage.py privacy_requests list | approve ID | reject ID --reason TEXT | extend ID --reason`.

The DPO's queue from the command line, through the same services as the admin.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from privacy.models import PrivacyRequest
from privacy.request_desk import RequestError, request_approve, request_extend, request_reject
from privacy.request_selectors import request_urgency


class Command(BaseCommand):
    help = "List, approve, reject or extend privacy requests."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="Open requests, most urgent first.")
        listing.add_argument("--all", action="store_true", help="Include closed requests.")
        for name in ("approve", "reject", "extend"):
            action = sub.add_parser(name)
            action.add_argument("id", type=int)
            action.add_argument("--reason", default="")
            action.add_argument("--by", default="", help="E-mail of the DPO acting (audit).")

    def handle(self, *args, action: str, **options):
        if action == "list":
            return self._list(options["all"])
        request = PrivacyRequest.objects.filter(pk=options["id"]).first()
        if request is None:
            raise CommandError(f"No privacy request {options['id']}.")
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(email__iexact=options["by"]).first()
            if by is None:
                raise CommandError("No user with that e-mail.")
            # The same right the admin desk asks for: a customer cannot decide requests.
            if not by.is_active or not by.has_perm("privacy.change_privacyrequest"):
                raise CommandError("That user may not decide privacy requests (not a DPO).")
        try:
            if action == "approve":
                request_approve(request=request, by=by)
            elif action == "reject":
                request_reject(request=request, by=by, reason=options["reason"])
            else:
                request_extend(request=request, by=by, reason=options["reason"])
        except RequestError as error:
            raise CommandError(f"{error.code}: {error.detail}") from error
        request.refresh_from_db()
        self.stdout.write(f"#{request.pk} {request.type}: {request.status}")

    def _list(self, include_closed: bool) -> None:
        requests = PrivacyRequest.objects.order_by("due_at", "pk")
        if not include_closed:
            requests = requests.filter(status__in=PrivacyRequest.OPEN_STATUSES)
        self.stdout.write(f"{'ID':>5}  {'TYPE':<14} {'STATUS':<11} {'DUE':<10}  URGENCY")
        for request in requests:
            due = request.due_at.date().isoformat() if request.due_at else "-"
            urgency = request_urgency(request) or "-"
            self.stdout.write(
                f"{request.pk:>5}  {request.type:<14} {request.status:<11} {due:<10}  {urgency}"
            )
