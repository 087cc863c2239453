"""Forms of the request desk pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PrivacyRequest


class RequestForm(forms.Form):
    type = forms.ChoiceField(label=_("What do you ask for?"), choices=PrivacyRequest.Type.choices)
    details = forms.CharField(
        label=_("Details (optional)"),
        help_text=_("For a correction: what is wrong and what it should be."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
    )


class GuestRequestForm(RequestForm):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send a link to this address; the request counts once you open it."),
    )
    # A field people never see; bots fill it in.
    website = forms.CharField(required=False, widget=forms.HiddenInput)
