"""§9 Especially about marketing in e-mail and SMS (Marketing Act §15)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from privacy.selectors import has_consent
from privacy.services import (
    consent_set,
    marketing_basis_for,
    marketing_choice_offered,
    unsubscribe_url_for,
)

pytestmark = pytest.mark.django_db


def _active_customer(user):
    from bookings.models import Booking
    from bookings.tests.factories import ServiceFactory

    service = ServiceFactory()
    start = timezone.now() - timedelta(days=30)
    end = start + timedelta(minutes=30)
    Booking.objects.create(
        customer=user,
        supplier=service.supplier,
        service=service,
        resource=service.resources.first(),
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status="completed",
        price_ore=0,
        vat_rate=25,
    )


def test_active_customers_may_get_marketing_under_section_15(user):
    """“If you have an active customer relationship with us, we may send you marketing by email
    or other electronic communication methods in accordance with Section 15.” — by e-mail, once
    the person has been offered the refusal (§15); SMS marketing only with its own consent."""
    _active_customer(user)
    marketing_choice_offered(user=user, source="centre")
    assert marketing_basis_for(user=user, channel="email") == "existing_customer"
    assert marketing_basis_for(user=user, channel="sms") == "none"


def test_without_a_customer_relationship_only_with_consent(user):
    """“If you do not have an active customer relationship, we will only send such marketing if
    you have given us your consent.”"""
    assert marketing_basis_for(user=user, channel="email") == "none"
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    assert marketing_basis_for(user=user, channel="email") == "consent"


def test_unsubscribe_easily_and_free_in_every_email(client, user):
    """“You can unsubscribe from marketing communications at any time easily and free of charge
    through the unsubscribe function in the emails.” — one click, no login (RFC 8058)."""
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    path = unsubscribe_url_for(user=user, purpose="marketing_email").removeprefix(
        "http://testserver"
    )
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert marketing_basis_for(user=user, channel="email") == "none"


def test_unsubscribe_also_ends_the_existing_customer_basis(client, user):
    """An unsubscribed active customer gets no more marketing (the right to refuse)."""
    _active_customer(user)
    path = unsubscribe_url_for(user=user, purpose="marketing_email").removeprefix(
        "http://testserver"
    )
    client.post(path)
    assert marketing_basis_for(user=user, channel="email") == "none"


def test_stop_by_sms_withdraws_sms_marketing(user):
    """“... through the unsubscribe function in the emails/SMS.” — STOP is recorded with
    source sms."""
    consent_set(subject=user, purpose="marketing_sms", granted=True, source="web")
    consent_set(subject=user, purpose="marketing_sms", granted=False, source="sms")
    assert marketing_basis_for(user=user, channel="sms") == "none"


def test_customising_communication_needs_personalisation_consent(user):
    """“Your personal data may also be used to customize this communication.” — only with the
    personalisation consent."""
    assert not has_consent(subject=user, purpose="personalisation")
    consent_set(subject=user, purpose="personalisation", granted=True, source="web")
    assert has_consent(subject=user, purpose="personalisation")


def test_the_unsubscribe_link_in_the_e_mail_body_works_without_login(client, user):
    """“... through the unsubscribe function in the emails” — the link is in the text and HTML
    body of every marketing e-mail; opening it logged out shows a confirm button, which
    withdraws the consent in the ledger."""
    import re

    from notifications.models import Message
    from notifications.services import message_deliver, message_enqueue
    from privacy.selectors import consent_event_latest

    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="email",
        idempotency_key="news:unsubscribe-link",
        recipient=user,
        purpose="marketing",
        context={"headline": "Nyheter", "text": "Hei"},
    )
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    message.refresh_from_db()
    [url] = re.findall(r"https?://\S+/privacy/unsubscribe/\S+/", message.body_text)
    assert f'href="{url}"' in message.body_html
    path = url.removeprefix("http://testserver")

    page = client.get(path, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"<form" in page.content
    assert has_consent(subject=user, purpose="marketing_email")  # a GET changes nothing
    done = client.post(path, HTTP_ACCEPT="text/html")
    assert done.status_code == 200
    latest = consent_event_latest(subject=user, purpose="marketing_email")
    assert latest.granted is False and latest.source == "email_unsubscribe"
