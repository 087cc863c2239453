from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from bookingtjeneste.secret_tokens import secret_token_hash

from . import roles
from .models import User


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def customer_for_phone_booking(*, full_name: str, phone: object, email: str = "") -> User:
    """The customer a phone booking is made for, from exactly what the staff member typed.

    The existing account with this address is used only when the name and the number typed
    are that account's too: then the staff member already knew everything it holds that they
    will see. Otherwise a new customer record without a login is made from the typed values,
    the address kept as a contact address (not a login, not unique), so whether an address
    is registered changes nothing staff can see. Call inside the booking's transaction, so a
    refused booking leaves no record.
    """
    email = (email or "").strip()
    if email and phone:
        account = User.objects.filter(email__iexact=email).first()
        if account and account.phone == phone and _same_name(account.full_name, full_name):
            return account
    customer = User(
        email=None,
        contact_email=email,
        full_name=" ".join(full_name.split()),
        phone=phone or None,
    )
    # No password and no login address: nothing to log in with, so no account e-mails
    # (password reset, sign-up) can ever concern this record.
    customer.set_unusable_password()
    customer.save()
    customer.groups.add(*Group.objects.filter(name=roles.CUSTOMER))
    return customer


def user_record_age_confirmation(*, user: User) -> User:
    """Record that the person confirmed being 18+ (or the guardian) under the current policy."""
    from privacy.selectors import policy_version_current

    user.age_confirmed_at = timezone.now()
    user.age_confirmed_policy_version = policy_version_current()
    user.save(update_fields=["age_confirmed_at", "age_confirmed_policy_version"])
    return user


@transaction.atomic
def user_complete_signup(
    *,
    user: User,
    full_name: str,
    sms_notifications: bool,
    marketing_email: bool,
    request=None,
) -> User:
    """What a sign-up form adds to the account allauth created: the name, the 18+ (or
    guardian) confirmation under the current policy, and the optional choices as consents."""
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    user_record_age_confirmation(user=user)
    user_record_signup_choices(
        user=user,
        sms_notifications=sms_notifications,
        marketing_email=marketing_email,
        request=request,
    )
    return user


def phone_mark_changed(user: User) -> list[str]:
    """A corrected number is unproven until verified again: clears the verification and
    returns the fields to save besides the phone."""
    user.phone_verified_at = None
    return ["phone_verified_at"]


@transaction.atomic
def user_update_profile(
    *, user: User, full_name: str, phone: object, preferred_language: str
) -> User:
    """Rectify a user's own data. A changed phone number is unverified until confirmed again."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = ["full_name", "preferred_language"]
    user.full_name = full_name.strip()
    user.preferred_language = preferred_language
    if (phone or None) != user.phone:
        user.phone = phone or None
        changed += ["phone", *phone_mark_changed(user)]
    user.save(update_fields=changed)
    return user


def user_record_signup_choices(
    *, user: User, sms_notifications: bool, marketing_email: bool, request=None
) -> None:
    """Put the sign-up form's optional choices in the consent ledger.

    SMS is recorded only when chosen. Marketing e-mail is recorded either way: an unticked box is
    the chance to refuse that the Marketing Act §15 requires when the address is collected, so
    the existing-customer exception never applies to someone who declined here.
    """
    from privacy.purposes import Purpose
    from privacy.services import consent_set

    choices = {Purpose.MARKETING_EMAIL: marketing_email}
    if sms_notifications:
        choices[Purpose.SMS_NOTIFICATIONS] = True
    for purpose, granted in choices.items():
        consent_set(
            subject=user, purpose=purpose, granted=granted, source="signup", request=request
        )


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """A new API token for `user`, replacing any earlier one. Returns the raw token: the only
    time it exists outside the caller's hands, so show it once and never store it."""
    import secrets

    from .models import ApiToken

    raw = secrets.token_urlsafe(32)
    ApiToken.objects.filter(user=user).delete()
    ApiToken.objects.create(user=user, key_hash=secret_token_hash(raw), prefix=raw[:8])
    return raw


def api_tokens_revoke(*, user: User) -> int:
    """Revoke every API token of `user` (logout of scripts; password changed or reset)."""
    from .models import ApiToken

    deleted, _per_model = ApiToken.objects.filter(user=user).delete()
    return deleted
