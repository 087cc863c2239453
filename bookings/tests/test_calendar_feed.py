"""Private calendar feeds (/calendar/feed/<token>.ics) and the one iCalendar writer."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from bookings.feed_views import FEED_RATE_LIMIT
from bookings.feeds import calendar_feed_create, calendar_feeds_revoke
from bookings.ical import booking_ics
from bookings.models import CalendarFeedToken
from bookings.services import booking_cancel, booking_create, booking_reschedule
from bookingtjeneste.secret_tokens import secret_token_hash

from .conftest import at, staff_for
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def feed_url(token: str) -> str:
    return f"/calendar/feed/{token}.ics"


def events(response) -> dict[str, object]:
    """The feed's VEVENTs by UID, parsed by the icalendar library (it refuses invalid text)."""
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def booked(customer, service, monday):
    customer.full_name = "Kari Nordmann"
    customer.phone = "+4791234567"
    customer.save()
    return booking_create(customer=customer, service=service, start=at(monday, 10))


def test_feed_lists_the_suppliers_bookings_without_customer_details(client, supplier, booked):
    token = calendar_feed_create(supplier=supplier).token
    response = client.get(feed_url(token))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    event = events(response)[f"{booked.reference}@bookingtjeneste.no"]
    assert event.decoded("DTSTART") == booked.start
    assert event.decoded("DTEND") == booked.end
    # The supplier's calendar provider reads the feed: the same minimum as the Google sync.
    assert booked.reference in str(event["SUMMARY"])
    text = response.content.decode()
    assert "Kari Nordmann" not in text and "91234567" not in text
    # Only the hash is stored: the secret in clear is nowhere in the database.
    assert not CalendarFeedToken.objects.filter(token_hash=token).exists()
    assert CalendarFeedToken.objects.filter(token_hash=secret_token_hash(token)).exists()


def test_staff_feed_holds_only_that_resources_bookings(client, supplier, service, booked, monday):
    other = ResourceFactory(supplier=supplier, name="Per")
    service.resources.add(other)
    theirs = booking_create(
        customer=booked.customer, service=service, start=at(monday, 13), resource=other
    )
    token = calendar_feed_create(supplier=supplier, resource=booked.resource).token
    uids = set(events(client.get(feed_url(token))))
    assert uids == {f"{booked.reference}@bookingtjeneste.no"}
    whole = set(events(client.get(feed_url(calendar_feed_create(supplier=supplier).token))))
    assert f"{theirs.reference}@bookingtjeneste.no" in whole


def test_moved_booking_has_a_higher_sequence(client, supplier, booked, customer):
    token = calendar_feed_create(supplier=supplier).token
    uid = f"{booked.reference}@bookingtjeneste.no"
    before = events(client.get(feed_url(token)))[uid]
    # The same feed fetched again: nothing changed, so neither does SEQUENCE.
    assert events(client.get(feed_url(token)))[uid]["SEQUENCE"] == before["SEQUENCE"]
    booking_reschedule(booking=booked, start=booked.start + timedelta(hours=2), by_user=customer)
    after = events(client.get(feed_url(token)))[uid]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("DTSTART") == booked.start + timedelta(hours=2)


def test_cancelled_booking_leaves_the_feed(client, supplier, booked, customer):
    token = calendar_feed_create(supplier=supplier).token
    booking_cancel(booking=booked, by_user=customer, by_supplier=False)
    assert events(client.get(feed_url(token))) == {}


def test_another_suppliers_bookings_are_not_in_the_feed(client, supplier, booked, customer):
    elsewhere = SupplierFactory(slug="elsewhere")
    resource = ResourceFactory(supplier=elsewhere)
    service = ServiceFactory(supplier=elsewhere, resources=[resource])
    booking_create(customer=customer, service=service, start=booked.start)
    token = calendar_feed_create(supplier=supplier).token
    assert set(events(client.get(feed_url(token)))) == {f"{booked.reference}@bookingtjeneste.no"}


def test_revoked_unknown_and_malformed_tokens_are_404(client, supplier, booked):
    new = calendar_feed_create(supplier=supplier)
    assert client.get(feed_url(new.token)).status_code == 200
    calendar_feeds_revoke(feeds=CalendarFeedToken.objects.filter(pk=new.feed.pk))
    assert client.get(feed_url(new.token)).status_code == 404
    unknown = calendar_feed_create(supplier=supplier).token[::-1]
    for token in (unknown, "x", "a" * 5000, "..%2F..%2Fetc", "ø" * 43, "' OR 1=1", unknown + "="):
        assert client.get(feed_url(token)).status_code == 404, token
    # A NUL byte is refused by the project's middleware before any view: 4xx, not 500.
    assert client.get(feed_url("%00" * 43)).status_code == 400
    assert client.get("/calendar/feed/.ics").status_code == 404


def test_feed_is_get_only_and_rate_limited(client, supplier, booked):
    token = calendar_feed_create(supplier=supplier).token
    assert client.post(feed_url(token)).status_code == 405
    statuses = [client.get(feed_url("x" * 43)).status_code for _ in range(FEED_RATE_LIMIT)]
    assert set(statuses) == {404}
    # Past the limit even the right token is refused for a while: guessing is throttled.
    refused = client.get(feed_url(token))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_download_and_feed_come_from_one_writer(client, customer, supplier, booked):
    text = booking_ics(booked)
    [event] = Calendar.from_ical(text).walk("VEVENT")
    assert str(event["UID"]) == f"{booked.reference}@bookingtjeneste.no"
    assert int(event["SEQUENCE"]) == booked.sequence
    # The customer's own file carries no staff-only contact details.
    assert "+4791234567" not in text
    client.force_login(customer)
    download = client.get(reverse("bookings:ics", args=[booked.reference]))
    [downloaded] = Calendar.from_ical(download.content).walk("VEVENT")
    assert downloaded["UID"] == event["UID"] and downloaded["SEQUENCE"] == event["SEQUENCE"]


# The admin: staff make and revoke feeds for their own supplier only.


def _admin_url(name: str, *args) -> str:
    return reverse(f"admin:bookings_calendarfeedtoken_{name}", args=args)


def test_staff_make_a_feed_and_see_its_url_once(client, supplier, resource, booked):
    client.force_login(staff_for(supplier))
    response = client.post(
        _admin_url("add"), {"resource": resource.pk, "label": "Ingrid"}, follow=True
    )
    assert response.status_code == 200
    feed = CalendarFeedToken.objects.get()
    assert (feed.supplier, feed.resource, feed.label) == (supplier, resource, "Ingrid")
    shown = [str(m) for m in response.context["messages"]]
    [url] = [m for text in shown for m in re.findall(r"http\S+\.ics", text)]
    assert client.get(url).status_code == 200
    # Never again: the change page and the list show no URL.
    for page in (_admin_url("change", feed.pk), _admin_url("changelist")):
        assert url not in client.get(page).content.decode()


def test_staff_cannot_make_a_feed_for_another_suppliers_resource(client, supplier, resource):
    foreign = ResourceFactory(supplier=SupplierFactory(slug="foreign"))
    client.force_login(staff_for(supplier))
    response = client.post(_admin_url("add"), {"resource": foreign.pk, "label": "x"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["resource"]
    assert not CalendarFeedToken.objects.exists()
    # Garbage for the resource is a form error too, never a 500.
    response = client.post(_admin_url("add"), {"resource": "abc", "label": "x"})
    assert response.status_code == 200 and not CalendarFeedToken.objects.exists()


def test_staff_revoke_only_their_own_feeds(client, supplier, booked):
    mine = calendar_feed_create(supplier=supplier)
    elsewhere = SupplierFactory(slug="elsewhere")
    theirs = calendar_feed_create(supplier=elsewhere)
    client.force_login(staff_for(supplier))
    listed = client.get(_admin_url("changelist")).context["cl"].queryset
    assert list(listed) == [mine.feed]
    assert client.get(_admin_url("change", theirs.feed.pk)).status_code == 404
    response = client.post(
        _admin_url("changelist"),
        {"action": "revoke", "_selected_action": [mine.feed.pk, theirs.feed.pk]},
    )
    assert response.status_code == 302
    mine.feed.refresh_from_db()
    theirs.feed.refresh_from_db()
    assert mine.feed.revoked_at is not None and theirs.feed.revoked_at is None
    assert client.get(feed_url(mine.token)).status_code == 404
    assert client.get(feed_url(theirs.token)).status_code == 200
