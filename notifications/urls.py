from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("accounts/phone/verify/", views.phone_verify, name="phone-verify"),
    path(
        "api/v1/phone/verification/",
        views.PhoneVerificationStartView.as_view(),
        name="api-phone-verification-start",
    ),
    path(
        "api/v1/phone/verification/check/",
        views.PhoneVerificationCheckView.as_view(),
        name="api-phone-verification-check",
    ),
]
