"""A customer with a distinctive value in every personal field of every category.

Used by the per-category tests, the erasure proof (tests/test_privacy_erasure_proof.py) and the
benchmark. Every marker is a string that occurs nowhere else, so a database dump can be searched
for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import (
    ResourceFactory,
    ServiceFactory,
    SupplierFactory,
    booking_build,
)


@dataclass
class RichCustomer:
    user: object
    markers: dict[str, list[str]] = field(default_factory=dict)
    bookings: list = field(default_factory=list)

    @property
    def all_markers(self) -> set[str]:
        return {m for values in self.markers.values() for m in values}


NAME = "Zyxwar Quelbertsen"
EMAIL = "zyxwar.quelbertsen@example.net"
PHONE = "+4748159263"


def _booking(*, customer, service, resource, start, status, notes) -> Booking:
    """A booking placed directly (past dates too), confirmed the day before it starts."""
    booking = booking_build(
        customer=customer,
        service=service,
        resource=resource,
        start=start,
        status=status,
        customer_notes=notes,
        confirmed_at=start - timedelta(days=1),
    )
    booking.save()
    return booking


def rich_customer(*, with_payments: bool = True) -> RichCustomer:
    from allauth.socialaccount.models import SocialAccount

    from notifications.models import Message
    from privacy.models import ContactMessage, PrivacyRequest
    from privacy.purposes import Purpose
    from privacy.services import consent_set

    user = UserFactory(email=EMAIL, full_name=NAME)
    user.phone = PHONE
    user.phone_verified_at = timezone.now()
    user.save()
    rich = RichCustomer(user=user)
    rich.markers["account"] = [NAME, EMAIL, "48159263"]

    SocialAccount.objects.create(
        user=user, provider="vipps", uid="vipps-uid-QLB7781", extra_data={"name": NAME}
    )
    rich.markers["account"].append("vipps-uid-QLB7781")

    supplier = SupplierFactory(name="Salong Proof")
    resource = ResourceFactory(supplier=supplier)
    service = ServiceFactory(supplier=supplier, resources=[resource])
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    past = _booking(
        customer=user,
        service=service,
        resource=resource,
        start=now - timedelta(days=30),
        status=Booking.Status.COMPLETED,
        notes="QLBNOTE-past allergisk mot lanolin",
    )
    future = _booking(
        customer=user,
        service=service,
        resource=resource,
        start=now + timedelta(days=10),
        status=Booking.Status.CONFIRMED,
        notes="QLBNOTE-future ring meg på døra",
    )
    rich.bookings = [past, future]
    rich.markers["bookings"] = ["QLBNOTE-past", "QLBNOTE-future"]

    Message.objects.create(
        channel="email",
        template_key="booking_confirmation",
        recipient=user,
        booking=past,
        subject="Bekreftelse QLBMAIL-subject",
        body_text=f"Hei {NAME}, QLBMAIL-body",
        status=Message.Status.DELIVERED,
        idempotency_key="qlb-mail-1",
    )
    Message.objects.create(
        channel="sms",
        template_key="booking_reminder",
        recipient=user,
        booking=future,
        body_text="Påminnelse QLBSMS-body",
        status=Message.Status.DELIVERED,
        provider_message_id="SMqlb000000000000000000000000001",
        idempotency_key="qlb-sms-1",
    )
    rich.markers["outbox_messages"] = ["QLBMAIL-subject", "QLBMAIL-body", "QLBSMS-body"]

    ContactMessage.objects.create(
        name=NAME, email=EMAIL, subject="QLBCONTACT-subject", message="QLBCONTACT-message"
    )
    rich.markers["contact_messages"] = ["QLBCONTACT-subject", "QLBCONTACT-message"]

    http = RequestFactory().post(
        "/privacy/centre/",
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0",
    )
    consent_set(
        subject=user, purpose=Purpose.MARKETING_EMAIL, granted=True, source="web", request=http
    )
    consent_set(
        subject=user, purpose=Purpose.MARKETING_EMAIL, granted=False, source="web", request=http
    )
    # Stored as family, major version and platform only (user_agent_truncate).
    rich.markers["consents"] = ["Firefox 122 (Linux)"]

    PrivacyRequest.objects.create(
        type=PrivacyRequest.Type.RECTIFICATION,
        channel=PrivacyRequest.Channel.CENTRE,
        status=PrivacyRequest.Status.COMPLETED,
        subject=user,
        subject_public_id=user.public_id,
        details="QLBREQ-details navnet mitt er feil",
    )
    rich.markers["privacy_requests"] = ["QLBREQ-details"]

    LogEntry.objects.create(
        user=UserFactory(is_staff=True),
        content_type=ContentType.objects.get_for_model(user),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["QLBADMIN-field"]}}]',
    )
    rich.markers["admin_history"] = ["QLBADMIN-field"]

    if with_payments:
        from payments.models import Order, Payment
        from payments.selectors import retention_date_for

        order = Order.objects.create(
            supplier=supplier,
            booking=past,
            booking_reference=past.reference,
            customer=user,
            customer_name=NAME,
            customer_email=EMAIL,
            total_ore=50_000,
            vat_ore=10_000,
            due_online_ore=50_000,
            status=Order.Status.PAID,
            paid_at=past.start,
            retain_until=retention_date_for(),
        )
        Payment.objects.create(
            order=order,
            provider="stripe",
            provider_reference="cs_test_qlb",
            amount_ore=50_000,
            captured_ore=50_000,
            status=Payment.Status.PAID,
            provider_data={"status": "complete", "payer_name": "QLBPAYER"},
            retain_until=order.retain_until,
        )
        rich.markers["payments"] = ["QLBPAYER", NAME]

    if apps.is_installed("calendars"):
        from calendars.models import CalendarConnection, EventMirror

        connection = CalendarConnection.objects.create(resource=resource, mode="console")
        EventMirror.objects.create(
            connection=connection, booking=future, booking_reference=future.reference
        )
        # The booking reference is kept on the anonymised booking (not personal by itself), so
        # it is not a marker; test_categories checks the mirror's own field.
    return rich
