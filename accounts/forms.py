from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from privacy.forms import ShownWordingMixin

from .models import User
from .services import user_complete_signup

AGE_CONFIRMATION_LABEL = _(
    "I confirm that I am 18 years or older, or that I am the parent or guardian of the person "
    "the bookings are for."
)


class AgeConfirmationMixin(ShownWordingMixin, forms.Form):
    """The policy (section 12) promises we do not knowingly collect data from under-18s."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    age_confirmed = forms.BooleanField(
        label=AGE_CONFIRMATION_LABEL,
        required=True,
        error_messages={
            "required": _("You must be 18 or older (or the parent/guardian) to sign up.")
        },
    )

    # Both optional and unticked by default (GDPR Art. 7: consent is an active choice). Their
    # labels are the purposes' stored texts, set per request: the consent ledger points at that
    # text, so the proof is exactly what was shown.
    sms_notifications = forms.BooleanField(required=False)
    marketing_email = forms.BooleanField(required=False)
    wording_purposes = ("sms_notifications", "marketing_email")

    def __init__(self, *args, **kwargs) -> None:
        from privacy.selectors import purpose_wording

        super().__init__(*args, **kwargs)
        for purpose in ("sms_notifications", "marketing_email"):
            self.fields[purpose].label = purpose_wording(purpose=purpose, language=get_language())

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_shown_wording([p for p in self.wording_purposes if cleaned.get(p)])
        return cleaned

    def save_profile(self, user: User, request: HttpRequest | None = None) -> None:
        user_complete_signup(
            user=user,
            full_name=self.cleaned_data["full_name"],
            sms_notifications=self.cleaned_data.get("sms_notifications", False),
            marketing_email=self.cleaned_data.get("marketing_email", False),
            request=request,
        )


class SignupForm(AgeConfirmationMixin, AllauthSignupForm):
    field_order = [
        "full_name",
        "email",
        "password1",
        "password2",
        "age_confirmed",
        "sms_notifications",
        "marketing_email",
    ]

    def try_save(self, request: HttpRequest):
        if self.account_already_exists:
            # allauth answers a registered address like a new one, but skipped the password
            # hash that makes a new account slow (46 ms against 484 ms): the difference told
            # who has an account. Hash and discard, so both paths do the same work.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)

    def save(self, request: HttpRequest) -> User:
        user = super().save(request)
        self.save_profile(user, request)
        return user


class SocialSignupForm(AgeConfirmationMixin, AllauthSocialSignupForm):
    def save(self, request: HttpRequest) -> User:
        user = super().save(request)
        self.save_profile(user, request)
        return user


class ProfileForm(forms.ModelForm):
    """Rectification (GDPR Art. 16): the person corrects their own data."""

    phone = PhoneNumberField(label=_("Mobile number"), required=False, region="NO")

    class Meta:
        model = User
        fields = ["full_name", "phone", "preferred_language"]
        labels = {"full_name": _("Full name"), "preferred_language": _("Language")}
