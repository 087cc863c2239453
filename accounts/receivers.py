"""A new password ends every API token: whoever had the old one loses the scripts' access too."""

from .services import api_tokens_revoke


def revoke_tokens_on_password_change(sender, request, user, **kwargs) -> None:
    api_tokens_revoke(user=user)
