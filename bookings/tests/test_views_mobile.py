"""The customer's booking pages as used on a phone: the day picker and its server-side
navigation, bad dates, rescheduling where the booking is, the late-booking warning, and the
phone verification asked for inside the flow when SMS reminders are ticked."""

import re
from datetime import time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_create
from notifications.tests.fakes import FakeProvider

from .conftest import OSLO, at
from .factories import ResourceFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def local_iso(day, hour: int, minute: int = 0) -> str:
    return at(day, hour, minute).astimezone(OSLO).isoformat()


def sms_box_ticked(page: str) -> bool:
    tag = re.search(r'<input[^>]*name="sms_notifications"[^>]*>', page).group(0)
    return " checked" in tag


def today():
    return timezone.now().astimezone(OSLO).date()


def test_day_picker_shows_one_day_and_links_its_neighbours(client, service, monday):
    response = client.get(f"/s/salong-a/{service.pk}/", {"date": monday.isoformat()})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="{local_iso(monday, 9)}"' in body
    assert f'value="{local_iso(monday, 16, 30)}"' in body
    # Only the chosen day's times are listed: the next day is a link, not 16 more radios.
    assert local_iso(monday + timedelta(days=1), 9) not in body
    assert body.count('type="radio" name="start"') == 16
    assert f"?date={monday - timedelta(days=1)}&amp;resource=" in body
    assert f"?date={monday + timedelta(days=1)}&amp;resource=" in body
    # The week strip links each of the week's seven days.
    for offset in range(7):
        assert f'data-testid="day-{monday + timedelta(days=offset)}"' in body


def test_picker_opens_on_the_first_available_day_and_can_preselect_it(client, supplier):
    first_day = today() + timedelta(days=3)
    resource = ResourceFactory(supplier=supplier, hours=[(first_day.weekday(), time(12), time(14))])
    service = ServiceFactory(supplier=supplier, resources=[resource])
    page = client.get(f"/s/salong-a/{service.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert f'value="{local_iso(first_day, 12)}"' in body
    assert body.count('type="radio" name="start"') == 4
    assert "checked" not in body.split('name="start"')[1][:80]

    link = body.split('data-testid="first-available"')[1].split('href="')[1].split('"')[0]
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query["date"] == [first_day.isoformat()]
    assert query["start"] == [local_iso(first_day, 12)]
    chosen = client.get(
        f"/s/salong-a/{service.pk}/", {"date": query["date"][0], "start": query["start"][0]}
    )
    radio = chosen.content.decode().split(f'value="{local_iso(first_day, 12)}"')[1][:40]
    assert "checked" in radio


def test_week_links_open_on_the_weeks_first_day_with_free_times(client, supplier, monday):
    wednesday = monday + timedelta(days=2)
    resource = ResourceFactory(supplier=supplier, hours=[(2, time(9), time(10))])
    service = ServiceFactory(supplier=supplier, resources=[resource])
    body = client.get(f"/s/salong-a/{service.pk}/", {"week": monday.isoformat()}).content.decode()
    assert f'value="{local_iso(wednesday, 9)}"' in body


@pytest.mark.parametrize(
    "value", ["garbage", "2026-02-30", "2026-13-01", "1" * 500, "2026-01-01T10:00", "-1"]
)
def test_a_malformed_date_is_a_400_that_says_so(client, customer, service, value):
    response = client.get(f"/s/salong-a/{service.pk}/", {"date": value})
    assert response.status_code == 400
    assert 'data-testid="bad-date"' in response.content.decode()
    booking = booking_create(
        customer=customer, service=service, start=at(today() + timedelta(days=8), 10)
    )
    client.force_login(customer)
    moved = client.get(f"/my/bookings/{booking.reference}/reschedule/", {"date": value})
    assert moved.status_code == 400


def test_dates_outside_the_booking_period_are_clamped_not_refused(client, service):
    far = client.get(f"/s/salong-a/{service.pk}/", {"date": "9999-12-31"})
    last = today() + timedelta(days=service.booking_horizon_days)
    assert far.status_code == 200
    assert f'value="{local_iso(last, 9)}"' in far.content.decode()
    past = client.get(f"/s/salong-a/{service.pk}/", {"date": "0001-01-01"})
    assert past.status_code == 200
    assert 'data-testid="previous-day"' not in past.content.decode()
    odd = client.get(f"/s/salong-a/{service.pk}/", {"start": "nonsense", "resource": "x"})
    assert odd.status_code == 200


def test_reschedule_opens_on_the_bookings_day_and_staff_member(client, customer, supplier):
    ingrid = ResourceFactory(supplier=supplier, name="Ingrid")
    per = ResourceFactory(
        supplier=supplier, name="Per", hours=[(day, time(12), time(17)) for day in range(7)]
    )
    service = ServiceFactory(supplier=supplier, resources=[ingrid, per])
    day = today() + timedelta(days=17)
    booking = booking_create(customer=customer, service=service, start=at(day, 13), resource=per)
    client.force_login(customer)
    body = client.get(f"/my/bookings/{booking.reference}/reschedule/").content.decode()
    assert f'<option value="{per.pk}" selected>' in body
    assert f'data-testid="day-{day}"' in body and f'value="{local_iso(day, 13)}"' in body
    current = body.split(f'value="{local_iso(day, 13)}"')[1].split("</label>")[0]
    assert 'class="slot-current"' in current  # the booking's own time is marked
    # Per's times only (he starts at 12); Ingrid's 09:00 is not offered.
    assert f'value="{local_iso(day, 12)}"' in body
    assert f'value="{local_iso(day, 9)}"' not in body
    # Choosing "anyone" is still possible: an explicit empty resource shows everyone.
    anyone = client.get(
        f"/my/bookings/{booking.reference}/reschedule/", {"date": day.isoformat(), "resource": ""}
    ).content.decode()
    assert f'value="{local_iso(day, 9)}"' in anyone


def test_confirm_warns_when_the_time_is_inside_the_cancellation_deadline(
    client, customer, service, supplier, monday
):
    supplier.cancellation_deadline_hours = 48
    supplier.save()
    client.force_login(customer)
    soon = local_iso(today() + timedelta(days=1), 14)
    page = client.get(f"/book/{service.pk}/confirm/", {"start": soon}).content.decode()
    assert 'data-testid="deadline-warning"' in page
    assert "48" in page.split('data-testid="deadline-warning"')[1][:600]
    later = client.get(f"/book/{service.pk}/confirm/", {"start": local_iso(monday, 10)})
    assert 'data-testid="deadline-warning"' not in later.content.decode()


@pytest.fixture
def fake_twilio(settings):
    with FakeProvider() as fake:
        settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
        settings.TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
        settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
        settings.TWILIO_VERIFY_SERVICE_SID = "VA" + "3" * 32
        settings.TWILIO_API_URL = fake.url
        yield fake


def test_ticking_sms_without_a_verified_number_asks_for_the_code_then_books(
    client, customer, service, monday, fake_twilio
):
    from privacy.selectors import has_consent

    client.force_login(customer)
    start = local_iso(monday, 10)
    asked = client.post(
        f"/book/{service.pk}/confirm/",
        {"start": start, "notes": "Kort nakke", "sms_notifications": "on", "submission": "s1"},
    )
    assert asked.status_code == 302
    location = urlparse(asked["Location"])
    assert location.path == "/accounts/phone/verify/"
    back = parse_qs(location.query)["next"][0]
    assert back.startswith(f"/book/{service.pk}/confirm/?")
    assert "Kort" not in asked["Location"]  # the notes wait in the session, not in a URL
    assert Booking.objects.count() == 0
    assert not has_consent(subject=customer, purpose="sms_notifications")

    sent = client.post(
        "/accounts/phone/verify/", {"action": "send", "phone-phone": "912 34 567", "next": back}
    )
    assert sent.status_code == 302 and "next=" in sent["Location"]
    assert fake_twilio.accepted("/Verifications")
    checked = client.post(
        "/accounts/phone/verify/", {"action": "check", "code-code": "123456", "next": back}
    )
    assert checked["Location"] == back

    page = client.get(back).content.decode()
    assert 'data-testid="phone-verified-notice"' in page
    assert "Kort nakke" in page
    assert sms_box_ticked(page)
    booked = client.post(
        f"/book/{service.pk}/confirm/",
        {"start": start, "notes": "Kort nakke", "sms_notifications": "on", "submission": "s1"},
    )
    booking = Booking.objects.get()
    assert booked["Location"] == f"/my/bookings/{booking.reference}/"
    assert booking.customer_notes == "Kort nakke"
    assert has_consent(subject=customer, purpose="sms_notifications")
    customer.refresh_from_db()
    assert customer.has_verified_phone


def test_unverified_customer_can_still_book_without_sms(client, customer, service, monday):
    from privacy.selectors import has_consent

    client.force_login(customer)
    start = local_iso(monday, 10)
    client.post(f"/book/{service.pk}/confirm/", {"start": start, "sms_notifications": "on"})
    page = client.get(f"/book/{service.pk}/confirm/", {"start": start}).content.decode()
    assert sms_box_ticked(page)
    assert 'data-testid="phone-verified-notice"' not in page
    client.post(f"/book/{service.pk}/confirm/", {"start": start})
    assert Booking.objects.filter(customer=customer).count() == 1
    assert not has_consent(subject=customer, purpose="sms_notifications")


def test_phone_verification_returns_only_to_a_local_page(client, customer, fake_twilio):
    client.force_login(customer)
    evil = "https://evil.example/steal"
    client.post(
        "/accounts/phone/verify/", {"action": "send", "phone-phone": "91234567", "next": evil}
    )
    checked = client.post(
        "/accounts/phone/verify/", {"action": "check", "code-code": "123456", "next": evil}
    )
    assert checked["Location"] == "/accounts/profile/"


def test_the_day_picker_reads_a_bounded_number_of_queries(
    client, service, monday, django_assert_max_num_queries
):
    # The week's slots (3 queries), the first free time (3 per month searched), the service
    # and its resources: not one query per day or per slot.
    with django_assert_max_num_queries(12):
        response = client.get(f"/s/salong-a/{service.pk}/", {"date": monday.isoformat()})
    assert response.status_code == 200
