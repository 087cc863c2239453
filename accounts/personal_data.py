"""The accounts app's personal data, declared to privacy (discovered by PrivacyConfig.ready()):
the account itself, its login methods, sessions and admin history about it, and the rule that
deletes expired sessions."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.registry import (
    DataCategory,
    ErasureOutcome,
    FieldAction,
    ProcessorCall,
    Subject,
    registry,
    values_list_of_dicts,
)
from privacy.retention import RuleDefinition, retention_rule_register

D, A, K = FieldAction.DELETE, FieldAction.ANONYMISE, FieldAction.KEEP


class AccountCategory(DataCategory):
    key = "account"
    name = _("Account")
    purpose = _("Logging in, contacting you about your bookings, your language and 18+ check")
    legal_basis = _("Contract (GDPR Art. 6(1)(b))")
    retention = _("While the account is used; inactive 3 years → warned, deleted 30 days later")
    recipients = ("Brevo", "Stripe")
    order = 100  # last: other categories find rows through the account
    fields = {
        "accounts.User.email": D,
        "accounts.User.contact_email": D,
        "accounts.User.full_name": D,
        "accounts.User.phone": D,
        "accounts.User.password": D,
        "accounts.User.public_id": K,
        "account.EmailAddress.email": D,
        "account.EmailAddress.user": D,
        "account.EmailConfirmation.key": D,
        "socialaccount.SocialAccount.user": D,
        "socialaccount.SocialAccount.uid": D,
        "socialaccount.SocialAccount.extra_data": D,
        "socialaccount.SocialToken.token": D,
        "socialaccount.SocialToken.token_secret": D,
        "mfa.Authenticator.user": D,
        "mfa.Authenticator.data": D,
        "accounts.ApiToken.user": D,
        "accounts.ApiToken.key_hash": D,
        "accounts.ApiToken.prefix": D,
        "bookings.SupplierStaff.user": D,
        "privacy.SubjectFlag.user": D,
    }

    def export(self, subject: Subject) -> dict:
        user = subject.user
        if user is None:
            return {}
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator
        from allauth.socialaccount.models import SocialAccount

        return {
            "public_id": str(user.public_id),
            "email": user.email,
            "contact_email": user.contact_email,
            "full_name": user.full_name,
            "phone": str(user.phone) if user.phone else None,
            "phone_verified_at": _iso(user.phone_verified_at),
            "preferred_language": user.preferred_language,
            "age_confirmed_at": _iso(user.age_confirmed_at),
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
            "groups": list(user.groups.values_list("name", flat=True)),
            "email_addresses": values_list_of_dicts(
                EmailAddress.objects.filter(user=user), ["email", "verified", "primary"]
            ),
            # Login with another provider: which one and its id for you; not its raw profile.
            "single_sign_on": values_list_of_dicts(
                SocialAccount.objects.filter(user=user), ["provider", "uid", "date_joined"]
            ),
            # Second-factor secrets are not handed out (a copy would weaken the account).
            "two_factor_methods": list(
                Authenticator.objects.filter(user=user).values_list("type", flat=True)
            ),
        }

    def processor_calls(self, subject: Subject) -> list[ProcessorCall]:
        if not subject.emails:
            return []
        emails = list(subject.emails)
        return [
            ProcessorCall("brevo", {"emails": emails}),
            ProcessorCall("stripe", {"emails": emails}),
        ]

    def erase(self, subject: Subject) -> ErasureOutcome:
        user = subject.user
        if user is None:
            return ErasureOutcome()
        User = get_user_model()
        # Deleting the row cascades to e-mail addresses, SSO links, MFA, API tokens, flags and
        # staff membership, and nulls references elsewhere (bookings, messages, orders).
        deleted, _per_model = User.objects.filter(pk=user.pk).delete()
        return ErasureOutcome(deleted=deleted)


class SessionsCategory(DataCategory):
    key = "sessions"
    name = _("Login sessions")
    purpose = _("Keeping you logged in")
    legal_basis = _("Contract (GDPR Art. 6(1)(b))")
    retention = _("Until logout or 14 days; expired sessions deleted nightly")
    order = 10
    fields = {"sessions.Session.session_data": D, "sessions.Session.session_key": D}

    def _session_keys(self, subject: Subject) -> list[str]:
        if subject.user is None:
            return []
        user_pk = str(subject.user.pk)
        keys = []
        # Session data is signed and encoded: the user id cannot be queried in SQL. Only live
        # sessions are decoded; expired ones are swept by the retention rule.
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(2000):
            if str(session.get_decoded().get("_auth_user_id")) == user_pk:
                keys.append(session.session_key)
        return keys

    def export(self, subject: Subject) -> dict:
        keys = self._session_keys(subject)
        expiries = Session.objects.filter(session_key__in=keys).values_list(
            "expire_date", flat=True
        )
        return {"active_sessions": len(keys), "expire": [_iso(e) for e in expiries]}

    def erase(self, subject: Subject) -> ErasureOutcome:
        deleted, _ = Session.objects.filter(session_key__in=self._session_keys(subject)).delete()
        return ErasureOutcome(deleted=deleted)


class AdminHistoryCategory(DataCategory):
    key = "admin_history"
    name = _("Admin history about your account")
    purpose = _("Accountability for changes staff made to your account")
    legal_basis = _("Legitimate interest (GDPR Art. 6(1)(f)): security and accountability")
    retention = _("Deleted with the account")
    order = 90
    # object_repr of a user is their name (User.__str__).
    fields = {
        "admin.LogEntry.object_repr": D,
        "admin.LogEntry.object_id": D,
        "admin.LogEntry.change_message": D,
        "admin.LogEntry.user": D,
    }

    def _rows(self, subject: Subject):
        if subject.user is None:
            return LogEntry.objects.none()
        user_type = ContentType.objects.get_for_model(get_user_model())
        return LogEntry.objects.filter(
            Q(content_type=user_type, object_id=str(subject.user.pk)) | Q(user=subject.user)
        )

    def export(self, subject: Subject) -> list:
        return values_list_of_dicts(
            self._rows(subject).order_by("pk"), ["action_time", "action_flag", "change_message"]
        )

    def erase(self, subject: Subject) -> ErasureOutcome:
        deleted, _ = self._rows(subject).delete()
        return ErasureOutcome(deleted=deleted)


def _iso(value):
    return value.isoformat() if value else None


def _expired_sessions(cutoff, as_of, dry_run) -> int:
    # Session keys are strings (no pk ranges); the table is small and has no dependants.
    expired = Session.objects.filter(expire_date__lt=as_of)
    return expired.count() if dry_run else expired.delete()[0]


for _category in (AccountCategory, AdminHistoryCategory, SessionsCategory):
    registry.register(_category)

retention_rule_register(
    RuleDefinition(
        "sessions_expired",
        "sessions",
        _("Expired login sessions deleted"),
        0,
        _expired_sessions,
        order=150,
    )
)
