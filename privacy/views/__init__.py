from .centre import centre
from .contact import contact
from .cookies import cookie_consent, cookie_settings, cookies
from .marketing import unsubscribe
from .policy import policy, policy_version, processors

__all__ = [
    "centre",
    "contact",
    "cookie_consent",
    "cookie_settings",
    "cookies",
    "policy",
    "policy_version",
    "processors",
    "unsubscribe",
]
