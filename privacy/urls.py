from django.urls import path

from . import views
from .views import desk as desk_views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.policy, name="policy"),
    path("privacy/versions/<slug:version>/", views.policy_version, name="policy-version"),
    path("privacy/centre/", views.centre, name="centre"),
    path("privacy/processors/", views.processors, name="processors"),
    path("privacy/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("cookies/", views.cookies, name="cookies"),
    path("cookies/settings/", views.cookie_settings, name="cookie-settings"),
    path("cookies/consent/", views.cookie_consent, name="cookie-consent"),
    path("contact/", views.contact, name="contact"),
    path("privacy/requests/", desk_views.requests_page, name="requests"),
    path(
        "privacy/requests/confirm/<str:token>/",
        desk_views.request_verify_view,
        name="request-verify",
    ),
    path("privacy/export/<str:token>/", desk_views.export_download, name="export-download"),
]
