"""Admin: scoped per supplier, refresh from provider, partial refunds, finance export."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory
from bookings.models import SupplierStaff
from payments.models import Order, Payment, Refund
from payments.services import payment_refresh, payment_start

from .factories import BookingFactory, PaymentSettingsFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _admin_client(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


def _staff_of(supplier):
    user = StaffUserFactory()
    SupplierStaff.objects.create(user=user, supplier=supplier)
    return user


def _paid(booking, stripe_fake) -> Payment:
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    stripe_fake.complete(payment.provider_reference)
    return payment_refresh(payment=payment)


@pytest.fixture
def two_suppliers(stripe_fake, django_capture_on_commit_callbacks):
    ours, theirs = BookingFactory(), BookingFactory()
    for booking in (ours, theirs):
        PaymentSettingsFactory(supplier=booking.supplier)
    with django_capture_on_commit_callbacks(execute=True):
        return _paid(ours, stripe_fake), _paid(theirs, stripe_fake)


def test_staff_see_only_their_suppliers_records(client, two_suppliers):
    ours, theirs = two_suppliers
    admin = _admin_client(client, _staff_of(ours.order.supplier))

    for name in ("order", "payment", "receipt"):
        page = admin.get(reverse(f"admin:payments_{name}_changelist"))
        assert page.status_code == 200, name
        assert page.context["cl"].result_count == 1, name
    assert admin.get(reverse("admin:payments_payment_change", args=[ours.pk])).status_code == 200
    other = admin.get(reverse("admin:payments_payment_change", args=[theirs.pk]))
    assert other.status_code in (302, 404)
    # Customers' names and e-mails stay out of the order pages.
    body = admin.get(reverse("admin:payments_order_change", args=[ours.order_id])).content.decode()
    assert ours.order.customer_email not in body


@pytest.mark.parametrize("superuser", [True, False], ids=["superuser", "administrator-role"])
def test_superuser_and_administrator_see_all(client, two_suppliers, superuser):
    admin = _admin_client(
        client, UserFactory(is_staff=True, is_superuser=superuser, role=roles.ADMINISTRATOR)
    )
    for name in ("order", "payment", "receipt"):
        page = admin.get(reverse(f"admin:payments_{name}_changelist"))
        assert page.context["cl"].result_count == 2, name
    theirs = two_suppliers[1]
    assert admin.get(reverse("admin:payments_payment_change", args=[theirs.pk])).status_code == 200


def test_refresh_from_provider_action(client, two_suppliers, stripe_fake):
    ours, _theirs = two_suppliers
    admin = _admin_client(client, _staff_of(ours.order.supplier))
    before = len(stripe_fake.calls("GET", "/v1/checkout/sessions/"))

    response = admin.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "refresh_from_provider", "_selected_action": [ours.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert len(stripe_fake.calls("GET", "/v1/checkout/sessions/")) == before + 1
    ours.refresh_from_db()
    assert ours.last_refreshed_at is not None


def test_partial_refund_from_the_admin(
    client, two_suppliers, stripe_fake, django_capture_on_commit_callbacks
):
    ours, theirs = two_suppliers
    staff = _staff_of(ours.order.supplier)
    admin = _admin_client(client, staff)
    url = reverse("admin:payments_refund_add")

    too_much = admin.post(url, {"payment": ours.pk, "amount_ore": 50_001, "note": ""})
    assert too_much.status_code == 200 and not Refund.objects.exists()
    not_ours = admin.post(url, {"payment": theirs.pk, "amount_ore": 100, "note": ""})
    assert not_ours.status_code == 200 and not Refund.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(url, {"payment": ours.pk, "amount_ore": 12_500, "note": "Goodwill"})

    assert done.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_ore, refund.reason, refund.created_by) == (12_500, "manual", staff)
    assert refund.status == Refund.Status.SUCCEEDED
    assert Order.objects.get(pk=ours.order_id).status == "partially_refunded"


def test_failed_refund_is_visible_in_the_admin(client, two_suppliers, stripe_fake):
    from payments.services import refund_send

    ours, _theirs = two_suppliers
    refund = Refund.objects.create(
        payment=ours, amount_ore=100, reason="manual", retain_until=ours.retain_until
    )
    stripe_fake.fail_next = [402]
    refund_send(refund=refund)
    admin = _admin_client(client, _staff_of(ours.order.supplier))

    page = admin.get(reverse("admin:payments_refund_changelist") + "?status__exact=failed")

    assert page.context["cl"].result_count == 1
    assert "Stripe" in page.content.decode()


def test_finance_export_for_a_period_is_scoped(client, two_suppliers):
    ours, _theirs = two_suppliers
    admin = _admin_client(client, _staff_of(ours.order.supplier))
    today = timezone.localdate().isoformat()
    url = reverse("admin:payments_receipt_export")

    assert admin.get(url).status_code == 200
    bad = admin.get(url, {"date_from": today, "date_to": "2000-01-01"})
    assert bad.status_code == 200 and bad.context["form"].errors
    response = admin.get(url, {"date_from": today, "date_to": today})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert len(lines) == 2  # header + our one receipt
    assert ours.provider_reference in lines[1]


def test_receipt_page_is_for_the_customer_and_the_suppliers_staff(client, two_suppliers):
    ours, _theirs = two_suppliers
    receipt = ours.receipts.get()
    url = reverse("payments:receipt", args=[receipt.public_id])

    client.force_login(ours.order.customer)
    assert client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    # Staff open no page before setting up MFA (accounts/middleware.py).
    _admin_client(client, _staff_of(ours.order.supplier))
    assert client.get(url).status_code == 200
    _admin_client(client, _staff_of(_theirs.order.supplier))
    assert client.get(url).status_code == 404


def test_settings_admin_offers_the_registered_providers(client, two_suppliers):
    ours, _theirs = two_suppliers
    settings_row = ours.order.supplier.payment_settings
    admin = _admin_client(client, _staff_of(ours.order.supplier))
    url = reverse("admin:payments_supplierpaymentsettings_change", args=[settings_row.pk])

    response = admin.post(
        url,
        {
            "supplier": ours.order.supplier_id,
            "enabled_providers": ["vipps"],
            "late_cancellation_policy": "fee",
            "late_cancellation_fee_ore": "",
            "vat_registered": "on",
            "receipt_footer": "",
        },
    )
    assert response.status_code == 200  # a fee policy needs a fee
    response = admin.post(
        url,
        {
            "supplier": ours.order.supplier_id,
            "enabled_providers": ["vipps"],
            "late_cancellation_policy": "fee",
            "late_cancellation_fee_ore": "10000",
            "vat_registered": "on",
            "receipt_footer": "Takk!",
        },
    )
    assert response.status_code == 302
    settings_row.refresh_from_db()
    assert settings_row.enabled_providers == ["vipps"]
    assert settings_row.late_cancellation_fee_ore == 10_000


def test_admin_pages_render(client, two_suppliers, django_capture_on_commit_callbacks):
    from payments.services import refund_create

    ours, _theirs = two_suppliers
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_create(payment=ours, amount_ore=100, reason="manual")
    admin = _admin_client(client, _staff_of(ours.order.supplier))

    for url in (
        reverse("admin:payments_refund_add"),
        reverse("admin:payments_refund_change", args=[refund.pk]),
        reverse("admin:payments_refund_changelist"),
        reverse("admin:payments_receipt_change", args=[ours.receipts.first().pk]),
        reverse("admin:payments_supplierpaymentsettings_changelist"),
    ):
        assert admin.get(url).status_code == 200, url
