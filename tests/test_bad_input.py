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
