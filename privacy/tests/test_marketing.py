from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.tasks import brevo_contact_sync
from privacy.models import ConsentEvent, MarketingListSync
from privacy.selectors import has_consent
from privacy.services import (
    consent_set,
    marketing_basis_for,
    marketing_choice_offered,
    unsubscribe_token_for,
    unsubscribe_url_for,
)

from .fake_brevo import FakeBrevo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _booking_for(user, *, days_ago: int = 10, status: str = "confirmed"):
    from bookings.models import Booking
    from bookings.tests.factories import ServiceFactory

    service = ServiceFactory()
    start = timezone.now() - timedelta(days=days_ago)
    end = start + timedelta(minutes=30)
    return Booking.objects.create(
        customer=user,
        supplier=service.supplier,
        service=service,
        resource=service.resources.first(),
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status=status,
        price_ore=service.price_ore,
        vat_rate=25,
    )


def test_basis_is_consent_when_given():
    user = UserFactory()
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    assert marketing_basis_for(user=user, channel="email") == "consent"
    assert marketing_basis_for(user=user, channel="sms") == "none"


def test_existing_customer_exception_needs_a_recent_booking_an_offered_refusal_and_no_no():
    user = UserFactory()
    assert marketing_basis_for(user=user, channel="email") == "none"
    _booking_for(user)
    assert marketing_basis_for(user=user, channel="email") == "none"  # never offered a refusal
    marketing_choice_offered(user=user, source="centre")
    assert marketing_basis_for(user=user, channel="email") == "existing_customer"
    # SMS marketing rests on its own consent only.
    assert marketing_basis_for(user=user, purpose="marketing_sms") == "none"
    consent_set(subject=user, purpose="marketing_email", granted=False, source="email_unsubscribe")
    assert marketing_basis_for(user=user, channel="email") == "none"


def test_old_or_cancelled_bookings_are_not_an_active_relationship():
    user = UserFactory()
    _booking_for(user, days_ago=800)
    _booking_for(user, status="cancelled")
    assert marketing_basis_for(user=user, channel="email") == "none"


def test_inactive_users_and_bad_channels():
    user = UserFactory(is_active=False)
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    assert marketing_basis_for(user=user, channel="email") == "none"
    with pytest.raises(ValueError):
        marketing_basis_for(user=user, channel="pigeon")


def test_one_click_unsubscribe_withdraws_without_login(client):
    user = UserFactory()
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    url = unsubscribe_url_for(user=user, purpose="marketing_email")
    assert url.startswith("http://testserver/privacy/unsubscribe/")
    path = url.removeprefix("http://testserver")
    # RFC 8058: POST with List-Unsubscribe=One-Click, no cookies, no CSRF token.
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert response.json() == {"purpose": "marketing_email", "granted": False}
    assert not has_consent(subject=user, purpose="marketing_email")
    assert ConsentEvent.objects.latest("created_at").source == "email_unsubscribe"
    assert str(user.email) not in url


def test_get_only_shows_a_button(client):
    user = UserFactory()
    consent_set(subject=user, purpose="marketing_sms", granted=True, source="web")
    token = unsubscribe_token_for(user=user, purpose="marketing_sms")
    response = client.get(f"/privacy/unsubscribe/{token}/")
    assert response.status_code == 200 and "<form" in response.content.decode()
    assert has_consent(subject=user, purpose="marketing_sms")
    response = client.post(f"/privacy/unsubscribe/{token}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert not has_consent(subject=user, purpose="marketing_sms")


@pytest.mark.parametrize("token", ["forged", "eyJ1IjoiMSJ9:1abc:def", "x" * 300])
def test_forged_links_are_400_and_change_nothing(client, token):
    user = UserFactory()
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    before = ConsentEvent.objects.count()
    response = client.post(f"/privacy/unsubscribe/{token}/")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    assert client.get(f"/privacy/unsubscribe/{token}/").status_code == 400
    assert ConsentEvent.objects.count() == before
    assert has_consent(subject=user, purpose="marketing_email")


def test_token_for_a_non_marketing_purpose_is_refused():
    with pytest.raises(ValueError):
        unsubscribe_token_for(user=UserFactory(), purpose="analytics_cookies")


def test_brevo_email_source_alias_is_recorded_as_email_unsubscribe():
    user = UserFactory()
    event = consent_set(subject=user, purpose="marketing_email", granted=False, source="email")
    assert event.source == "email_unsubscribe"


def test_brevo_sync_console_mode_records_what_would_be_sent(
    settings, django_capture_on_commit_callbacks
):
    settings.BREVO_API_KEY = ""
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    sync = MarketingListSync.objects.get()
    assert (sync.action, sync.status) == ("add", "console")


def test_brevo_sync_adds_and_removes_through_the_sdk(settings, django_capture_on_commit_callbacks):
    user = UserFactory()
    with FakeBrevo() as fake:
        settings.BREVO_API_KEY = "test-key"
        settings.BREVO_API_URL = fake.url
        settings.BREVO_MARKETING_LIST_ID = 7
        with django_capture_on_commit_callbacks(execute=True):
            consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
        with django_capture_on_commit_callbacks(execute=True):
            consent_set(subject=user, purpose="marketing_email", granted=False, source="web")
    assert [r[0] for r in fake.requests] == ["/v3/contacts", "/v3/contacts/lists/7/contacts/remove"]
    assert fake.requests[0][1] == "test-key"
    assert fake.requests[0][2] == {"email": user.email, "listIds": [7], "updateEnabled": True}
    assert fake.requests[1][2] == {"emails": [user.email]}
    assert list(MarketingListSync.objects.order_by("pk").values_list("action", "status")) == [
        ("add", "done"),
        ("remove", "done"),
    ]


def test_brevo_sync_retries_transient_errors_and_uses_the_current_state(settings):
    user = UserFactory()
    event = consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    with FakeBrevo() as fake:
        settings.BREVO_API_KEY = "k"
        settings.BREVO_API_URL = fake.url
        settings.BREVO_MARKETING_LIST_ID = 7
        fake.scripted = [503, 429]
        result = brevo_contact_sync.apply(args=[event.pk])
        assert result.get() == "done"
        assert len(fake.requests) == 3
        # A late task for the old grant after a withdrawal removes, never re-adds.
        consent_set(subject=user, purpose="marketing_email", granted=False, source="web")
        brevo_contact_sync.apply(args=[event.pk])
        assert fake.requests[-1][0].endswith("/contacts/remove")


def test_brevo_permanent_error_is_recorded_not_retried(settings):
    user = UserFactory()
    event = consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    with FakeBrevo() as fake:
        settings.BREVO_API_KEY = "k"
        settings.BREVO_API_URL = fake.url
        settings.BREVO_MARKETING_LIST_ID = 7
        fake.scripted = [401]
        assert brevo_contact_sync.apply(args=[event.pk]).get() == "failed"
        assert len(fake.requests) == 1
    sync = MarketingListSync.objects.get()
    assert (sync.status, sync.error_code) == ("failed", "http_401")


def test_personalisation_only_with_consent():
    user = UserFactory()
    assert not has_consent(subject=user, purpose="personalisation")
    consent_set(subject=user, purpose="personalisation", granted=True, source="web")
    assert has_consent(subject=user, purpose="personalisation")
