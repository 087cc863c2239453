"""Data minimisation in the consent ledger: the user agent is kept as browser family, major
version and platform only (enough to tell how a choice was made, not to fingerprint)."""

import pytest

from privacy.models import ConsentEvent
from privacy.services import user_agent_truncate

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.129 Safari/537.36"
)


@pytest.mark.django_db
def test_the_banner_stores_only_browser_family_major_version_and_platform(client):
    client.post("/cookies/consent/", {"choice": "reject_all"}, HTTP_USER_AGENT=CHROME)
    stored = set(ConsentEvent.objects.values_list("user_agent", flat=True))
    assert stored == {"Chrome 120 (Linux)"}


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (CHROME, "Chrome 120 (Linux)"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83",
            "Edge 121 (Windows)",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:122.0) Gecko/20100101 Firefox/122.0",
            "Firefox 122 (macOS)",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
            "Safari 17 (iOS)",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.6099.144 Mobile Safari/537.36",
            "Chrome 120 (Android)",
        ),
        ("python-requests/2.31.0", "other"),
        ("curl/8.5.0 " + "x" * 500, "other"),
        ("", ""),
        (None, ""),
    ],
)
def test_user_agent_truncate(agent, expected):
    assert user_agent_truncate(agent) == expected
