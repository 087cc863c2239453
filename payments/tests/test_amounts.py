"""Money arithmetic, retention dates, receipts' immutability and the finance export."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from bookingtjeneste.money import format_nok, format_vat_rate
from payments.export import receipts_csv
from payments.models import Order, Payment, Receipt
from payments.selectors import receipts_for_period, retention_date_for
from payments.services import order_get_or_create, payment_refresh, payment_start, vat_included
from payments.services.orders import allocate

from .factories import BookingFactory, PaymentSettingsFactory, ServiceFactory

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize(
    ("amount", "rate", "vat"),
    [
        (50_000, "25", 10_000),
        (12_500, "25", 2_500),
        (10_000, "15", 1_304),  # 100 kr food: 13,04 VAT
        (10_000, "12", 1_071),  # 100 kr transport/cinema: 10,71 VAT
        (99, "25", 20),  # 0,198 → rounds half up to 0,20
        (10_000, "0", 0),
        (-12_500, "25", -2_500),
    ],
)
def test_vat_included(amount, rate, vat):
    assert vat_included(amount, Decimal(rate)) == vat


rates = st.sampled_from(["0", "12", "15", "25"])
line = st.fixed_dictionaries(
    {"description": st.just("x"), "total_ore": st.integers(1, 10_000_000), "vat_rate": rates}
)


@given(lines=st.lists(line, min_size=1, max_size=5), data=st.data())
def test_allocation_adds_up_exactly(lines, data):
    total = sum(item["total_ore"] for item in lines)
    amount = data.draw(st.integers(-total, total))
    parts = allocate(amount, lines)
    assert sum(part["amount_ore"] for part in parts) == amount
    for part in parts:
        assert part["vat_ore"] == vat_included(part["amount_ore"], Decimal(part["vat_rate"]))
        assert abs(part["vat_ore"]) <= abs(part["amount_ore"])


def test_format_nok():
    assert format_nok(123_456_789) == "1\u00a0234\u00a0567,89\u00a0kr"
    assert format_nok(5) == "0,05\u00a0kr"
    assert format_nok(-50_000) == "-500,00\u00a0kr"
    # A spreadsheet column names the currency in its heading: the bare number.
    assert format_nok(189_000, unit=False) == "1\u00a0890,00"


def test_format_vat_rate():
    assert format_vat_rate(Decimal("25.00")) == "25\u00a0%"
    assert format_vat_rate("12.50") == "12,5\u00a0%"
    assert format_vat_rate(0) == "0\u00a0%"


@pytest.mark.parametrize(
    ("moment", "keep_until"),
    [
        (date(2026, 1, 1), date(2031, 12, 31)),
        (date(2026, 12, 31), date(2031, 12, 31)),
        # 00:30 on 1 January in Oslo is still 31 December in UTC: the Oslo year counts.
        (datetime(2027, 1, 1, 0, 30, tzinfo=OSLO), date(2032, 12, 31)),
    ],
)
def test_retention_date_is_end_of_fifth_year_after_the_accounting_year(moment, keep_until):
    assert retention_date_for(moment) == keep_until


@pytest.mark.django_db
def test_order_lines_and_totals_add_up_for_every_vat_rate():
    service = ServiceFactory(price_ore=10_000, vat_rate=Decimal("15.00"))
    booking = BookingFactory(service=service)

    order = order_get_or_create(booking=booking)

    assert order_get_or_create(booking=booking).pk == order.pk
    (order_line,) = order.lines.all()
    assert order.total_ore == order_line.total_ore == 10_000
    assert order.vat_ore == order_line.vat_ore == 1_304
    assert order.due_online_ore == 10_000 and order.due_at_venue_ore == 0
    assert order.retain_until == retention_date_for()
    assert order.customer_email == booking.customer.email


@pytest.mark.django_db
def test_supplier_outside_the_vat_register_charges_no_vat():
    booking = BookingFactory()
    PaymentSettingsFactory(supplier=booking.supplier, vat_registered=False)
    order = order_get_or_create(booking=booking)
    assert order.vat_ore == 0
    assert order.lines.get().vat_rate == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_receipt_is_immutable_and_export_lists_it(booking, stripe_fake):
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    stripe_fake.complete(payment.provider_reference)
    payment_refresh(payment=payment)
    receipt = Receipt.objects.get(payment=payment)

    receipt.total_ore = 1
    with pytest.raises(ValidationError):
        receipt.save()
    with pytest.raises(ValidationError):
        Receipt.objects.filter(pk=receipt.pk).update(total_ore=1)
    with pytest.raises(ValidationError):
        receipt.delete()
    assert Receipt.objects.get(pk=receipt.pk).total_ore == 50_000

    today = receipt.issued_at.astimezone(OSLO).date()
    exported = receipts_csv(
        receipts_for_period(date_from=today, date_to=today).select_related("payment", "corrects")
    )
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["supplier_organisation_number", "supplier", "receipt_number"]
    assert rows[1][0] == "912345678"
    assert rows[1][2] == "1"
    assert rows[1][7] == payment.provider_reference
    assert rows[1][9:] == ["25,00", "500,00", "100,00", "400,00"]
    assert receipts_for_period(date_from=date(2000, 1, 1), date_to=date(2000, 1, 2)).count() == 0


@pytest.mark.django_db
def test_payment_amount_is_what_the_order_says_is_due_online(booking, stripe_fake):
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    order = Order.objects.get(booking=booking)
    assert payment.amount_ore == order.due_online_ore == booking.price_ore
    assert payment.currency == order.currency == "NOK"
    assert Payment.objects.get(pk=payment.pk).retain_until == retention_date_for()
