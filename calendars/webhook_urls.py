from django.urls import path

from . import webhooks

app_name = "calendars_webhooks"

urlpatterns = [
    path("google-calendar/", webhooks.google_calendar, name="google-calendar"),
]
