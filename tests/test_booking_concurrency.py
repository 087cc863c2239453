"""Never a double booking: 60 simultaneous HTTP requests for one slot on real PostgreSQL.

Each request runs in its own live-server thread with its own database connection; only the
exclusion constraint (plus the service's in-transaction check) stands between them.
"""

import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.db import IntegrityError, connection, transaction

from accounts.services import api_token_issue
from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db(transaction=True)
OSLO = ZoneInfo("Europe/Oslo")
REQUESTS = 60


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint and this race need PostgreSQL")


def monday_ten() -> datetime:
    today = datetime.now(OSLO).date()
    day = today + timedelta(days=(0 - today.weekday()) % 7 + 7)
    return datetime.combine(day, time(10), tzinfo=OSLO)


def post_all_at_once(url: str, body: dict, tokens_and_keys: list[tuple[str, str]]):
    """POST `body` once per (token, Idempotency-Key), all released together by a barrier, each
    from its own thread and HTTP connection. Returns [(status, json)] in completion order.

    The test server's listen backlog is small: under many simultaneous connects the kernel may
    reset a few. Those are retried with the same Idempotency-Key, so a retry can never become
    a second booking (a replayed winner answers 200 with the same booking).
    """
    barrier = threading.Barrier(len(tokens_and_keys))
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def post(token: str, key: str) -> None:
        session = requests.Session()
        barrier.wait()
        for attempt in range(5):
            try:
                response = session.post(
                    url,
                    json=body,
                    headers={"Authorization": f"Token {token}", "Idempotency-Key": key},
                    timeout=60,
                )
                break
            except requests.ConnectionError:
                if attempt == 4:
                    raise
                session = requests.Session()
        with lock:
            answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=post, args=pair) for pair in tokens_and_keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_requests_for_one_slot_create_exactly_one_booking(live_server):
    postgres_only()
    supplier = SupplierFactory()
    service = ServiceFactory(supplier=supplier, resources=[ResourceFactory(supplier=supplier)])
    tokens = [api_token_issue(user=UserFactory()) for _ in range(REQUESTS)]
    answers = post_all_at_once(
        f"{live_server.url}/api/v1/bookings/",
        {"service": service.pk, "start": monday_ten().isoformat()},
        [(token, token[:16]) for token in tokens],
    )

    counts = Counter(status for status, _ in answers)
    assert counts[201] + counts[200] == 1 and counts[409] == REQUESTS - 1, counts
    assert len(answers) == REQUESTS
    conflicts = [body for _, body in answers if "reference" not in body]
    assert len(conflicts) == REQUESTS - 1
    assert {body["code"] for body in conflicts} == {"slot_unavailable"}
    assert Booking.objects.filter(status__in=Booking.BLOCKING_STATUSES).count() == 1


@pytest.mark.parametrize("resources", [1, 3])
def test_concurrent_duplicates_of_one_request_all_get_the_same_booking(live_server, resources):
    """A client retrying in parallel with one Idempotency-Key: one booking, and every answer
    is that booking (201 once, 200 for the replays), never a 409 or a 500."""
    postgres_only()
    supplier = SupplierFactory()
    service = ServiceFactory(
        supplier=supplier,
        resources=[ResourceFactory(supplier=supplier) for _ in range(resources)],
    )
    token = api_token_issue(user=UserFactory())
    parallel = 12
    answers = post_all_at_once(
        f"{live_server.url}/api/v1/bookings/",
        {"service": service.pk, "start": monday_ten().isoformat()},
        [(token, "retry-1")] * parallel,
    )

    statuses = Counter(status for status, _ in answers)
    assert statuses[201] == 1 and statuses[200] == parallel - 1, statuses
    assert {body["reference"] for _, body in answers} == {Booking.objects.get().reference}


def test_exclusion_constraint_rejects_overlap_written_past_the_service(db):
    """Even code that bypasses bookings.services cannot double-book on PostgreSQL."""
    postgres_only()
    supplier = SupplierFactory()
    resource = ResourceFactory(supplier=supplier)
    service = ServiceFactory(supplier=supplier, resources=[resource])
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)

    def row(offset_minutes: int, status: str = "confirmed") -> Booking:
        begin = start + timedelta(minutes=offset_minutes)
        return Booking(
            supplier=supplier,
            service=service,
            resource=resource,
            start=begin,
            end=begin + timedelta(minutes=30),
            blocked_start=begin,
            blocked_end=begin + timedelta(minutes=30),
            status=status,
            price_ore=0,
            vat_rate=0,
        )

    row(0).save()
    row(30).save()  # touching is fine: [) ranges
    row(10, status="cancelled").save()  # cancelled bookings do not hold time
    with pytest.raises(IntegrityError), transaction.atomic():
        row(15, status="pending_payment").save()


@pytest.mark.parametrize("change", ["cancel_or_move", "order_for_payment"])
def test_a_booking_being_changed_leaves_its_supplier_and_service_unlocked(transactional_db, change):
    """A booking being cancelled, moved or paid for is locked alone. Locking its supplier and
    service rows too (FOR UPDATE over the join) made every new booking of the salon wait for
    it (the insert's foreign-key check needs a KEY SHARE lock on them) and deadlocked cancels
    against bookings in the scale-out benchmark (SQLSTATE 40P01, answered as 503)."""
    postgres_only()
    from bookings.services import booking_create, booking_lock
    from payments.services import order_get_or_create

    service = ServiceFactory(resources=[ResourceFactory()], price_ore=50_000)
    start = monday_ten()
    changing = booking_create(customer=UserFactory(), service=service, start=start)
    locked, release = threading.Event(), threading.Event()

    def hold_the_booking() -> None:
        try:
            with transaction.atomic():
                if change == "cancel_or_move":
                    booking_lock(changing)
                else:
                    order_get_or_create(booking=changing)
                locked.set()
                release.wait(20)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_booking)
    holder.start()
    try:
        assert locked.wait(20)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            other = booking_create(
                customer=UserFactory(), service=service, start=start + timedelta(hours=1)
            )
    finally:
        release.set()
        holder.join(20)

    assert other.supplier_id == changing.supplier_id
