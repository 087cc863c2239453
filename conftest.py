"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate limits and cached selectors live in the cache (Redis in CI): start every test clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return "a-strong-test-password-42"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 with Django's parameters costs ~100 ms and 100 MiB per hash, paid by every user a
    # factory makes and every login: tests hash with MD5 (Django's advice for test suites). The
    # production hashers are tested where they matter (accounts/tests/test_signup.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
