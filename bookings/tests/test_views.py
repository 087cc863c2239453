from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_create

from .conftest import OSLO, at

pytestmark = pytest.mark.django_db


def test_home_links_suppliers_and_supplier_lists_services(client, service):
    home = client.get("/").content.decode()
    assert 'href="/s/salong-a/"' in home
    page = client.get("/s/salong-a/")
    assert page.status_code == 200
    assert f"/s/salong-a/{service.pk}/" in page.content.decode()
    assert client.get("/s/nope/").status_code == 404


def test_week_picker_without_javascript(client, service, monday):
    response = client.get(f"/s/salong-a/{service.pk}/?week={monday}")
    body = response.content.decode()
    assert response.status_code == 200
    value = at(monday, 9).astimezone(OSLO).isoformat()
    assert f'value="{value}"' in body
    assert 'type="radio" name="start"' in body
    assert f"?week={monday + timedelta(days=7)}" in body
    # A malformed week falls back to this week instead of failing.
    assert client.get(f"/s/salong-a/{service.pk}/?week=garbage").status_code == 200
    assert client.get(f"/s/other/{service.pk}/").status_code == 404


def test_confirm_requires_login_and_keeps_the_slot(client, service, monday):
    start = quote(at(monday, 10).astimezone(OSLO).isoformat())
    response = client.get(f"/book/{service.pk}/confirm/?start={start}")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert quote(f"start={start}", safe="") in response["Location"] or start in response["Location"]


def test_full_booking_flow_and_sms_choice_unticked(client, customer, service, monday):
    client.force_login(customer)
    start = at(monday, 10).astimezone(OSLO).isoformat()
    page = client.get(f"/book/{service.pk}/confirm/", {"start": start})
    assert page.status_code == 200
    assert 'name="sms_notifications"' in page.content.decode()
    assert "checked" not in page.content.decode().split('name="sms_notifications"')[1][:40]
    response = client.post(f"/book/{service.pk}/confirm/", {"start": start, "notes": "Hei"})
    booking = Booking.objects.get()
    assert response["Location"] == f"/my/bookings/{booking.reference}/"
    detail = client.get(response["Location"]).content.decode()
    assert booking.reference in detail and ".ics" in detail
    ics = client.get(f"/my/bookings/{booking.reference}/calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    assert "BEGIN:VEVENT" in text and booking.reference in text and "\r\n" in text
    assert f"DTSTART:{booking.start.strftime('%Y%m%dT%H%M%SZ')}" in text
    # The same slot again: taken, back to the picker with a message, nothing written.
    again = client.post(f"/book/{service.pk}/confirm/", {"start": start})
    assert again.status_code == 302 and Booking.objects.count() == 1


def test_confirm_bad_input(client, customer, service, monday):
    client.force_login(customer)
    assert client.get(f"/book/{service.pk}/confirm/?start=nonsense").status_code == 302
    outside = at(monday, 7).astimezone(OSLO).isoformat()
    response = client.post(f"/book/{service.pk}/confirm/", {"start": outside})
    assert response.status_code == 200 and "form-errors" in response.content.decode()
    assert Booking.objects.count() == 0
    assert client.get("/book/999999/confirm/").status_code == 404


def test_my_bookings_cancel_and_reschedule(client, customer, other_customer, service, monday):
    mine = booking_create(customer=customer, service=service, start=at(monday, 10))
    theirs = booking_create(customer=other_customer, service=service, start=at(monday, 11))
    client.force_login(customer)
    page = client.get("/my/bookings/").content.decode()
    assert mine.reference in page and theirs.reference not in page
    for suffix in ("", "calendar.ics", "cancel/", "reschedule/"):
        assert client.get(f"/my/bookings/{theirs.reference}/{suffix}").status_code == 404
    picker = client.get(f"/my/bookings/{mine.reference}/reschedule/?week={monday}")
    assert picker.status_code == 200
    # Its own current time is offered again (it does not collide with itself).
    assert at(monday, 10).astimezone(OSLO).isoformat() in picker.content.decode()
    moved = client.post(
        f"/my/bookings/{mine.reference}/reschedule/",
        {"start": at(monday, 13).astimezone(OSLO).isoformat()},
    )
    assert moved.status_code == 302
    mine.refresh_from_db()
    assert mine.start == at(monday, 13)
    client.post(f"/my/bookings/{mine.reference}/cancel/", {"reason": ""})
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_after_deadline_buttons_are_replaced_by_an_explanation(client, customer, service, supplier):
    supplier.cancellation_deadline_hours = 24 * 7
    supplier.save()
    tomorrow = timezone.localdate() + timedelta(days=1)
    booking = booking_create(customer=customer, service=service, start=at(tomorrow, 10))
    client.force_login(customer)
    page = client.get("/my/bookings/").content.decode()
    assert 'data-testid="deadline-passed"' in page
    assert f"/my/bookings/{booking.reference}/cancel/" not in page
    client.post(f"/my/bookings/{booking.reference}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_pages_in_english(client, service):
    client.cookies["django_language"] = "en"
    assert "Services" in client.get("/s/salong-a/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def _verify_phone(customer) -> None:
    customer.phone = "+4791234567"
    customer.phone_verified_at = timezone.now()
    customer.save(update_fields=["phone", "phone_verified_at"])


def test_sms_choice_is_recorded_only_when_ticked(client, customer, service, monday):
    from privacy.selectors import has_consent

    _verify_phone(customer)  # unverified, ticking SMS first asks for the code (test_views_mobile)
    client.force_login(customer)
    start = at(monday, 10).astimezone(OSLO).isoformat()
    client.post(f"/book/{service.pk}/confirm/", {"start": start})
    assert not has_consent(subject=customer, purpose="sms_notifications")
    later = at(monday, 11).astimezone(OSLO).isoformat()
    client.post(f"/book/{service.pk}/confirm/", {"start": later, "sms_notifications": "on"})
    assert Booking.objects.count() == 2
    assert has_consent(subject=customer, purpose="sms_notifications")


def test_pages_in_bokmaal_by_default(client, service):
    body = client.get("/s/salong-a/").content.decode()
    assert "Tjenester" in body and "Velg tid" in body


def test_payment_required_flow_shows_hold_and_pay_link(
    client, customer, supplier, resource, monday
):
    from .factories import ServiceFactory

    service = ServiceFactory(supplier=supplier, resources=[resource], payment_mode="full")
    client.force_login(customer)
    start = at(monday, 10).astimezone(OSLO).isoformat()
    confirm = client.get(f"/book/{service.pk}/confirm/", {"start": start}).content.decode()
    assert "15" in confirm
    response = client.post(f"/book/{service.pk}/confirm/", {"start": start})
    booking = Booking.objects.get()
    assert booking.status == "pending_payment"
    detail = client.get(response["Location"]).content.decode()
    assert f"/pay/{booking.reference}/" in detail
    assert timezone.localtime(booking.hold_expires_at).strftime("%H:%M") in detail


@pytest.mark.django_db(transaction=True)
def test_sms_ticked_while_booking_gets_the_confirmation_sms(client, customer, service, monday):
    # The confirmation is sent after commit and checks consent then: the choice made on the
    # same page must already be in the ledger. Transactional, so that on_commit runs at the
    # real commit, as in production.
    from bookingtjeneste.celery import app
    from notifications.gateways import console
    from notifications.models import Message

    customer.phone = "+4791234567"
    customer.phone_verified_at = timezone.now()
    customer.save(update_fields=["phone", "phone_verified_at"])
    client.force_login(customer)
    start = at(monday, 10).astimezone(OSLO).isoformat()
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    console.sent.clear()
    try:
        client.post(f"/book/{service.pk}/confirm/", {"start": start, "sms_notifications": "on"})
    finally:
        app.conf.task_always_eager = eager
    sms = Message.objects.get(channel="sms", template_key="booking_confirmation")
    assert sms.status == Message.Status.SENT, sms.status_reason
    assert [m["to"] for m in console.sent if m["channel"] == "sms"] == ["+4791234567"]


def test_refused_booking_does_not_record_the_sms_choice(client, customer, service, monday):
    from privacy.selectors import has_consent

    _verify_phone(customer)
    client.force_login(customer)
    past = at(monday - timedelta(days=14), 10).astimezone(OSLO).isoformat()
    client.post(f"/book/{service.pk}/confirm/", {"start": past, "sms_notifications": "on"})
    assert Booking.objects.count() == 0
    assert not has_consent(subject=customer, purpose="sms_notifications")
