"""Revoke API tokens on every password change, whichever path changed it.

Django calls each password validator's `password_changed()` from `AbstractBaseUser.save()` after
`set_password()`: the one hook that fires for allauth's change/reset/set, the admin's password
form and `manage.py changepassword` alike. This "validator" validates nothing; it exists for that
hook, so no future path can change a password and leave a script holding the old access.
"""

from __future__ import annotations

from django.utils.translation import gettext


class RevokeApiTokensOnPasswordChange:
    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from .services import api_tokens_revoke

        api_tokens_revoke(user=user)

    def get_help_text(self) -> str:
        # Shown with the password rules, so the person knows what a change also ends.
        return gettext(
            "A new password also ends the API token of scripts and apps you have connected."
        )
