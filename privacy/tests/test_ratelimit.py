"""The cache rate limits (privacy/ratelimit.py) that forms and the phone-code sender share."""

from django.core.cache import cache

from privacy.ratelimit import rate_limit_exceeded, rate_limits_take


def test_a_single_limit_allows_its_count_then_refuses():
    answers = [
        rate_limit_exceeded(scope="t", key="ip:10.0.0.1", limit=3, window_seconds=60)
        for _ in range(5)
    ]

    assert answers == [False, False, False, True, True]


def test_several_limits_are_taken_all_or_nothing():
    tight = ("per-number", "+4791234567", 2, 600)
    loose = ("per-ip", "10.0.0.1", 5, 3600)

    assert rate_limits_take([tight, loose])
    assert rate_limits_take([tight, loose])
    # The number is full: refused, and the IP address is not charged for the refusal.
    assert not rate_limits_take([tight, loose])
    other_number = ("per-number", "+4798765432", 2, 600)
    assert rate_limits_take([other_number, loose])
    assert rate_limits_take([other_number, loose])
    assert rate_limits_take([("per-number", "+4740000000", 2, 600), loose])  # 5th for the IP
    assert not rate_limits_take([("per-number", "+4740000001", 2, 600), loose])


def test_no_phone_number_or_address_is_stored_in_clear():
    rate_limits_take([("per-number", "+4791234567", 2, 600)])
    rate_limit_exceeded(scope="contact", key="ip:10.0.0.1", limit=3, window_seconds=60)

    store = cache._cache  # Django's Redis client, or local memory's dict
    if hasattr(store, "get_client"):
        keys = [key.decode() for key in store.get_client().keys("*")]
    else:
        keys = list(store)
    assert keys
    assert not any("4791234567" in key or "10.0.0.1" in key for key in keys)
