"""The privacy centre: one toggle per purpose (plain forms, no JavaScript needed)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..forms import WORDING_CHANGED, WORDING_CHANGED_CODE, ConsentToggleForm
from ..models import ConsentEvent, MarketingBasis
from ..ratelimit import client_key, rate_limit_exceeded, rate_parse
from ..selectors import consent_states, privacy_signal_refuses
from ..services import consent_set, marketing_basis_for, marketing_choice_offered


@login_required
def centre(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ConsentToggleForm(request.POST)
        limit, window = rate_parse(settings.CONSENT_CHANGE_RATE)
        if rate_limit_exceeded(
            scope="consent", key=client_key(request), limit=limit, window_seconds=window
        ):
            messages.error(request, _("Too many changes in a short time. Try again in a minute."))
            return render(request, "privacy/centre.html", _context(request), status=429)
        if form.is_valid():
            consent_set(
                subject=request.user,
                purpose=form.cleaned_data["purpose"],
                granted=form.cleaned_data["granted"],
                source=ConsentEvent.Source.WEB,
                request=request,
            )
            messages.success(request, _("Your choice has been saved."))
            from .cookies import expire_tracking_cookies

            granted = {s.purpose for s in consent_states(subject=request.user) if s.granted}
            return expire_tracking_cookies(request, redirect("privacy:centre"), granted)
        if form.has_error("purpose", code=WORDING_CHANGED_CODE):
            messages.error(request, WORDING_CHANGED)
        return render(request, "privacy/centre.html", _context(request), status=400)
    return render(request, "privacy/centre.html", _context(request))


def _context(request: HttpRequest) -> dict:
    # This page shows the refusal of marketing e-mail (Marketing Act §15): from now on the
    # existing-customer exception may apply, and the page says so next to a "No" button.
    marketing_choice_offered(user=request.user, source="centre")
    return {
        "states": consent_states(subject=request.user),
        "signal_refuses": privacy_signal_refuses(request=request),
        "marketing_as_customer": (
            marketing_basis_for(user=request.user, channel="email")
            == MarketingBasis.EXISTING_CUSTOMER
        ),
    }
