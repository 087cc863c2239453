from django.urls import path

from . import sso, views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    # Overrides allauth's own route (the project includes these URLs ahead of allauth's): the
    # same login view, with its page allowed to send the form on to the identity provider.
    path(
        "oidc/<str:provider_id>/login/",
        sso.provider_login,
        name="openid_connect_login",
    ),
]
