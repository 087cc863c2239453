"""Deletion of a customer: payment records anonymised and restricted, the books intact."""

import pytest

from payments.models import Order, Payment, Receipt, Refund, WebhookEvent
from payments.selectors import retention_date_for
from payments.services import (
    payment_data_anonymise_for_user,
    payment_refresh,
    payment_start,
    refund_create,
)

from .fixtures import stripe_event, stripe_headers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def test_anonymise_keeps_the_books_and_strips_the_person(
    client, booking, stripe_fake, django_capture_on_commit_callbacks
):
    customer = booking.customer
    payment = payment_start(booking=booking, provider_identifier="stripe", user=customer)
    session = stripe_fake.complete(payment.provider_reference)
    body = stripe_event("evt_p", "checkout.session.completed", session)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/webhooks/stripe/", body, content_type="application/json", **stripe_headers(body)
        )
    with django_capture_on_commit_callbacks(execute=True):
        refund_create(
            payment=payment, amount_ore=5_000, reason=Refund.Reason.MANUAL, note="Ring Kari"
        )
    receipts_before = list(Receipt.objects.values("number", "total_ore", "vat_ore", "lines"))

    assert payment_data_anonymise_for_user(user=customer) == 1
    assert payment_data_anonymise_for_user(user=customer) == 0  # idempotent: nothing left

    order = Order.objects.get(booking_reference=booking.reference)
    assert (order.customer, order.customer_name, order.customer_email) == (None, "", "")
    assert order.restricted
    assert order.total_ore == 50_000 and order.retain_until == retention_date_for()
    payment.refresh_from_db()
    assert payment.restricted and payment.provider_reference and payment.amount_ore == 50_000
    assert set(payment.provider_data) <= {"status"}
    assert Refund.objects.get().note == "" and Refund.objects.get().restricted
    assert all(Receipt.objects.values_list("restricted", flat=True))
    assert (
        list(Receipt.objects.values("number", "total_ore", "vat_ore", "lines")) == receipts_before
    )
    assert WebhookEvent.objects.get().restricted


def test_console_payment_data_is_erased(booking, settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    assert "console_status" in Payment.objects.get(pk=payment.pk).provider_data
    payment_refresh(payment=payment)

    payment_data_anonymise_for_user(user=booking.customer)

    assert set(Payment.objects.get(pk=payment.pk).provider_data) <= {"status"}


def test_records_past_their_legal_hold_are_anonymised(booking, stripe_fake):
    """The one anonymisation after the hold: the retention rule accounting_records
    (payments/personal_data.py), which the nightly privacy sweep runs."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from privacy.retention import retention_rule_apply

    def start_of(day):
        return timezone.make_aware(datetime.combine(day, time.min))

    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    stripe_fake.complete(payment.provider_reference)
    payment_refresh(payment=payment)
    order = Order.objects.get(pk=payment.order_id)
    after = start_of(order.retain_until + timedelta(days=1))

    assert retention_rule_apply(key="accounting_records", as_of=start_of(order.retain_until)) == 0
    assert retention_rule_apply(key="accounting_records", as_of=after) == 2  # order, payment
    order.refresh_from_db()
    assert (order.customer, order.customer_email) == (None, "")
    assert Payment.objects.get(pk=payment.pk).provider_data == {}
    assert order.total_ore == 50_000 and Receipt.objects.filter(order=order).exists()
    assert retention_rule_apply(key="accounting_records", as_of=after) == 0


def _paid(client, booking, stripe_fake, capture) -> Payment:
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    session = stripe_fake.complete(payment.provider_reference)
    body = stripe_event(f"evt_{payment.pk}", "checkout.session.completed", session)
    with capture(execute=True):
        client.post(
            "/webhooks/stripe/", body, content_type="application/json", **stripe_headers(body)
        )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    return payment


def test_credit_note_issued_after_the_erasure_is_born_restricted(
    client, booking, stripe_fake, django_capture_on_commit_callbacks
):
    """Erasure cancels the future booking; the refund is settled by the worker afterwards."""
    from privacy.erasure import subject_erase
    from privacy.registry import Subject

    payment = _paid(client, booking, stripe_fake, django_capture_on_commit_callbacks)
    # The worker runs the tasks the erasure queued only once the erasure is done.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        subject_erase(subject=Subject.for_user(booking.customer), notify=False)
    refund = Refund.objects.get(payment=payment)
    assert refund.restricted  # created during the erasure
    for callback in queued:
        callback()

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    credit = Receipt.objects.get(refund=refund)
    assert credit.kind == Receipt.Kind.CREDIT and credit.total_ore == -50_000
    assert credit.restricted
    assert credit.retain_until == retention_date_for(credit.issued_at)
    order = Order.objects.get(pk=payment.order_id)
    assert (order.customer, order.customer_name, order.customer_email) == (None, "", "")


def test_records_created_after_the_erasure_are_restricted(
    client, booking, stripe_fake, django_capture_on_commit_callbacks
):
    """A late payment (the customer paid just before the erasure) and its webhook row."""
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    payment_data_anonymise_for_user(user=booking.customer)

    session = stripe_fake.complete(payment.provider_reference)
    body = stripe_event("evt_late", "checkout.session.completed", session)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/webhooks/stripe/", body, content_type="application/json", **stripe_headers(body)
        )

    assert WebhookEvent.objects.get(payment=payment).restricted
    sale = Receipt.objects.get(payment=payment, kind=Receipt.Kind.SALE)
    assert sale.restricted
    for refund in Refund.objects.filter(payment=payment):
        assert refund.restricted


def test_vipps_and_mollie_get_no_personal_data_so_an_erasure_calls_neither(
    booking, vipps_fake, mollie_fake, django_capture_on_commit_callbacks
):
    """Why the erasure does not call Vipps or Mollie (see the provider docstrings, RETENTION.md).

    Neither has an API to erase a payment: they keep the transaction under their own legal
    duties. What could be ours to erase there is what we sent, and we send no personal data.
    """
    from privacy.erasure import subject_erase
    from privacy.registry import Subject

    customer = booking.customer
    customer.phone = "+4791234567"
    customer.save()
    payment_start(booking=booking, provider_identifier="vipps", user=customer)
    payment_start(booking=booking, provider_identifier="mollie", user=customer)
    # Each provider really was asked to start a payment, so the check below reads both.
    for fake in (vipps_fake, mollie_fake):
        assert any(r.path.endswith("/payments") and r.method == "POST" for r in fake.requests)
    sent = [*vipps_fake.requests, *mollie_fake.requests]
    personal = [customer.email, customer.full_name, "91234567", "4791234567"]
    for recorded in sent:
        text = recorded.body.decode() + recorded.path
        assert not any(value and value in text for value in personal)

    before = len(vipps_fake.requests), len(mollie_fake.requests)
    with django_capture_on_commit_callbacks(execute=True):
        result = subject_erase(subject=Subject.for_user(customer), notify=False)

    assert (len(vipps_fake.requests), len(mollie_fake.requests)) == before
    assert not {"vipps", "mollie"} & set(result["processors"])
    payments = Payment.objects.filter(provider__in=["vipps", "mollie"])
    assert payments.count() == 2
    assert all(p.restricted for p in payments)
