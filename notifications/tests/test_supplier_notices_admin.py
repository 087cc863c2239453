"""The notice settings in the admin: scoped to the staff member's supplier, input checked."""

import pytest
from django.urls import reverse

from bookings.tests.conftest import staff_for
from bookings.tests.factories import SupplierFactory
from notifications.models import SupplierNoticeSettings

pytestmark = pytest.mark.django_db

ADD = "admin:notifications_suppliernoticesettings_add"
CHANGE = "admin:notifications_suppliernoticesettings_change"
LIST = "admin:notifications_suppliernoticesettings_changelist"


@pytest.fixture
def ours(db):
    return SupplierFactory(name="Salong Nord")


@pytest.fixture
def theirs(db):
    return SupplierFactory(name="Salong Sør")


@pytest.fixture
def staff_client(client, ours):
    client.force_login(staff_for(ours))
    return client


def _form(**values) -> dict:
    data = {
        "notice_emails": "resepsjon@salong-nord.example.no",
        "notice_phone": "",
        "on_new": "on",
        "on_moved": "on",
        "on_cancelled": "on",
        "on_erased": "on",
        "agenda_enabled": "on",
        "agenda_hour": "7",
        "language": "nb",
    }
    data.update(values)
    return data


def test_staff_see_and_open_only_their_own_suppliers_settings(staff_client, ours, theirs):
    own = SupplierNoticeSettings.objects.create(supplier=ours, notice_emails="a@nord.example.no")
    other = SupplierNoticeSettings.objects.create(
        supplier=theirs, notice_emails="hemmelig@sor.example.no"
    )
    listing = staff_client.get(reverse(LIST))
    assert listing.status_code == 200
    assert "a@nord.example.no" in listing.content.decode()
    assert "hemmelig@sor.example.no" not in listing.content.decode()
    assert staff_client.get(reverse(CHANGE, args=[own.pk])).status_code == 200
    assert staff_client.get(reverse(CHANGE, args=[other.pk])).status_code == 404
    response = staff_client.post(reverse(CHANGE, args=[other.pk]), _form(notice_emails="x@y.no"))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.notice_emails == "hemmelig@sor.example.no"


def test_staff_add_for_their_own_supplier_with_normalised_addresses(staff_client, ours, theirs):
    page = staff_client.get(reverse(ADD))
    assert page.status_code == 200 and 'name="supplier"' not in page.content.decode()
    response = staff_client.post(
        reverse(ADD),
        _form(
            supplier=str(theirs.pk),  # not a field for staff: ignored
            notice_emails="Resepsjon@Salong-Nord.example.no\nsjef@salong-nord.example.no, "
            "resepsjon@salong-nord.example.no",
            notice_phone="912 34 567",
        ),
    )
    assert response.status_code == 302
    row = SupplierNoticeSettings.objects.get()
    assert row.supplier == ours
    assert row.notice_emails == "resepsjon@salong-nord.example.no, sjef@salong-nord.example.no"
    assert row.notice_phone == "+4791234567"
    # One row per supplier: no second one.
    assert staff_client.get(reverse(ADD)).status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("notice_emails", "resepsjon@salong.example.no, ikke-en-adresse", "Ikke en e-postadresse"),
        ("notice_emails", ", ".join(f"p{n}@salong.example.no" for n in range(6)), "Høyst 5"),
        ("notice_phone", "12345", "gyldig mobilnummer"),
        ("notice_phone", "22 33 44 55", "fasttelefon"),
        ("notice_phone", "+46 70 123 45 67", "tillatte landene"),
        ("agenda_hour", "24", "23"),
        ("agenda_hour", "sju", "heltall"),
        ("language", "de", "gyldig valg"),
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(staff_client, field, value, message):
    response = staff_client.post(reverse(ADD), _form(**{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in " ".join(errors[field])
    assert not SupplierNoticeSettings.objects.exists()


def test_administrators_pick_the_supplier(client, ours, theirs):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.tests.factories import StaffUserFactory

    administrator = StaffUserFactory(is_superuser=True)
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)
    admin_client = client
    page = admin_client.get(reverse(ADD))
    assert 'name="supplier"' in page.content.decode()
    response = admin_client.post(reverse(ADD), _form(supplier=str(theirs.pk)))
    assert response.status_code == 302
    assert SupplierNoticeSettings.objects.get().supplier == theirs
