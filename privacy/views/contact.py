"""/contact/: the form. Honeypot and a rate limit keep spam out; the service does the rest."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..forms import ContactForm
from ..ratelimit import client_key, rate_limit_exceeded
from ..services import contact_message_submit

CONTACT_LIMIT = 5  # messages per hour per visitor
CONTACT_WINDOW = 3600


def contact(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "privacy/contact.html", {"form": ContactForm()})
    form = ContactForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/contact.html", {"form": form}, status=400)
    if form.cleaned_data["website"]:
        # A bot filled in the hidden field: answer as if it worked, store and send nothing.
        messages.success(request, _("Thank you. We have received your message."))
        return redirect("privacy:contact")
    if rate_limit_exceeded(
        scope="contact", key=client_key(request), limit=CONTACT_LIMIT, window_seconds=CONTACT_WINDOW
    ):
        form.add_error(None, _("Too many messages in a short time. Please try again later."))
        return render(request, "privacy/contact.html", {"form": form}, status=429)
    contact_message_submit(
        name=form.cleaned_data["name"],
        email=form.cleaned_data["email"],
        subject=form.cleaned_data["subject"],
        message=form.cleaned_data["message"],
    )
    messages.success(request, _("Thank you. We have received your message."))
    return redirect("privacy:contact")
