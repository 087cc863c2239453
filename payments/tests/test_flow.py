"""Cross-app payment flows: booking holds, pages, console mode, deposits, late payments."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import Booking, Service
from bookings.selectors import booking_payment_url
from bookings.services import booking_expire_holds
from notifications.models import Message
from payments.models import Payment, Receipt, Refund
from payments.selectors import payment_start_url
from payments.services import payment_refresh, payment_start

from .factories import BookingFactory, PaymentSettingsFactory, ServiceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _hold_expires(booking, *, slot_taken: bool) -> None:
    """The hold runs out, the slot is released and, maybe, someone else books the same time."""
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    booking_expire_holds()
    if slot_taken:
        BookingFactory(
            service=booking.service,
            resource=booking.resource,
            start=booking.start,
            status=Booking.Status.CONFIRMED,
            hold_expires_at=None,
        )


def test_late_payment_after_slot_taken_is_refunded_and_customer_told(
    booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    _hold_expires(booking, slot_taken=True)
    stripe_fake.complete(payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        payment_refresh(payment=payment)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    refund = Refund.objects.get(payment=payment)
    assert refund.reason == Refund.Reason.SLOT_TAKEN
    assert (refund.amount_ore, refund.status) == (50_000, Refund.Status.SUCCEEDED)
    notice = Message.objects.get(template_key="payment_refunded", booking=booking)
    assert booking.reference in notice.body_text
    # The money was taken and given back: a receipt and a credit note keep the books right.
    kinds = sorted(Receipt.objects.filter(order__booking=booking).values_list("kind", flat=True))
    assert kinds == ["credit", "sale"]
    assert not Message.objects.filter(template_key="booking_confirmation", booking=booking).exists()


def test_late_payment_with_slot_still_free_revives_the_booking(
    booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    _hold_expires(booking, slot_taken=False)
    stripe_fake.complete(payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        payment_refresh(payment=payment)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not Refund.objects.exists()


def test_vipps_authorised_late_with_slot_taken_is_released_not_captured(
    client, booking, vipps_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="vipps", user=booking.customer)
    _hold_expires(booking, slot_taken=True)
    vipps_fake.authorize(payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        payment_refresh(payment=payment)

    reference = payment.provider_reference
    assert not vipps_fake.calls("POST", f"/epayment/v1/payments/{reference}/capture")
    assert len(vipps_fake.calls("POST", f"/epayment/v1/payments/{reference}/cancel")) == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert Refund.objects.get(payment=payment).status == Refund.Status.SUCCEEDED
    assert not Receipt.objects.exists()  # nothing was ever taken


def test_deposit_is_paid_online_and_the_rest_shown_as_due_at_the_venue(
    client, stripe_fake, django_capture_on_commit_callbacks
):
    service = ServiceFactory(
        payment_mode=Service.PaymentMode.DEPOSIT, price_ore=80_000, deposit_ore=20_000
    )
    deposit_booking = BookingFactory(service=service)
    PaymentSettingsFactory(supplier=service.supplier)
    client.force_login(deposit_booking.customer)

    page = client.get(reverse("payments:choose", args=[deposit_booking.reference]))
    assert page.status_code == 200
    assert "200,00" in page.content.decode() and "600,00" in page.content.decode()

    response = client.post(
        reverse("payments:choose", args=[deposit_booking.reference]), {"provider": "stripe"}
    )
    assert response.status_code == 302
    payment = Payment.objects.get(order__booking=deposit_booking)
    assert response["Location"] == payment.redirect_url
    assert payment.amount_ore == 20_000
    stripe_fake.complete(payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        back = client.get(reverse("payments:return", args=[payment.public_id]))

    assert back.status_code == 200
    assert "600,00" in back.content.decode()
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.total_ore == 20_000
    assert receipt.vat_ore == 4_000
    assert receipt.due_at_venue_ore == 60_000
    printable = client.get(reverse("payments:receipt", args=[receipt.public_id]))
    assert printable.status_code == 200
    assert "600,00" in printable.content.decode()


def test_console_mode_simulates_success_in_debug(
    client, settings, booking, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(booking.customer)

    response = client.post(
        reverse("payments:choose", args=[booking.reference]), {"provider": "stripe"}
    )

    payment = Payment.objects.get(order__booking=booking)
    assert payment.is_console
    assert response["Location"].endswith(reverse("payments:console", args=[payment.public_id]))
    assert client.get(reverse("payments:console", args=[payment.public_id])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("payments:console", args=[payment.public_id]), {"outcome": "paid"}
        )
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Receipt.objects.filter(payment=payment).exists()


def test_console_failure_leaves_booking_waiting(client, settings, booking):
    settings.DEBUG = True
    settings.MOLLIE_API_KEY = ""
    client.force_login(booking.customer)
    client.post(reverse("payments:choose", args=[booking.reference]), {"provider": "mollie"})
    payment = Payment.objects.get(order__booking=booking)

    client.post(reverse("payments:console", args=[payment.public_id]), {"outcome": "failed"})

    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert booking.status == Booking.Status.PENDING_PAYMENT
    bad = client.post(reverse("payments:console", args=[payment.public_id]), {"outcome": "maybe"})
    assert bad.status_code == 400


def test_without_credentials_and_without_debug_nothing_is_offered(client, settings, booking):
    settings.DEBUG = False
    settings.STRIPE_SECRET_KEY = settings.MOLLIE_API_KEY = settings.VIPPS_CLIENT_ID = ""
    client.force_login(booking.customer)

    page = client.get(reverse("payments:choose", args=[booking.reference]))
    assert page.status_code == 200
    assert not page.context["offered"]
    response = client.post(
        reverse("payments:choose", args=[booking.reference]), {"provider": "stripe"}
    )
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_console_page_is_404_without_debug(client, settings, booking):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(booking.customer)
    client.post(reverse("payments:choose", args=[booking.reference]), {"provider": "stripe"})
    payment = Payment.objects.get(order__booking=booking)
    settings.DEBUG = False
    assert client.get(reverse("payments:console", args=[payment.public_id])).status_code == 404


def test_pages_belong_to_the_bookings_customer_only(client, booking, stripe_fake):
    url = reverse("payments:choose", args=[booking.reference])
    assert client.get(url).status_code == 302  # login first
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url, {"provider": "stripe"}).status_code == 404
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    assert client.get(reverse("payments:return", args=[payment.public_id])).status_code == 404


def test_provider_not_offered_by_supplier_is_refused(client, booking, stripe_fake, settings):
    booking.supplier.payment_settings.enabled_providers = ["vipps"]
    booking.supplier.payment_settings.save()
    settings.VIPPS_CLIENT_ID = ""
    client.force_login(booking.customer)

    response = client.post(
        reverse("payments:choose", args=[booking.reference]), {"provider": "stripe"}
    )

    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_paying_twice_is_refused_and_double_click_reuses_the_payment(booking, stripe_fake):
    first = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    again = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    assert again.pk == first.pk
    assert len(stripe_fake.calls("POST", "/v1/checkout/sessions")) == 1


def test_hold_expired_cannot_start_a_payment(client, booking, stripe_fake):
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(booking.customer)
    response = client.post(
        reverse("payments:choose", args=[booking.reference]), {"provider": "stripe"}
    )
    assert response.status_code == 409
    assert not Payment.objects.exists()


def test_payment_start_url_for_the_api(booking):
    assert payment_start_url(booking) == f"http://testserver/pay/{booking.reference}/"
    booking.status = Booking.Status.CONFIRMED
    assert payment_start_url(booking) is None
    # bookings.selectors.booking_payment_url is wired by the lead; both must agree when it is.
    wired = booking_payment_url(BookingFactory(service=booking.service))
    assert wired is None or wired.startswith("http://testserver/pay/")
