from django.urls import path

from . import webhooks

app_name = "payments_webhooks"

urlpatterns = [
    path("stripe/", webhooks.stripe_webhook, name="stripe"),
    path("vipps/", webhooks.vipps_webhook, name="vipps"),
    path("mollie/", webhooks.mollie_webhook, name="mollie"),
]
