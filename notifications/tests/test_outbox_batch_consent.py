"""A send batch reads its recipients' SMS consent together: the same answers as one message at
a time (withdrawal, restriction, objection, verification, marketing basis), in a number of
consent queries that does not grow with the batch."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from bookings.services import booking_create
from notifications.models import Message
from notifications.services import message_enqueue
from notifications.services.delivery import messages_deliver
from privacy.request_desk import subject_object, subject_restrict

from .conftest import at, consent, next_monday

pytestmark = pytest.mark.django_db

CONSENT_TABLES = ("privacy_consentevent", "privacy_consentsubjectlink", "privacy_purposetext")


def _slots():
    monday = next_monday()
    for day in range(5):
        for half_hours in range(18, 32):  # 9:00 to 15:30
            yield at(monday + timedelta(days=day), half_hours // 2, 30 * (half_hours % 2))


def _customers(count: int, *, tag: str) -> list:
    people = []
    for n in range(count):
        user = UserFactory(phone=f"+479{len(tag)}{n:06d}", full_name=f"Kunde {tag} {n}")
        user.phone_verified_at = user.date_joined
        user.save(update_fields=["phone_verified_at"])
        consent(user, "sms_notifications")
        people.append(user)
    return people


def _confirmation_sms(customers, service, slots) -> dict[int, int]:
    """Each customer's booking confirmation SMS (due now), by customer pk."""
    ids = {}
    for customer in customers:
        booking = booking_create(customer=customer, service=service, start=next(slots))
        ids[customer.pk] = Message.objects.get(
            booking=booking, template_key="booking_confirmation", channel="sms"
        ).pk
    return ids


def _statements(message_ids: list[int]) -> tuple[int, int]:
    """(all statements, consent-ledger statements) of sending one batch."""
    with CaptureQueriesContext(connection) as queries:
        outcome = messages_deliver(message_ids=message_ids)
    assert outcome == {"not_claimed": 0, Message.Status.SENT: len(message_ids)}
    sql = [query["sql"] for query in queries.captured_queries]
    return len(sql), sum(any(table in text for table in CONSENT_TABLES) for text in sql)


def test_consent_queries_do_not_grow_with_the_batch(service, fake_twilio):
    slots = _slots()
    small = list(_confirmation_sms(_customers(5, tag="a"), service, slots).values())
    large = list(_confirmation_sms(_customers(40, tag="bb"), service, slots).values())

    small_total, small_consent = _statements(small)
    large_total, large_consent = _statements(large)

    # Links, newest ledger row per subject, purpose text: once per batch, not per message.
    assert small_consent == large_consent == 3
    # What remains per message is writing its outcome.
    assert large_total - small_total == len(large) - len(small)
    assert len(fake_twilio.sms_sent()) == 45


def test_a_mixed_batch_sends_exactly_the_allowed_ones(service, fake_twilio):
    people = dict(
        zip(
            (
                "consenting",
                "withdrawn",
                "restricted",
                "objected",
                "never_asked",
                "unverified",
                "regranted",
            ),
            _customers(7, tag="mix"),
            strict=True,
        )
    )
    consent(people["withdrawn"], "sms_notifications", granted=False)
    consent(people["never_asked"], "sms_notifications", granted=False)
    consent(people["regranted"], "sms_notifications", granted=False)
    consent(people["regranted"], "sms_notifications")
    subject_restrict(user=people["restricted"])
    subject_object(user=people["objected"])
    people["unverified"].phone_verified_at = None
    people["unverified"].save(update_fields=["phone_verified_at"])
    sms = _confirmation_sms(people.values(), service, _slots())
    # Marketing in the same batch: SMS marketing needs its own consent, restriction stops it.
    consent(people["consenting"], "marketing_sms")
    consent(people["restricted"], "marketing_sms")
    for user in people["consenting"], people["restricted"]:
        user.age_confirmed_at = user.date_joined
        user.save(update_fields=["age_confirmed_at"])
    marketing = {
        name: message_enqueue(
            template_key="marketing_newsletter",
            channel="sms",
            idempotency_key=f"batch-consent:{name}",
            recipient=people[name],
            purpose="marketing",
            context={"headline": "Tilbud", "text": "20 %"},
        ).pk
        for name in ("consenting", "restricted", "withdrawn")
    }

    outcome = messages_deliver(message_ids=[*sms.values(), *marketing.values()])

    assert outcome == {"not_claimed": 0, Message.Status.SENT: 5, Message.Status.SUPPRESSED: 5}
    rows = Message.objects.in_bulk([*sms.values(), *marketing.values()])
    booking_sms = {
        name: rows[sms[user.pk]].status_reason or rows[sms[user.pk]].status
        for name, user in people.items()
    }
    assert booking_sms == {
        "consenting": "sent",
        "withdrawn": "no_sms_consent",
        # Booking SMS rest on the consent, which Art. 18(2) and 21 leave standing.
        "restricted": "sent",
        "objected": "sent",
        "never_asked": "no_sms_consent",
        "unverified": "phone_not_verified",
        "regranted": "sent",
    }
    assert {name: rows[pk].status_reason or rows[pk].status for name, pk in marketing.items()} == {
        "consenting": "sent",
        "restricted": "no_marketing_basis",
        "withdrawn": "no_marketing_basis",
    }
    sent_to = {request.data["To"] for request in fake_twilio.sms_sent()}
    assert sent_to == {
        str(people[name].phone) for name in ("consenting", "restricted", "objected", "regranted")
    }
