"""Every route answers junk with a 4xx (or a normal page), never a 500.

Walks the whole URL configuration (the admin aside: Django's own), fills path parameters with
values that match no object, and sends malformed query strings, bodies and JSON, anonymously
and signed in. Exceptions propagate in the test client, so a crash fails the test too.
"""

import json
import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JUNK_REQUESTS = [
    ("get", {"data": {"from": "x", "to": "2026-13-45", "resource": "abc", "page": "-1"}}),
    ("post", {"data": "{not json", "content_type": "application/json"}),
    ("post", {"data": {"a": "b" * 5000, "start": "nope", "service": "x", "email": "@"}}),
    (
        "post",
        {
            "data": json.dumps({"service": "x", "start": None, "granted": "maybe", "type": 5}),
            "content_type": "application/json",
        },
    ),
    ("put", {"data": json.dumps([1, 2]), "content_type": "application/json"}),
    ("delete", {}),
]


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _concrete(route: str) -> str:
    route = re.sub(r"<int:[^>]+>", "987654", route)
    route = re.sub(r"<uuid:[^>]+>", str(uuid.uuid4()), route)
    route = re.sub(r"<[^>]+>", "no-such-thing", route)
    return "/" + route


def all_routes() -> list[str]:
    return sorted(
        {
            _concrete(route)
            for route in _routes(get_resolver().url_patterns)
            if not route.startswith("admin/") and "(?P" not in route and "^" not in route
        }
    )


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "customer"])
def test_no_route_answers_junk_with_a_server_error(client, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    routes = all_routes()
    assert len(routes) > 60  # the walk found the project's routes
    failures = []
    for route in routes:
        for method, kwargs in JUNK_REQUESTS:
            response = getattr(client, method)(route, **kwargs)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {route} -> {response.status_code}")
    assert failures == []


def nul_routes() -> list[str]:
    """Every route with a NUL byte (alone and inside a value) in each path parameter."""
    routes = {
        "/" + re.sub(r"<[^>]+>", value, route)
        for route in _routes(get_resolver().url_patterns)
        if "(?P" not in route and "^" not in route and "<" in route
        for value in ("%00", "a%00b")
    }
    # Paths outside any route (the 404 handler, static files, the language prefix) and NUL
    # in a query string, which views pass to the database just as readily.
    extra = {"/%00", "/s/%00/", "/static/%00", "/admin/%00/", "/en/%00/", "/my/bookings/?q=%00"}
    return sorted(routes | extra | {"/api/v1/services/1/slots/?from=%00&to=2026-01-01"})


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "customer"])
def test_nul_bytes_in_paths_are_not_server_errors(client, signed_in):
    # PostgreSQL rejects NUL in text, and file APIs reject it in paths: a converter that lets
    # it through must still end in a 4xx.
    if signed_in:
        client.force_login(UserFactory())
    routes = nul_routes()
    assert "/api/v1/suppliers/%00/services/" in routes
    failures = []
    for route in routes:
        for method in ("get", "post"):
            response = getattr(client, method)(route)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {route} -> {response.status_code}")
    assert failures == []
