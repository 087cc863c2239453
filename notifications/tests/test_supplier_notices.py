"""Notices to the salon: booking events and erasure → outbox rows for the supplier's addresses."""

import pytest

from accounts.tests.factories import UserFactory
from bookings.services import booking_cancel, booking_create, booking_reschedule
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from notifications.models import Message, SupplierNoticeSettings
from privacy.erasure import subject_erase
from privacy.registry import Subject

from .conftest import at, next_monday

pytestmark = pytest.mark.django_db

SALON_EMAIL = "resepsjon@salong-nord.example.no"
SALON_PHONE = "+4798765432"


def supplier_rows(template: str):
    return Message.objects.filter(template_key=f"supplier/{template}")


def channels_and_addresses(template: str) -> list[tuple[str, str]]:
    return sorted(supplier_rows(template).values_list("channel", "to_address"))


@pytest.fixture
def priced(service):
    service.price_ore = 189_000
    service.save(update_fields=["price_ore"])
    return service


@pytest.fixture
def notice_settings(supplier):
    return SupplierNoticeSettings.objects.create(
        supplier=supplier, notice_emails=SALON_EMAIL, notice_phone=SALON_PHONE
    )


def _book(customer, service, hour=10):
    return booking_create(customer=customer, service=service, start=at(next_monday(), hour))


def test_new_booking_gives_one_email_and_one_sms_to_the_salon(
    customer, priced, notice_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(customer, priced)

    assert channels_and_addresses("booking_new") == [("email", SALON_EMAIL), ("sms", SALON_PHONE)]
    email = supplier_rows("booking_new").get(channel="email")
    assert email.subject.startswith("Ny bestilling: Dameklipp")
    assert email.subject.endswith("kl. 10:00")  # Oslo time, not UTC
    for text in (email.body_text, email.body_html):
        assert "Kari Nordmann" in text and "+4791234567" in text
        assert "1\u00a0890,00\u00a0kr" in text
        assert booking.reference in text and "Ingrid" in text
    assert f"/admin/bookings/booking/{booking.pk}/change/" in email.body_text
    sms = supplier_rows("booking_new").get(channel="sms")
    assert sms.body_text.startswith("Ny bestilling: Dameklipp")
    assert "Kari Nordmann" in sms.body_text
    # Both went out (console gateways): a bare address passes the send-time checks.
    assert set(supplier_rows("booking_new").values_list("status", flat=True)) == {"sent"}


def test_moved_and_cancelled_give_one_notice_per_channel_each(customer, priced, notice_settings):
    booking = _book(customer, priced)
    booking_reschedule(booking=booking, start=at(next_monday(), 12), by_user=customer)
    assert channels_and_addresses("booking_moved") == [("email", SALON_EMAIL), ("sms", SALON_PHONE)]
    moved = supplier_rows("booking_moved").get(channel="email")
    assert "12:00" in moved.subject and "Tidligere:" in moved.body_text
    assert "kl. 10:00" in moved.body_text

    booking = booking_cancel(booking=booking, by_user=customer, by_supplier=False)
    assert channels_and_addresses("booking_cancelled") == [
        ("email", SALON_EMAIL),
        ("sms", SALON_PHONE),
    ]
    cancelled = supplier_rows("booking_cancelled").get(channel="email")
    assert "avbestilt av kunden" in cancelled.body_text
    assert "Kari Nordmann" in cancelled.body_text
    # The event repeated (a replayed signal) writes nothing new.
    from bookings.models import Booking
    from bookings.signals import booking_cancelled

    booking_cancelled.send(
        sender=Booking, booking=booking, by_supplier=False, within_deadline=True
    )
    assert supplier_rows("booking_cancelled").count() == 2


def test_turned_off_events_write_nothing_for_the_salon(customer, priced, supplier):
    SupplierNoticeSettings.objects.create(
        supplier=supplier,
        notice_emails=SALON_EMAIL,
        notice_phone=SALON_PHONE,
        on_new=False,
        on_moved=False,
        on_cancelled=False,
    )
    booking = _book(customer, priced)
    booking_reschedule(booking=booking, start=at(next_monday(), 12), by_user=customer)
    booking_cancel(booking=booking, by_user=customer, by_supplier=False)
    assert not Message.objects.filter(template_key__startswith="supplier/").exists()
    assert Message.objects.filter(booking=booking, recipient=customer).exists()  # customer's own


def test_without_settings_the_contact_email_gets_e_mail_only(customer, priced, supplier):
    supplier.contact_email = "post@salong-nord.example.no"
    supplier.save(update_fields=["contact_email"])
    _book(customer, priced)
    assert channels_and_addresses("booking_new") == [("email", "post@salong-nord.example.no")]
    assert supplier_rows("booking_new").get().language == "nb"


def test_without_settings_or_contact_email_nothing_is_written(customer, priced):
    _book(customer, priced)
    assert not Message.objects.filter(template_key__startswith="supplier/").exists()


def test_sms_only_when_a_number_is_set(customer, priced, supplier):
    SupplierNoticeSettings.objects.create(supplier=supplier, notice_emails=SALON_EMAIL)
    booking = _book(customer, priced)
    booking_reschedule(booking=booking, start=at(next_monday(), 12), by_user=customer)
    booking_cancel(booking=booking, by_user=customer, by_supplier=True)
    assert set(
        Message.objects.filter(template_key__startswith="supplier/").values_list(
            "channel", flat=True
        )
    ) == {"email"}
    assert supplier_rows("booking_cancelled").get().body_text.count("avbestilt av salongen") == 1


def test_settings_change_applies_to_the_next_booking_at_once(customer, priced, notice_settings):
    _book(customer, priced, hour=10)
    notice_settings.notice_phone = ""
    notice_settings.language = "en"
    notice_settings.save()
    _book(customer, priced, hour=12)
    latest = supplier_rows("booking_new").order_by("-pk")
    assert [row.channel for row in latest[:1]] == ["email"]
    assert latest[0].subject.startswith("New booking: Dameklipp")
    assert "1\u00a0890,00\u00a0kr" in latest[0].body_text  # amounts as 1 890,00 kr in English too


def test_another_supplier_never_receives(customer, priced):
    other = SupplierFactory(name="Annen Salong", contact_email="post@annen.example.no")
    SupplierNoticeSettings.objects.create(
        supplier=other, notice_emails="annen@annen.example.no", notice_phone="+4790000001"
    )
    other_service = ServiceFactory(supplier=other, resources=[ResourceFactory(supplier=other)])
    SupplierNoticeSettings.objects.create(supplier=priced.supplier, notice_emails=SALON_EMAIL)

    booking = _book(customer, priced)
    booking_reschedule(booking=booking, start=at(next_monday(), 12), by_user=customer)
    booking_cancel(booking=booking, by_user=customer, by_supplier=False)
    booking_create(customer=UserFactory(), service=other_service, start=at(next_monday(), 11))

    ours = Message.objects.filter(template_key__startswith="supplier/", booking__supplier=priced.supplier)
    assert set(ours.values_list("to_address", flat=True)) == {SALON_EMAIL}
    theirs = Message.objects.filter(
        to_address__in=["annen@annen.example.no", "+4790000001", "post@annen.example.no"]
    )
    assert {row.booking.supplier_id for row in theirs} == {other.pk}
    assert not any("Kari" in row.body_text for row in theirs)


def test_a_payment_hold_that_runs_out_is_never_announced(customer, supplier, notice_settings):
    from bookings.services import booking_expire_holds

    resource = ResourceFactory(supplier=supplier)
    paid = ServiceFactory(
        supplier=supplier, resources=[resource], payment_mode="full", price_ore=50_000
    )
    booking = booking_create(customer=customer, service=paid, start=at(next_monday(), 10))
    assert booking.status == "pending_payment"
    type(booking).objects.filter(pk=booking.pk).update(hold_expires_at=booking.created_at)
    booking_expire_holds()
    assert not Message.objects.filter(template_key__startswith="supplier/").exists()


def test_erasure_tells_the_salon_without_naming_the_person(customer, priced, notice_settings):
    customer.email = "kari.nordmann@example.org"
    customer.save(update_fields=["email"])
    upcoming = _book(customer, priced, hour=10)
    later = _book(customer, priced, hour=13)
    booking_cancel(booking=later, by_user=customer, by_supplier=False)  # already cancelled

    subject_erase(subject=Subject.for_user(customer), notify=False, journal=False)

    erased = supplier_rows("customer_erased")
    assert sorted(erased.values_list("channel", "to_address")) == [
        ("email", SALON_EMAIL),
        ("sms", SALON_PHONE),
    ]
    email = erased.get(channel="email")
    assert upcoming.reference in email.body_text and "Dameklipp" in email.body_text
    assert later.reference not in email.body_text  # not cancelled by the erasure
    assert "1 annen bestilling" in email.body_text
    for row in erased:
        assert row.booking_id is None
        text = " ".join([row.subject, row.body_text, row.body_html])
        for personal in ("Kari", "Nordmann", "91234567", "kari.nordmann@example.org"):
            assert personal not in text
    # No notice naming the person is left anywhere in the outbox, sent or queued.
    for personal in ("Kari", "91234567"):
        assert not Message.objects.filter(body_text__icontains=personal).exists()
    # A rerun (erasure is idempotent) tells the salon nothing new.
    subject_erase(subject=Subject.for_user(customer), notify=False, journal=False)
    assert erased.count() == 2


def test_erasure_notice_can_be_turned_off(customer, priced, supplier):
    SupplierNoticeSettings.objects.create(
        supplier=supplier, notice_emails=SALON_EMAIL, on_erased=False
    )
    _book(customer, priced)
    subject_erase(subject=Subject.for_user(customer), notify=False, journal=False)
    assert not supplier_rows("customer_erased").exists()
