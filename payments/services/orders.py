"""Orders for bookings, and the VAT arithmetic they rest on."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from bookings.services import booking_lock

from ..models import Order, OrderLine
from ..selectors import payment_settings_for, retention_date_for


def vat_included(amount_ore: int, rate: Decimal) -> int:
    """The VAT inside a VAT-inclusive amount: amount × rate / (100 + rate), rounded half up."""
    if not rate:
        return 0
    sign = -1 if amount_ore < 0 else 1
    vat = Decimal(abs(amount_ore)) * rate / (Decimal(100) + rate)
    return sign * int(vat.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(amount_ore: int, lines: list[dict]) -> list[dict]:
    """Split `amount_ore` over `lines` (dicts with total_ore, vat_rate, description) pro rata.

    Used for deposits and partial refunds: each part keeps its line's VAT rate, and the parts
    add up to `amount_ore` exactly (the remainder goes to the last line).
    """
    total = sum(line["total_ore"] for line in lines)
    parts, allotted = [], 0
    for index, line in enumerate(lines):
        if index == len(lines) - 1:
            share = amount_ore - allotted
        else:
            share = amount_ore * line["total_ore"] // total if total else 0
        allotted += share
        rate = Decimal(str(line["vat_rate"]))
        parts.append(
            {
                "description": line["description"],
                "amount_ore": share,
                "vat_rate": str(rate),
                "vat_ore": vat_included(share, rate),
            }
        )
    return parts


def booking_amounts(booking) -> dict[str, int | Decimal]:
    """What a booking costs: total, VAT rate and amount, online part (full or deposit), rest."""
    service = booking.service
    vat_registered = payment_settings_for(supplier=booking.supplier).vat_registered
    rate = booking.vat_rate if vat_registered else Decimal("0")
    total = booking.price_ore
    due_online = total
    if service.payment_mode == service.PaymentMode.DEPOSIT and service.deposit_ore:
        due_online = min(service.deposit_ore, total)
    return {
        "total_ore": total,
        "vat_rate": rate,
        "vat_ore": vat_included(total, rate),
        "now_ore": due_online,
        "venue_ore": total - due_online,
    }


def order_get_or_create(*, booking) -> Order:
    """The order for `booking`, created on first use from the booking's price and VAT rate.

    Precondition: the booking's service requires payment. Safe to call repeatedly; locks the
    booking row so two concurrent calls create one order.
    """
    with transaction.atomic():
        booking = booking_lock(booking)
        existing = Order.objects.filter(booking=booking).first()
        if existing is not None:
            return existing
        amounts = booking_amounts(booking)
        total, rate = amounts["total_ore"], amounts["vat_rate"]
        customer = booking.customer
        order = Order.objects.create(
            supplier=booking.supplier,
            booking=booking,
            booking_reference=booking.reference,
            customer=customer,
            customer_name=(customer.full_name if customer else "")[:150],
            customer_email=(customer.email or "") if customer else "",
            total_ore=total,
            vat_ore=amounts["vat_ore"],
            due_online_ore=amounts["now_ore"],
            retain_until=retention_date_for(),
        )
        OrderLine.objects.create(
            order=order,
            description=booking.service.name[:200],
            quantity=1,
            unit_price_ore=total,
            vat_rate=rate,
            total_ore=total,
            vat_ore=amounts["vat_ore"],
        )
        return order


def order_lines_as_dicts(order: Order) -> list[dict]:
    # values_list: receipts read this on every payment, and the model instances were unused.
    return [
        {"description": description, "total_ore": total_ore, "vat_rate": vat_rate}
        for description, total_ore, vat_rate in order.lines.values_list(
            "description", "total_ore", "vat_rate"
        )
    ]


def order_extend_retention(order: Order, moment=None) -> None:
    """A later transaction (a refund next year) moves the order's keep-until date forward."""
    retain_until = retention_date_for(moment)
    if retain_until > order.retain_until:
        order.retain_until = retain_until
        order.save(update_fields=["retain_until"])
