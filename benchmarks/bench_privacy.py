"""Privacy: export and erasure of a heavy subject, and the retention sweep at scale.

Targets: export of a subject with 5,000 bookings and 20,000 messages < 3 s; erasure of
that subject < 2 s; sweep over 1,000,000 expired outbox rows < 60 s on PostgreSQL (SQLite runs
100,000 rows: the embedded default is not where a million-row outbox lives). Query counts per
export/erasure are printed next to the number of categories: they must not grow with rows.
"""

import time
from collections.abc import Iterable
from datetime import timedelta

from benchmarks.support import benchmark_database

BOOKINGS = 5_000
MESSAGES = 20_000


def _heavy_subject():
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, Resource, Service, Supplier
    from notifications.models import Message

    user = User.objects.create_user(
        email="heavy@example.net", password=None, full_name="Heavy Subject"
    )
    supplier = Supplier.objects.create(name="Bench", slug="bench")
    resource = Resource.objects.create(supplier=supplier, name="Chair")
    service = Service.objects.create(supplier=supplier, name="Cut", duration_minutes=30)
    service.resources.add(resource)
    start = timezone.now() - timedelta(days=BOOKINGS)
    bookings = []
    for n in range(BOOKINGS):
        begin = start + timedelta(days=n)
        bookings.append(
            Booking(
                customer=user,
                supplier=supplier,
                service=service,
                resource=resource,
                start=begin,
                end=begin + timedelta(minutes=30),
                blocked_start=begin,
                blocked_end=begin + timedelta(minutes=30),
                status=Booking.Status.COMPLETED,
                price_ore=50_000,
                vat_rate=25,
                customer_notes=f"note {n}",
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=2000)
    Message.objects.bulk_create(
        (
            Message(
                channel="email",
                template_key="booking_reminder",
                recipient=user,
                subject=f"Reminder {n}",
                body_text="Hei Heavy, husk timen din i morgen." * 4,
                status=Message.Status.DELIVERED,
                idempotency_key=f"bench-{n}",
            )
            for n in range(MESSAGES)
        ),
        batch_size=5000,
    )
    return user


def _expired_outbox(rows: int, *, age_days: int = 400) -> None:
    """Insert `rows` delivered messages created `age_days` ago, set-based."""
    from django.db import connection
    from django.utils import timezone

    from notifications.models import Message

    created = timezone.now() - timedelta(days=age_days)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO notifications_message (channel, template_key, language, purpose,
                    marketing_basis, to_address, subject, body_text, body_html, attachments,
                    status, status_reason, provider_message_id, attempts, last_error, due_at,
                    idempotency_key, created_at, updated_at)
                SELECT 'email', 'booking_reminder', 'nb', 'transactional', '',
                    'person' || g || '@example.org', 'Påminnelse', 'Hei, husk timen din.', '',
                    '[]'::jsonb, 'delivered', '', 'msg-' || g, 1, '', %s, 'sweep-' || g, %s, %s
                FROM generate_series(1, %s) AS g
                """,
                [created, created, created, rows],
            )
        return
    Message.objects.bulk_create(
        (
            Message(
                channel="email",
                template_key="booking_reminder",
                to_address=f"p{n}@example.org",
                subject="Påminnelse",
                body_text="Hei, husk timen din.",
                status=Message.Status.DELIVERED,
                idempotency_key=f"sweep-{n}",
            )
            for n in range(rows)
        ),
        batch_size=10_000,
    )
    Message.objects.filter(idempotency_key__startswith="sweep-").update(created_at=created)


def run() -> Iterable[dict]:
    with benchmark_database():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from privacy.erasure import subject_erase
        from privacy.export import export_build
        from privacy.models import PrivacyRequest
        from privacy.registry import Subject, registry
        from privacy.retention import retention_sweep

        categories = len(registry.all())
        user = _heavy_subject()
        # Load the URLconf once, as any running worker has: not part of an export's cost.
        from django.urls import reverse

        reverse("privacy:requests")

        request = PrivacyRequest.objects.create(
            type="access",
            channel="api",
            status="approved",
            subject=user,
            subject_public_id=user.public_id,
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            export_build(request=request)
            export_seconds = time.perf_counter() - started
        yield {
            "benchmark": "privacy_export",
            "metric": "seconds",
            "value": round(export_seconds, 3),
            "target": "< 3",
            "bookings": BOOKINGS,
            "messages": MESSAGES,
        }
        yield {
            "benchmark": "privacy_export",
            "metric": "queries",
            "value": len(queries),
            "categories": categories,
        }

        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            subject_erase(subject=Subject.for_user(user), notify=False)
            erase_seconds = time.perf_counter() - started
        yield {
            "benchmark": "privacy_erasure",
            "metric": "seconds",
            "value": round(erase_seconds, 3),
            "target": "< 2",
        }
        yield {
            "benchmark": "privacy_erasure",
            "metric": "queries",
            "value": len(queries),
            "categories": categories,
        }

        rows = 1_000_000 if connection.vendor == "postgresql" else 100_000
        _expired_outbox(rows)
        started = time.perf_counter()
        run_ = retention_sweep()
        sweep_seconds = time.perf_counter() - started
        yield {
            "benchmark": "privacy_sweep",
            "metric": "seconds",
            "value": round(sweep_seconds, 2),
            "target": "< 60 (PostgreSQL, 1M rows)",
            "rows": rows,
            "database": connection.vendor,
            "deleted": run_.counts.get("outbox_metadata"),
        }

        # The other half of the outbox rule: rows between 90 days and a year keep their
        # metadata and lose text and address (an UPDATE, heavier than a DELETE).
        _expired_outbox(rows, age_days=100)
        started = time.perf_counter()
        run_ = retention_sweep()
        sweep_seconds = time.perf_counter() - started
        yield {
            "benchmark": "privacy_sweep_redact",
            "metric": "seconds",
            "value": round(sweep_seconds, 2),
            "target": "< 60 (PostgreSQL, 1M rows)",
            "rows": rows,
            "database": connection.vendor,
            "redacted": run_.counts.get("outbox_bodies"),
        }
