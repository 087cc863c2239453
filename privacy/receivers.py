"""Signal receivers: link the anonymous consent id to the user at login."""

from .selectors import consent_cookie_name
from .services import consent_subject_link


def link_consent_id_on_login(sender, request, user, **kwargs) -> None:
    """The cookie-banner choices made before login become the user's (see ConsentSubjectLink)."""
    if request is None:
        return
    consent_id = request.COOKIES.get(consent_cookie_name())
    if consent_id:
        consent_subject_link(user=user, consent_id=consent_id)
