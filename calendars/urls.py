from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("calendar/", views.overview, name="overview"),
    path("calendar/connect/<int:resource_id>/", views.connect, name="connect"),
    path("calendar/oauth/callback/", views.oauth_callback, name="oauth-callback"),
]
