"""Which gateway a connection talks to, and saving tokens Google refreshed during a call."""

from django.conf import settings

from ..google import ConsoleCalendarGateway, GoogleCalendarGateway, TokenState
from ..models import CalendarConnection


def google_configured() -> bool:
    return bool(getattr(settings, "GOOGLE_OAUTH_CLIENT_ID", ""))


def gateway_for(connection: CalendarConnection):
    """A console gateway for console connections, else the real client with the stored grant."""
    tokens = TokenState(
        refresh_token=connection.refresh_token,
        access_token=connection.access_token,
        expires_at=connection.access_token_expires_at,
    )
    if connection.mode == CalendarConnection.Mode.CONSOLE:
        return ConsoleCalendarGateway(tokens)
    return GoogleCalendarGateway(tokens)


def tokens_persist(*, connection_id: int, gateway) -> None:
    """Store a refreshed access token (encrypted) so the next task does not refresh again."""
    tokens = gateway.tokens
    if not tokens.access_token:
        return
    connection = CalendarConnection.objects.get(pk=connection_id)
    if connection.access_token == tokens.access_token:
        return
    connection.access_token = tokens.access_token
    connection.access_token_expires_at = tokens.expires_at
    connection.save(update_fields=["access_token_encrypted", "access_token_expires_at"])
