"""The DPO approves an erasure only on a confirmation page that names the person and lists what
is erased and what is kept and why; the bulk action never approves an erasure."""

import pytest
from django.urls import reverse

from privacy.models import PrivacyRequest
from privacy.request_desk import request_submit

from ..desk_support import EMAIL, NAME, rich_customer

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/privacy/privacyrequest/"


def _erasure(rich) -> PrivacyRequest:
    return request_submit(type="erasure", channel="centre", user=rich.user)


def _confirm_url(request: PrivacyRequest) -> str:
    return reverse("admin:privacy_privacyrequest_approve", args=[request.pk])


def _text(response) -> str:
    return response.content.decode()


def test_bulk_action_does_not_approve_an_erasure(dpo_client, private_media):
    request = _erasure(rich_customer())
    response = dpo_client.post(
        CHANGELIST, {"action": "approve_selected", "_selected_action": [request.pk]}
    )
    request.refresh_from_db()
    assert request.status == "received"
    # One erasure selected: the DPO is taken to its confirmation page instead.
    assert response.status_code == 302 and response["Location"] == _confirm_url(request)


def test_bulk_action_still_approves_other_requests_and_skips_erasures(dpo_client, private_media):
    from accounts.tests.factories import UserFactory

    rich = rich_customer(with_payments=False)
    erasure = _erasure(rich)
    objection = request_submit(type="objection", channel="centre", user=UserFactory())
    dpo_client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [erasure.pk, objection.pk]},
    )
    erasure.refresh_from_db()
    objection.refresh_from_db()
    assert erasure.status == "received" and objection.status != "received"


@pytest.mark.parametrize(
    ("language", "phrases"),
    [
        ("nb", ["Dette slettes", "Dette beholdes", "Bokføringsloven", "Bestillinger"]),
        ("en", ["What is erased", "What is kept", "Accounting Act", "Bookings"]),
    ],
)
def test_confirmation_page_names_the_person_and_what_is_kept_in_their_language(
    dpo_client, private_media, language, phrases
):
    request = _erasure(rich_customer())
    dpo_client.cookies["django_language"] = language
    response = dpo_client.get(_confirm_url(request), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = _text(response)
    assert NAME in text and EMAIL in text
    for phrase in phrases:
        assert phrase in text, phrase
    assert '"kept"' not in text and "{&#x27;" not in text and '{"' not in text
    assert PrivacyRequest.objects.get(pk=request.pk).status == "received"


def test_approval_needs_the_confirmation_box(dpo_client, private_media):
    request = _erasure(rich_customer(with_payments=False))
    response = dpo_client.post(_confirm_url(request), {})
    assert response.status_code == 400
    assert PrivacyRequest.objects.get(pk=request.pk).status == "received"


def test_confirmed_approval_erases_and_the_result_reads_as_text(
    dpo_client, private_media, eager_tasks, django_capture_on_commit_callbacks
):
    request = _erasure(rich_customer())
    with django_capture_on_commit_callbacks(execute=True):
        response = dpo_client.post(_confirm_url(request), {"confirm": "on"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "completed"
    dpo_client.cookies["django_language"] = "nb"
    page = _text(dpo_client.get(reverse("admin:privacy_privacyrequest_change", args=[request.pk])))
    assert "Bokføringsloven" in page and "Regnskapsbilag" in page
    assert '"kept"' not in page and '"what"' not in page and "&quot;what&quot;" not in page
