"""Customer pages: choose a provider, come back from it, simulate (console), print a receipt."""

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from bookingtjeneste.csp import allow_form_action, origin_of
from bookingtjeneste.providers import ProviderError, TransientProviderError

from .models import Payment, Receipt
from .selectors import (
    checkout_origins_for,
    order_for_booking,
    providers_offered,
    receipt_visible_to,
)
from .services import PaymentNotPossible, payment_console_simulate, payment_refresh, payment_start
from .services.orders import booking_amounts

logger = logging.getLogger(__name__)


class ProviderChoiceForm(forms.Form):
    provider = forms.ChoiceField(label=gettext_lazy("Payment method"), widget=forms.RadioSelect)

    def __init__(self, *args, offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [
            (provider.choice_identifier, provider.display_name) for provider, _console in offered
        ]


def _own_booking(request: HttpRequest, reference: str):
    from bookings.models import Booking

    return get_object_or_404(
        Booking.objects.select_related("service", "supplier"),
        reference=reference,
        customer=request.user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def choose_provider(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _own_booking(request, reference)
    offered = providers_offered(supplier=booking.supplier)
    form = ProviderChoiceForm(request.POST or None, offered=offered)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            payment = payment_start(
                booking=booking,
                provider_identifier=form.cleaned_data["provider"],
                user=request.user,
                site_url=request.build_absolute_uri("/"),
            )
        except PaymentNotPossible as error:
            form.add_error(None, _messages_for(error.code))
            status = 409
        except ProviderError as error:
            # The code only: a provider's error text can echo the customer's details.
            logger.warning(
                "payment provider refused to start a payment",
                extra={"provider": form.cleaned_data["provider"], "code": error.code},
            )
            form.add_error(
                None,
                _("The payment provider could not be reached. Try again or choose another method."),
            )
            status = 503
        else:
            return _send_to_checkout(request, payment, allowed=checkout_origins_for(offered))
    elif request.method == "POST":
        status = 400
    order = order_for_booking(booking=booking)
    context = {
        "booking": booking,
        "order": order,
        "form": form,
        "offered": offered,
        "console_mode": any(console for _provider, console in offered),
        "paid_receipts": order.receipts.filter(kind="sale") if order else [],
        "amounts": _amounts(booking, order),
    }
    response = render(request, "payments/choose.html", context, status=status)
    # The pay form's POST is answered by a redirect to the chosen provider's checkout.
    return allow_form_action(response, checkout_origins_for(offered))


def _send_to_checkout(
    request: HttpRequest, payment: Payment, *, allowed: list[str]
) -> HttpResponse:
    """Redirect to the provider, or offer a link when its checkout is on an unexpected origin.

    A provider may move its checkout (a custom Stripe domain, a new Vipps host): a redirect
    there would be blocked by the form page's CSP and leave the customer on a browser error
    page, while a link the customer clicks is an ordinary navigation that CSP does not block.
    """
    target = origin_of(payment.redirect_url)
    if target in allowed or target == origin_of(request.build_absolute_uri("/")):
        return redirect(payment.redirect_url)
    logger.warning(
        "payment checkout on an origin the payment page does not allow",
        extra={"provider": payment.provider, "origin": target},
    )
    return render(request, "payments/continue.html", {"payment": payment})


def _amounts(booking, order) -> dict:
    """The order's amounts once it exists (they are frozen), else what the booking will cost."""
    if order is not None:
        return {
            "total_ore": order.total_ore,
            "now_ore": order.due_online_ore,
            "venue_ore": order.due_at_venue_ore,
            "vat_ore": order.vat_ore,
        }
    return booking_amounts(booking)


def _messages_for(code: str) -> str:
    return {
        "not_awaiting_payment": _("This booking is not waiting for payment."),
        "hold_expired": _("The time reserved for your payment has run out. Please book again."),
        "provider_not_offered": _("This payment method is not offered by the supplier."),
        "already_paid": _("This booking is already paid."),
    }.get(code, _("The payment could not be started."))


def _own_payment(request: HttpRequest, public_id) -> Payment:
    payment = get_object_or_404(
        Payment.objects.select_related("order", "order__booking", "order__supplier"),
        public_id=public_id,
    )
    if payment.order.customer_id != request.user.pk:
        raise Http404
    return payment


@login_required
@require_http_methods(["GET"])
def payment_return(request: HttpRequest, public_id) -> HttpResponse:
    payment = _own_payment(request, public_id)
    if payment.status in Payment.OPEN_STATUSES:
        try:
            payment = payment_refresh(payment=payment)
        except TransientProviderError:
            # The webhook or the periodic sweep will settle it; the page says we are checking.
            logger.info("payment refresh on return deferred", extra={"payment": str(public_id)})
    receipt = payment.receipts.filter(kind=Receipt.Kind.SALE).first()
    return render(
        request,
        "payments/return.html",
        {
            "payment": payment,
            "order": payment.order,
            "booking": payment.order.booking,
            "receipt": receipt,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def console_payment(request: HttpRequest, public_id) -> HttpResponse:
    if not settings.DEBUG:
        raise Http404
    payment = _own_payment(request, public_id)
    if not payment.is_console:
        raise Http404
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        try:
            payment_console_simulate(payment=payment, outcome=outcome)
        except PaymentNotPossible:
            messages.error(request, _("Choose one of the buttons."))
            return render(request, "payments/console.html", {"payment": payment}, status=400)
        return redirect("payments:return", public_id=payment.public_id)
    return render(request, "payments/console.html", {"payment": payment})


@login_required
@require_http_methods(["GET"])
def receipt_detail(request: HttpRequest, public_id) -> HttpResponse:
    receipt = get_object_or_404(
        Receipt.objects.select_related("order", "supplier"), public_id=public_id
    )
    if not receipt_visible_to(receipt=receipt, user=request.user):
        raise Http404
    return render(request, "payments/receipt.html", {"receipt": receipt})
