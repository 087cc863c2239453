"""Notices to the salon: booking events and erasure → outbox rows for the supplier's addresses."""

import pytest

from accounts.tests.factories import UserFactory
from bookings.services import booking_cancel, booking_create, booking_reschedule
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from notifications.models import Message, SupplierNoticeSettings
from privacy.erasure import subject_erase
from privacy.registry import Subject, registry

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
        assert customer.email not in text  # name and phone, as on the salon's calendar
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

    booking_cancelled.send(sender=Booking, booking=booking, by_supplier=False, within_deadline=True)
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

    ours = Message.objects.filter(
        template_key__startswith="supplier/", booking__supplier=priced.supplier
    )
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


def test_erasure_of_past_bookings_only_is_told_by_e_mail(customer, priced, notice_settings):
    past = _book(customer, priced)
    type(past).objects.filter(pk=past.pk).update(status="completed")
    subject_erase(subject=Subject.for_user(customer), notify=False, journal=False)
    [email] = supplier_rows("customer_erased")
    assert email.channel == "email" and "1 annen bestilling" in email.body_text
    assert "Kari" not in email.body_text


def test_erasure_notice_can_be_turned_off(customer, priced, supplier):
    SupplierNoticeSettings.objects.create(
        supplier=supplier, notice_emails=SALON_EMAIL, on_erased=False
    )
    _book(customer, priced)
    subject_erase(subject=Subject.for_user(customer), notify=False, journal=False)
    assert not supplier_rows("customer_erased").exists()


# --- Daily agenda --------------------------------------------------------------------------------


@pytest.fixture
def agenda_day(priced, notice_settings):
    """Ingrid at 09:00 and 13:00, Ola at 10:30; cancelled and other-supplier bookings too."""
    from bookings.models import Resource

    day = next_monday()
    ingrid = Resource.objects.get(supplier=priced.supplier, name="Ingrid")
    ingrid.sort_order = 1
    ingrid.save(update_fields=["sort_order"])
    ola = ResourceFactory(supplier=priced.supplier, name="Ola", sort_order=2)
    priced.resources.add(ola)
    first = UserFactory(full_name="Aud Askeland", phone="+4741111111")
    second = UserFactory(full_name="Bjørn Berg", phone="+4742222222")
    third = UserFactory(full_name="Cato Carlsen")
    booking_create(customer=first, service=priced, start=at(day, 13), resource=ingrid)
    booking_create(customer=second, service=priced, start=at(day, 9), resource=ingrid)
    booking_create(customer=third, service=priced, start=at(day, 10, 30), resource=ola)
    gone = booking_create(
        customer=UserFactory(full_name="Dag Dahl"), service=priced, start=at(day, 15)
    )
    booking_cancel(booking=gone, by_user=None, by_supplier=True)
    elsewhere = ServiceFactory(resources=[ResourceFactory(name="Fremmed")])
    booking_create(customer=UserFactory(full_name="Eva Ek"), service=elsewhere, start=at(day, 9))
    return day


def test_agenda_lists_the_days_bookings_per_staff_member_in_local_time(priced, agenda_day):
    from notifications.services.supplier_notices import supplier_agenda_enqueue

    assert supplier_agenda_enqueue(supplier_id=priced.supplier_id, day=agenda_day) == 1
    agenda = supplier_rows("daily_agenda").get()
    assert (agenda.channel, agenda.to_address, agenda.booking_id) == ("email", SALON_EMAIL, None)
    assert agenda.subject.startswith("Salong Nord, mandag")
    assert agenda.subject.endswith(": 3 bestillinger")
    text = agenda.body_text
    # Staff in their order, each one's bookings by time, in Oslo time (not UTC).
    order = ["Ingrid", "09:00–09:30", "Bjørn Berg", "+4742222222", "13:00–13:30", "Aud Askeland"]
    order += ["Ola", "10:30–11:00", "Cato Carlsen"]
    positions = [text.index(item) for item in order]
    assert positions == sorted(positions)
    assert (
        "1\u00a0890,00\u00a0kr" in text and "Totalt: 3 bestillinger, 5\u00a0670,00\u00a0kr." in text
    )
    for absent in ("Dag Dahl", "Eva Ek", "Fremmed"):
        assert absent not in text and absent not in agenda.body_html
    assert "<h2" in agenda.body_html and "Bjørn Berg" in agenda.body_html


def test_agenda_is_written_once_per_supplier_and_date(priced, agenda_day):
    from notifications.tasks import supplier_agenda

    supplier_agenda.apply(args=(priced.supplier_id, agenda_day.isoformat()))
    supplier_agenda.apply(args=(priced.supplier_id, agenda_day.isoformat()))
    assert supplier_rows("daily_agenda").count() == 1
    # The next day is its own agenda (a day without bookings sends none).
    from datetime import timedelta

    supplier_agenda.apply(args=(priced.supplier_id, (agenda_day + timedelta(days=7)).isoformat()))
    assert supplier_rows("daily_agenda").count() == 1


def test_agenda_in_english_and_turned_off(priced, agenda_day, notice_settings):
    from notifications.services.supplier_notices import supplier_agenda_enqueue

    notice_settings.agenda_enabled = False
    notice_settings.save()
    assert supplier_agenda_enqueue(supplier_id=priced.supplier_id, day=agenda_day) == 0
    notice_settings.agenda_enabled = True
    notice_settings.language = "en"
    notice_settings.save()
    assert supplier_agenda_enqueue(supplier_id=priced.supplier_id, day=agenda_day) == 1
    agenda = supplier_rows("daily_agenda").get()
    assert agenda.subject.startswith("Salong Nord, Monday") and agenda.subject.endswith(
        "3 bookings"
    )
    assert "In all: 3 bookings, 5\u00a0670,00\u00a0kr." in agenda.body_text


def test_agenda_is_due_at_the_suppliers_hour_and_two_catch_up_hours(supplier):
    from notifications.services.supplier_notices import suppliers_agenda_due

    SupplierNoticeSettings.objects.create(
        supplier=supplier, agenda_hour=6, notice_emails=SALON_EMAIL
    )
    off = SupplierFactory()
    SupplierNoticeSettings.objects.create(supplier=off, agenda_enabled=False)
    default = SupplierFactory(contact_email="post@default.example.no")  # no row: 07:00
    SupplierFactory()  # no row and no contact e-mail: nobody to send an agenda to
    day = next_monday()
    assert suppliers_agenda_due(now=at(day, 5, 5)) == []
    assert suppliers_agenda_due(now=at(day, 6, 5)) == [(supplier.pk, day)]
    assert suppliers_agenda_due(now=at(day, 8, 5)) == [(supplier.pk, day), (default.pk, day)]
    assert suppliers_agenda_due(now=at(day, 9, 5)) == [(default.pk, day)]
    assert suppliers_agenda_due(now=at(day, 10, 5)) == []


def test_agenda_task_retries_database_errors_with_backoff():
    from django.db import OperationalError

    from notifications.tasks import supplier_agenda

    assert OperationalError in supplier_agenda.autoretry_for
    assert supplier_agenda.retry_backoff and supplier_agenda.max_retries


def test_erasure_blanks_agendas_that_list_the_person(priced, agenda_day):
    from bookings.models import Booking
    from notifications.services.supplier_notices import supplier_agenda_enqueue

    supplier_agenda_enqueue(supplier_id=priced.supplier_id, day=agenda_day)
    person = Booking.objects.get(customer__full_name="Bjørn Berg").customer
    category_export = registry.get("supplier_notices").export(Subject.for_user(person))
    assert len(category_export["daily_agendas_listing_you"]) == 1
    assert "Aud" not in str(category_export)  # the others on the list are not exported

    subject_erase(subject=Subject.for_user(person), notify=False, journal=False)
    agenda = supplier_rows("daily_agenda").get()
    assert agenda.body_text == agenda.body_html == agenda.subject == agenda.to_address == ""
    assert agenda.redacted_at is not None


def test_erasure_removes_a_staff_members_address_from_notice_settings(supplier):
    staff_member = UserFactory(email="ingrid@salong-nord.example.no", phone=SALON_PHONE)
    SupplierNoticeSettings.objects.create(
        supplier=supplier,
        notice_emails=f"ingrid@salong-nord.example.no, {SALON_EMAIL}",
        notice_phone=SALON_PHONE,
    )
    subject_erase(subject=Subject.for_user(staff_member), notify=False, journal=False)
    row = SupplierNoticeSettings.objects.get(supplier=supplier)
    assert (row.notice_emails, row.notice_phone) == (SALON_EMAIL, "")


def test_a_phone_booking_is_announced_as_entered_by_staff(priced, notice_settings):
    from bookings.services import booking_create_by_phone
    from bookings.tests.conftest import staff_for

    booking = booking_create_by_phone(
        staff_user=staff_for(priced.supplier),
        customer_name="Per Telefon",
        customer_phone="+4793333333",
        service=priced,
        start=at(next_monday(), 11),
    )
    email = supplier_rows("booking_new").get(channel="email", booking=booking)
    assert "Per Telefon, +4793333333" in email.body_text
    assert "Lagt inn av de ansatte (telefonbestilling)." in email.body_text


def test_booking_post_with_salon_notices_keeps_its_statement_budget(customer, priced, supplier):
    """The salon's e-mail and SMS join the customer's rows in the booking's one INSERT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.services import api_token_issue
    from notifications.services.supplier_notices import notice_settings_for

    from .conftest import consent
    from .test_booking_query_count import MAX_STATEMENTS_PER_BOOKING

    SupplierNoticeSettings.objects.create(
        supplier=supplier, notice_emails=SALON_EMAIL, notice_phone=SALON_PHONE
    )
    consent(customer, "sms_notifications")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=customer)}")
    client.get("/api/v1/bookings/")
    notice_settings_for(supplier)  # cached, as after the supplier's first booking event
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/bookings/",
            {"service": priced.pk, "start": at(next_monday(2), 10).isoformat()},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert channels_and_addresses("booking_new") == [("email", SALON_EMAIL), ("sms", SALON_PHONE)]
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "notif')]
    assert len(inserts) == 1
    assert len(queries.captured_queries) <= MAX_STATEMENTS_PER_BOOKING
