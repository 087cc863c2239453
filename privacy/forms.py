from django import forms
from django.utils.translation import gettext_lazy as _

from .purposes import COOKIE_PURPOSES, Purpose


class ConsentToggleForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices)
    granted = forms.TypedChoiceField(
        choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda value: value == "1"
    )


class CookieChoiceForm(forms.Form):
    """The banner: accept all, reject all, choose (show the boxes), or save the chosen boxes."""

    CHOICES = [
        ("accept_all", _("Accept all")),
        ("reject_all", _("Reject all")),
        ("choose", _("Choose")),
        ("save", _("Save choices")),
    ]
    choice = forms.ChoiceField(choices=CHOICES)
    # Never pre-ticked: an unticked box (or no answer) is a no.
    analytics_cookies = forms.BooleanField(required=False)
    advertising_cookies = forms.BooleanField(required=False)
    next = forms.CharField(required=False, max_length=500)

    def granted(self) -> set[str]:
        choice = self.cleaned_data["choice"]
        if choice == "accept_all":
            return set(COOKIE_PURPOSES)
        if choice == "save":
            return {p for p in COOKIE_PURPOSES if self.cleaned_data.get(p)}
        return set()


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Your e-mail address"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea, max_length=5000)
    # Honeypot: hidden from people (CSS + aria-hidden), bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
