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
