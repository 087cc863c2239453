from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from .purposes import COOKIE_PURPOSES, Purpose

WORDING_CHANGED = _(
    "The wording of this choice changed while the page was open. Please read it again and "
    "choose once more."
)


WORDING_CHANGED_CODE = "wording_changed"


def wording_field_name(purpose: str) -> str:
    return f"{purpose}_wording"


class ShownWordingMixin(forms.Form):
    """Consent is given to the words shown (GDPR Art. 7(1): we must be able to prove it).

    The form carries, per purpose it can grant, a hidden field with the version of the wording
    it displayed. A yes to a wording that changed since the page was rendered is refused with a
    form error, and the page shows the new wording, so the ledger never points at a text the
    person did not see. A missing field (a page from before this check) is no claim either way.
    Forms call `check_shown_wording` from clean() with the purposes being said yes to.
    """

    wording_purposes: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        from .selectors import purpose_text_versions

        super().__init__(*args, **kwargs)
        self.current_wording = purpose_text_versions(purposes=self.wording_purposes)
        for purpose in self.wording_purposes:
            self.fields[wording_field_name(purpose)] = forms.IntegerField(
                required=False,
                min_value=1,
                widget=forms.HiddenInput,
                initial=self.current_wording.get(purpose),
            )

    def check_shown_wording(self, granted: Iterable[str], *, field: str | None = None) -> None:
        shown = {p: self.cleaned_data.get(wording_field_name(p)) for p in granted}
        stale = [
            purpose
            for purpose, version in shown.items()
            if version is not None and version != self.current_wording.get(purpose)
        ]
        if not stale:
            return
        # Shown again, the form must carry the versions it now displays.
        self.data = self.data.copy()
        for purpose in self.wording_purposes:
            self.data[self.add_prefix(wording_field_name(purpose))] = self.current_wording.get(
                purpose, ""
            )
        for purpose in stale:
            target = field if field is not None else purpose
            self.add_error(
                target if target in self.fields else None,
                forms.ValidationError(WORDING_CHANGED, code=WORDING_CHANGED_CODE),
            )


class ConsentToggleForm(ShownWordingMixin, forms.Form):
    """One purpose switched on or off in the privacy centre (withdrawal is never refused)."""

    wording_purposes = tuple(Purpose.values)
    purpose = forms.ChoiceField(choices=Purpose.choices)
    granted = forms.TypedChoiceField(
        choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda value: value == "1"
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("granted") and cleaned.get("purpose"):
            self.check_shown_wording([cleaned["purpose"]], field="purpose")
        return cleaned


class CookieChoiceForm(ShownWordingMixin, forms.Form):
    """The banner: accept all, reject all, choose (show the boxes), or save the chosen boxes."""

    wording_purposes = tuple(COOKIE_PURPOSES)

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

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("choice") in ("accept_all", "save"):
            self.check_shown_wording(sorted(self.granted()), field="choice")
        return cleaned

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
