from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .models import User
from .services import user_record_age_confirmation

AGE_CONFIRMATION_LABEL = _(
    "I confirm that I am 18 years or older, or that I am the parent or guardian of the person "
    "the bookings are for."
)


class AgeConfirmationMixin(forms.Form):
    """The policy (section 12) promises we do not knowingly collect data from under-18s."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    age_confirmed = forms.BooleanField(
        label=AGE_CONFIRMATION_LABEL,
        required=True,
        error_messages={
            "required": _("You must be 18 or older (or the parent/guardian) to sign up.")
        },
    )

    def save_profile(self, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])
        user_record_age_confirmation(user=user)


class SignupForm(AgeConfirmationMixin, AllauthSignupForm):
    field_order = ["full_name", "email", "password1", "password2", "age_confirmed"]

    def save(self, request: HttpRequest) -> User:
        user = super().save(request)
        self.save_profile(user)
        return user


class SocialSignupForm(AgeConfirmationMixin, AllauthSocialSignupForm):
    def save(self, request: HttpRequest) -> User:
        user = super().save(request)
        self.save_profile(user)
        return user


class ProfileForm(forms.ModelForm):
    """Rectification (GDPR Art. 16): the person corrects their own data."""

    phone = PhoneNumberField(label=_("Mobile number"), required=False, region="NO")

    class Meta:
        model = User
        fields = ["full_name", "phone", "preferred_language"]
        labels = {"full_name": _("Full name"), "preferred_language": _("Language")}
