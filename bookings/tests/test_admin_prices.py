"""The service admin takes and shows prices in kroner; the database keeps integer øre."""

import pytest
from django.urls import reverse

from bookings.models import Service

from .factories import ServiceFactory
from .test_admin_validation import change_form_data, form_errors

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def service(supplier, resource):
    return ServiceFactory(supplier=supplier, resources=[resource], price_ore=189_000)


def change_url(service) -> str:
    return reverse("admin:bookings_service_change", args=[service.pk])


def test_change_form_shows_kroner_in_norwegian_style(staff_client, service):
    response = staff_client.get(change_url(service))
    body = response.content.decode()
    assert f'value="1{NBSP}890,00"' in body
    assert "øre" not in response.context["adminform"].form["price_ore"].label
    assert "kr" in response.context["adminform"].form["price_ore"].label


def test_change_form_shows_kroner_in_english_style(staff_client, service):
    staff_client.cookies["django_language"] = "en"
    response = staff_client.get(change_url(service), headers={"accept-language": "en"})
    assert 'value="1,890.00"' in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1 890,00", 189_000),
        (f"1{NBSP}890,50", 189_050),
        ("1890", 189_000),
        ("1890,5", 189_050),
        ("1890.25", 189_025),
        ("0", 0),
        ("999 999,99", 99_999_999),
    ],
)
def test_price_typed_in_kroner_is_stored_in_ore(staff_client, service, typed, stored):
    url = change_url(service)
    response = staff_client.post(url, {**change_form_data(staff_client, url), "price_ore": typed})
    assert response.status_code == 302, form_errors(response)
    service.refresh_from_db()
    assert service.price_ore == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("-1", "min_value"),
        ("-0,01", "min_value"),
        ("12,345", "max_decimal_places"),
        ("1 000 000,00", "max_value"),
        ("2147483647", "max_value"),
        ("1e3", "invalid"),
        ("tusen", "invalid"),
        ("NaN", "invalid"),
        ("12,,5", "invalid"),
    ],
)
def test_bad_price_is_a_form_error_and_nothing_is_saved(staff_client, service, typed, code):
    url = change_url(service)
    response = staff_client.post(url, {**change_form_data(staff_client, url), "price_ore": typed})
    assert response.status_code == 200
    errors = form_errors(response)
    assert list(errors) == ["price_ore"]
    assert errors["price_ore"].as_data()[0].code == code
    assert str(errors["price_ore"][0])  # a readable message, not an empty one
    service.refresh_from_db()
    assert service.price_ore == 189_000


def test_deposit_is_typed_in_kroner_too(staff_client, service):
    url = change_url(service)
    data = change_form_data(staff_client, url)
    data.update(payment_mode=Service.PaymentMode.DEPOSIT, deposit_ore="200,00")
    response = staff_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    service.refresh_from_db()
    assert service.deposit_ore == 20_000
    # Blank stays blank (no deposit), not zero.
    data.update(payment_mode=Service.PaymentMode.NONE, deposit_ore="")
    assert staff_client.post(url, data).status_code == 302
    service.refresh_from_db()
    assert service.deposit_ore is None


def test_norwegian_messages_for_bad_amounts(staff_client, service):
    url = change_url(service)
    data = change_form_data(staff_client, url)
    response = staff_client.post(url, {**data, "price_ore": "12,345"})
    message = str(form_errors(response)["price_ore"][0])
    assert "desimal" in message
    response = staff_client.post(url, {**data, "price_ore": "-5"})
    assert "negativ" in str(form_errors(response)["price_ore"][0])
