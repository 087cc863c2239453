from django.urls import path

from . import webhooks

app_name = "notifications_webhooks"

urlpatterns = [
    path("twilio/status/", webhooks.twilio_status, name="twilio-status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio-inbound"),
    path("brevo/<str:token>/", webhooks.brevo_events, name="brevo"),
]
