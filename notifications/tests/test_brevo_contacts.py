"""The Brevo adapter's contact calls, through the real sib-api-v3-sdk against a local fake."""

import pytest

from bookingtjeneste.providers import PermanentProviderError, TransientProviderError
from notifications.gateways.brevo import brevo_contact_delete, brevo_list_remove
from privacy.tests.desk.fakes import ProcessorsFake

EMAIL = "kari@example.no"


@pytest.fixture
def brevo(settings):
    fake = ProcessorsFake()
    settings.BREVO_API_KEY = "xkeysib-test"
    settings.BREVO_API_URL = fake.url + "/v3"
    yield fake
    fake.stop()


def test_contact_delete_reports_whether_there_was_a_contact(brevo):
    brevo.brevo_contacts.add(EMAIL)
    assert brevo_contact_delete(EMAIL) is True
    assert not brevo.brevo_contacts
    assert brevo_contact_delete(EMAIL) is False  # 404: already the state we want


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, TransientProviderError), (429, TransientProviderError), (401, PermanentProviderError)],
)
def test_contact_delete_errors_carry_the_http_status(brevo, status, error):
    brevo.fail_next = [status]
    with pytest.raises(error) as raised:
        brevo_contact_delete(EMAIL)
    assert raised.value.code == f"http_{status}"


def test_list_remove_of_someone_not_on_the_list_is_no_error(brevo):
    brevo.fail_next = [404]
    assert brevo_list_remove(EMAIL, list_id=7) is False
