from datetime import timedelta

import pytest
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.gateways import console
from notifications.models import Message
from notifications.services import (
    message_bodies_redact,
    message_deliver,
    message_enqueue,
    message_retry,
    outbox_relay,
)
from notifications.tasks import relay_outbox

from .conftest import consent

pytestmark = pytest.mark.django_db


def _newsletter(user, key="news:1", channel="email"):
    return message_enqueue(
        template_key="marketing_newsletter",
        channel=channel,
        idempotency_key=key,
        recipient=user,
        purpose="marketing",
        context={"headline": "Høsttilbud", "text": "20 % på klipp."},
    )


def test_enqueue_renders_at_enqueue_time_and_is_idempotent(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _newsletter(customer)
        again = _newsletter(customer)
    assert again is None
    assert len(callbacks) == 1  # one send task, after commit
    first.refresh_from_db()
    assert first.subject == "Høsttilbud"
    assert "20 % på klipp." in first.body_text and "<h1" in first.body_html
    assert Message.objects.filter(idempotency_key="news:1").count() == 1


def test_enqueue_rejects_bad_arguments(customer):
    with pytest.raises(ValueError):
        message_enqueue(template_key="x", channel="fax", idempotency_key="k", recipient=customer)
    with pytest.raises(ValueError):
        message_enqueue(template_key="x", channel="email", idempotency_key="", recipient=customer)
    with pytest.raises(ValueError):
        message_enqueue(template_key="booking_reminder", channel="email", idempotency_key="k")
    with pytest.raises(TemplateDoesNotExist):
        message_enqueue(
            template_key="no_such_template",
            channel="email",
            idempotency_key="k",
            recipient=customer,
        )
    assert not Message.objects.exists()


def test_enqueue_in_a_rolled_back_transaction_leaves_nothing(customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        _newsletter(customer)
        raise RuntimeError
    assert not Message.objects.exists()


def test_marketing_without_basis_is_suppressed_at_send_time(customer):
    message = _newsletter(customer)
    assert message_deliver(message_id=message.pk) == Message.Status.SUPPRESSED
    message.refresh_from_db()
    assert message.status_reason == "no_marketing_basis"
    assert console.sent == [] or all(item["id"] != message.pk for item in console.sent)


def test_marketing_with_consent_records_basis(customer):
    consent(customer, "marketing_email")
    message = _newsletter(customer)
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    message.refresh_from_db()
    assert message.marketing_basis == Message.MarketingBasis.CONSENT
    sent = console.sent[-1]
    assert sent["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["headers"]["List-Unsubscribe"].startswith("<http://testserver/")


def test_consent_checked_at_send_time_not_queue_time(sms_customer):
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="sms",
        idempotency_key="sms:1",
        recipient=sms_customer,
        purpose="transactional",
        context={"headline": "Hei"},
    )
    consent(sms_customer, "sms_notifications", granted=False)
    assert message_deliver(message_id=message.pk) == Message.Status.SUPPRESSED
    message.refresh_from_db()
    assert message.status_reason == "no_sms_consent"


def test_sms_needs_a_verified_number(customer):
    consent(customer, "sms_notifications")
    customer.phone_verified_at = None
    customer.save()
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="sms",
        idempotency_key="sms:2",
        recipient=customer,
        context={"headline": "Hei"},
    )
    assert message_deliver(message_id=message.pk) == Message.Status.SUPPRESSED
    message.refresh_from_db()
    assert message.status_reason == "phone_not_verified"


def test_deliver_is_idempotent(customer):
    consent(customer, "marketing_email")
    message = _newsletter(customer)
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert message_deliver(message_id=message.pk) == "not_claimed"
    assert len(console.sent) == 1


def test_future_message_waits_for_the_relay(customer):
    consent(customer, "marketing_email")
    due = timezone.now() + timedelta(hours=2)
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="email",
        idempotency_key="later",
        recipient=customer,
        purpose="marketing",
        context={"headline": "H"},
        due_at=due,
    )
    assert message_deliver(message_id=message.pk) == "not_claimed"
    assert outbox_relay() == []
    assert outbox_relay(now=due + timedelta(seconds=1)) == [message.pk]
    # Dispatched once; the next relay run does not dispatch it again straight away.
    assert outbox_relay(now=due + timedelta(seconds=2)) == []


def test_relay_reclaims_a_message_whose_worker_died(customer):
    consent(customer, "marketing_email")
    message = _newsletter(customer)
    # A worker claimed it and was killed before the provider call.
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING,
        attempts=1,
        claimed_until=timezone.now() - timedelta(seconds=1),
    )
    assert relay_outbox.apply().get() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert len(console.sent) == 1


def test_to_address_messages_go_without_a_user():
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="email",
        idempotency_key="contact:1",
        to_address="someone@example.org",
        context={"headline": "Takk"},
    )
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert console.sent[-1]["to"] == "someone@example.org"


def test_retry_only_failed_messages(customer):
    message = _newsletter(customer)
    assert message_retry(message=message) is False
    Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED, attempts=8)
    assert message_retry(message=message) is True
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.QUEUED, 0)


def test_bodies_are_redacted_after_90_days(customer):
    consent(customer, "marketing_email")
    old = _newsletter(customer, key="old")
    message_deliver(message_id=old.pk)
    recent = _newsletter(customer, key="recent")
    message_deliver(message_id=recent.pk)
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    assert message_bodies_redact(older_than=timedelta(days=90)) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.subject, old.body_text, old.body_html, old.attachments) == ("", "", "", [])
    assert old.redacted_at is not None and old.status == Message.Status.SENT
    assert recent.body_text


def test_erased_user_keeps_the_record_but_gets_nothing():
    user = UserFactory()
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="email",
        idempotency_key="gone",
        recipient=user,
        context={"headline": "H"},
    )
    user.delete()
    assert message_deliver(message_id=message.pk) == Message.Status.SUPPRESSED
    message.refresh_from_db()
    assert message.status_reason == "recipient_erased"


def test_every_marketing_sms_ends_with_a_stop_instruction(customer):
    customer.preferred_language = "nb"
    customer.save(update_fields=["preferred_language"])
    # A headline long enough to push the template's own STOP line past the SMS length limit.
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="sms",
        idempotency_key="sms:long",
        recipient=customer,
        purpose="marketing",
        context={"headline": "Tilbud " * 400},
    )
    assert message.body_text.endswith("Svar STOP for å melde deg av.")
    assert len(message.body_text) <= 1530
