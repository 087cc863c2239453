"""The client's IP address, honouring only the proxies we run (settings.TRUSTED_PROXY_COUNT).

Every rate limit and every record of an IP address goes through `client_ip`: DRF's throttles
(REST_FRAMEWORK["NUM_PROXIES"]) and allauth (its adapter) are configured to agree with it.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of whoever connected to our outermost proxy.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    with N of them the client is the N-th entry from the right; anything further left was
    written by the client and is ignored (the leftmost entry is the spoofable one). With no
    trusted proxy, or a header that does not fit, it is the socket peer (REMOTE_ADDR).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    # Fewer entries than proxies: the request skipped the outer ones; the leftmost entry was
    # then written by the first proxy of ours that saw it.
    candidate = entries[-min(proxies, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
