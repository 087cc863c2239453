"""The privacy app's own personal data: consents, contact messages, requests, exports, audit."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ..registry import (
    DataCategory,
    ErasureOutcome,
    FieldAction,
    Kept,
    Subject,
    values_list_of_dicts,
)

D, A, H, K = FieldAction.DELETE, FieldAction.ANONYMISE, FieldAction.HOLD, FieldAction.KEEP
CONSENT_PROOF_YEARS = 3


class ConsentsCategory(DataCategory):
    key = "consents"
    name = _("Consents and their history")
    purpose = _("Knowing and proving what you agreed to (GDPR Art. 7(1))")
    legal_basis = _("Legal obligation (GDPR Art. 6(1)(c) with Art. 7(1))")
    retention = _("Kept 3 years after the account is deleted (limitation period), then deleted")
    recipients = ("Brevo",)
    order = 40
    fields = {
        "privacy.ConsentEvent.subject_id": H,
        "privacy.ConsentEvent.ip_truncated": H,
        "privacy.ConsentEvent.user_agent": H,
        "privacy.ConsentSubjectLink.consent_id": H,
        "privacy.ConsentSubjectLink.user_public_id": H,
        "privacy.MarketingListSync.user_public_id": H,
        "privacy.MarketingListSync.error_code": H,
        # When the refusal of marketing was first shown; goes with the account (CASCADE).
        "privacy.MarketingChoiceOffer.user": D,
    }

    def _subject_ids(self, subject: Subject) -> list:
        from ..selectors import subject_ids

        return subject_ids(subject.user) if subject.user is not None else []

    def export(self, subject: Subject) -> list:
        from ..models import ConsentEvent

        return values_list_of_dicts(
            ConsentEvent.objects.filter(subject_id__in=self._subject_ids(subject)).order_by(
                "created_at", "pk"
            ),
            [
                "purpose",
                "granted",
                "source",
                "created_at",
                "policy_version__version",
                "purpose_text__version",
                "ip_truncated",
                "user_agent",
            ],
        )

    def kept(self, subject: Subject) -> list[Kept]:
        from django.utils import timezone

        from ..models import ConsentEvent

        if not ConsentEvent.objects.filter(subject_id__in=self._subject_ids(subject)).exists():
            return []
        # The ledger is the proof the law asks for; it refers to a pseudonymous id only, and
        # the retention sweep deletes it 3 years after the account (rule consents_of_erased).
        today = timezone.localdate()
        return [
            Kept(
                what=gettext_noop(
                    "Consent records: purpose, choice, time, shortened IP address and browser"
                ),
                reason=gettext_noop("Proof of consent (GDPR Art. 7(1)); limitation period 3 years"),
                until=today.replace(year=today.year + CONSENT_PROOF_YEARS),
            )
        ]

    def erase(self, subject: Subject) -> ErasureOutcome:
        return ErasureOutcome(kept=self.kept(subject))


class ContactMessagesCategory(DataCategory):
    key = "contact_messages"
    name = _("Messages through the contact form")
    purpose = _("Answering your enquiry")
    legal_basis = _("Legitimate interest (GDPR Art. 6(1)(f)): answering enquiries")
    retention = _("Database copy deleted after 90 days")
    order = 35
    fields = {
        "privacy.ContactMessage.name": D,
        "privacy.ContactMessage.email": D,
        "privacy.ContactMessage.subject": D,
        "privacy.ContactMessage.message": D,
    }

    def _rows(self, subject: Subject):
        from ..models import ContactMessage

        condition = Q()
        for email in subject.emails:
            condition |= Q(email__iexact=email)
        return (
            ContactMessage.objects.filter(condition) if condition else ContactMessage.objects.none()
        )

    def export(self, subject: Subject) -> list:
        return values_list_of_dicts(
            self._rows(subject).order_by("pk"),
            ["name", "email", "subject", "message", "created_at"],
        )

    def erase(self, subject: Subject) -> ErasureOutcome:
        # The e-mail the form sent to us is an outbox row addressed to CONTACT_EMAIL, so the
        # outbox category (which looks for the person's own address) does not see it: it goes
        # here, with the database copy.
        copies_deleted = contact_outbox_copies_erase(
            emails=subject.emails,
            contact_ids=list(self._rows(subject).values_list("pk", flat=True)),
        )
        deleted, _ = self._rows(subject).delete()
        return ErasureOutcome(deleted=deleted + copies_deleted)


def contact_outbox_copies_erase(*, emails=(), contact_ids=()) -> int:
    """Delete the outbox e-mails the contact form sent to us for these senders or database
    copies: found by the copy's id (idempotency key) or by the sender's address in the text, so
    a copy outlives neither an erasure nor the purge of its database row. The outbox belongs to
    notifications, which registers the deletion (hooks.outbox_erasers)."""
    from .. import hooks
    from ..services.contact import CONTACT_TEMPLATE, contact_idempotency_key

    return sum(
        erase(
            template_key=CONTACT_TEMPLATE,
            idempotency_keys=[contact_idempotency_key(pk) for pk in contact_ids],
            text_contains=[f"<{email}>" for email in emails],
        )
        for erase in hooks.outbox_erasers
    )


def _requests(subject: Subject):
    from ..models import PrivacyRequest

    condition = Q()
    if subject.public_id:
        condition |= Q(subject_public_id=subject.public_id)
    for email in subject.emails:
        condition |= Q(contact_email__iexact=email)
    return PrivacyRequest.objects.filter(condition) if condition else PrivacyRequest.objects.none()


class PrivacyRequestsCategory(DataCategory):
    key = "privacy_requests"
    name = _("Your privacy requests")
    purpose = _("Handling your requests and showing that we did (GDPR Art. 5(2), 12)")
    legal_basis = _("Legal obligation (GDPR Art. 6(1)(c))")
    retention = _("Request record 3 years without your contact details or free text")
    subjects = _("customers, guests")
    order = 80
    fields = {
        "privacy.PrivacyRequest.subject": A,
        "privacy.PrivacyRequest.subject_public_id": K,
        "privacy.PrivacyRequest.contact_email": A,
        "privacy.PrivacyRequest.details": A,
        "privacy.PrivacyRequest.decision_reason": A,
        "privacy.PrivacyRequest.extension_reason": A,
        "privacy.PrivacyRequest.decided_by": K,
        "privacy.ProcessorErasure.target": A,
        "privacy.ProcessorErasure.subject_public_id": K,
        "privacy.ProcessorErasure.last_error": K,
        "privacy.SubjectFlag.user": D,
    }

    def export(self, subject: Subject) -> list:
        return values_list_of_dicts(
            _requests(subject).order_by("pk"),
            [
                "public_id",
                "type",
                "status",
                "channel",
                "details",
                "received_at",
                "due_at",
                "extension_reason",
                "decided_at",
                "decision_reason",
                "completed_at",
            ],
        )

    def kept(self, subject: Subject) -> list[Kept]:
        if not _requests(subject).exists():
            return []
        return [
            Kept(
                what=gettext_noop(
                    "the record that you made privacy requests and how we handled them"
                ),
                reason=gettext_noop(
                    "Accountability (GDPR Art. 5(2)); no name, e-mail or free text"
                ),
            )
        ]

    def erase(self, subject: Subject) -> ErasureOutcome:
        # The request record stays (what was asked, when, what we did); what identifies the
        # person or was typed by them goes. The running erasure request itself is blanked by
        # the erasure service when it completes.
        kept = self.kept(subject)
        anonymised = _requests(subject).update(contact_email="", details="", decision_reason="")
        return ErasureOutcome(anonymised=anonymised, kept=kept if anonymised else [])


class DsarExportsCategory(DataCategory):
    key = "dsar_exports"
    name = _("Copies of your data we prepared for you")
    purpose = _("Giving you a copy of your data (GDPR Art. 15, 20)")
    legal_basis = _("Legal obligation (GDPR Art. 6(1)(c))")
    retention = _("ZIP files deleted after 7 days")
    order = 70
    fields = {"privacy.PrivacyRequest.export_path": D}

    def export(self, subject: Subject) -> list:
        return values_list_of_dicts(
            _requests(subject).exclude(export_path="").order_by("pk"),
            ["public_id", "export_expires_at"],
        )

    def erase(self, subject: Subject) -> ErasureOutcome:
        from ..export import export_file_delete

        paths = list(_requests(subject).exclude(export_path="").values_list("pk", "export_path"))
        for _pk, path in paths:
            export_file_delete(path)
        _requests(subject).exclude(export_path="").update(export_path="", export_expires_at=None)
        return ErasureOutcome(deleted=len(paths))


class AuditReferencesCategory(DataCategory):
    key = "audit_references"
    name = _("Audit trail entries about you")
    purpose = _("Proving how your data and requests were handled (GDPR Art. 5(2))")
    legal_basis = _("Legal obligation (GDPR Art. 6(1)(c))")
    retention = _("Kept; entries carry only a pseudonymous id, no name or contact details")
    order = 95
    fields = {
        "privacy.AuditEntry.subject_public_id": K,
        "privacy.AuditEntry.actor_public_id": K,
        "privacy.AuditEntry.details": K,
        "privacy.AuditEntry.object_id": K,
    }

    def export(self, subject: Subject) -> list:
        from ..models import AuditEntry

        if subject.public_id is None:
            return []
        return values_list_of_dicts(
            AuditEntry.objects.filter(subject_public_id=subject.public_id).order_by("pk"),
            ["created_at", "action", "object_type", "object_id", "details"],
        )

    def kept(self, subject: Subject) -> list[Kept]:
        return [
            Kept(
                what=gettext_noop("audit trail entries under a pseudonymous id"),
                reason=gettext_noop(
                    "Accountability (GDPR Art. 5(2)); identifies no one after deletion"
                ),
            )
        ]

    def erase(self, subject: Subject) -> ErasureOutcome:
        # Append-only by design: the rows hold a random id that points at nothing once the
        # account is deleted, which is what makes keeping them compatible with erasure.
        return ErasureOutcome(kept=self.kept(subject))
