"""The batch consent reader gives every user the answer has_consent gives them, in a number of
queries that does not grow with the number of users."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from privacy.models import PurposeText
from privacy.request_desk import subject_object, subject_restrict
from privacy.selectors import consents_for_users, has_consent
from privacy.services import consent_set, consent_subject_link

pytestmark = pytest.mark.django_db

PURPOSE = "sms_notifications"


def _grant(subject, granted: bool = True) -> None:
    consent_set(subject=subject, purpose=PURPOSE, granted=granted, source="web")


def _people() -> dict[str, object]:
    """One user per case the ledger can be in."""
    people = {
        name: UserFactory()
        for name in (
            "granted",
            "never_asked",
            "withdrawn",
            "regranted",
            "anonymous_grant_linked",
            "anonymous_withdrawal_linked",
            "restricted",
            "objected",
            "other_purpose",
        )
    }
    _grant(people["granted"])
    _grant(people["withdrawn"])
    _grant(people["withdrawn"], granted=False)
    _grant(people["regranted"], granted=False)
    _grant(people["regranted"])
    # Choices made before login, in a browser later linked to the account.
    before_login = uuid.uuid4()
    _grant(before_login)
    consent_subject_link(user=people["anonymous_grant_linked"], consent_id=before_login)
    _grant(people["anonymous_withdrawal_linked"])
    later_in_browser = uuid.uuid4()
    _grant(later_in_browser, granted=False)
    consent_subject_link(user=people["anonymous_withdrawal_linked"], consent_id=later_in_browser)
    for name in ("restricted", "objected"):
        _grant(people[name])
    subject_restrict(user=people["restricted"])
    subject_object(user=people["objected"])
    consent_set(
        subject=people["other_purpose"], purpose="marketing_sms", granted=True, source="web"
    )
    return people


@pytest.mark.parametrize("honour_restriction", [True, False])
def test_each_answer_is_has_consents(honour_restriction):
    people = _people()
    answers = consents_for_users(
        users=list(people.values()), purpose=PURPOSE, honour_restriction=honour_restriction
    )
    expected = {
        user.pk: has_consent(subject=user, purpose=PURPOSE, honour_restriction=honour_restriction)
        for user in people.values()
    }
    assert answers == expected
    granted = {name for name, user in people.items() if answers[user.pk]}
    assert granted == {"granted", "regranted", "anonymous_grant_linked"} | (
        set() if honour_restriction else {"restricted", "objected"}
    )


def test_a_changed_purpose_text_and_a_past_moment_answer_as_has_consent():
    early, late = UserFactory(), UserFactory()
    _grant(early)
    between = timezone.now()
    old = PurposeText.objects.filter(purpose=PURPOSE).order_by("-version").first()
    PurposeText.objects.create(
        purpose=PURPOSE,
        version=old.version + 1,
        text_nb="Ny tekst",
        text_en="New text",
        policy_version=old.policy_version,
    )
    _grant(late)
    users = [early, late]
    assert consents_for_users(users=users, purpose=PURPOSE) == {early.pk: False, late.pk: True}
    at = between + timedelta(microseconds=1)
    assert (
        consents_for_users(users=users, purpose=PURPOSE, at=at)
        == {user.pk: has_consent(subject=user, purpose=PURPOSE, at=at) for user in users}
        == {early.pk: True, late.pk: False}
    )


def test_unsaved_users_answer_no_and_unknown_purposes_are_refused():
    unsaved = UserFactory.build()
    assert consents_for_users(users=[unsaved, None], purpose=PURPOSE) == {}
    with pytest.raises(ValueError):
        consents_for_users(users=[UserFactory()], purpose="sms_notification")


def test_the_number_of_queries_does_not_grow_with_the_users():
    def queries_for(count: int) -> int:
        users = UserFactory.create_batch(count)
        for user in users:
            _grant(user)
        with CaptureQueriesContext(connection) as queries:
            answers = consents_for_users(users=users, purpose=PURPOSE, honour_restriction=False)
        assert set(answers.values()) == {True} and len(answers) == count
        return len(queries)

    assert queries_for(3) == queries_for(30) == 3
