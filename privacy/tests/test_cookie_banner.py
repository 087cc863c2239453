import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from privacy.models import ConsentEvent, PolicyVersion
from privacy.selectors import cookie_choice_needed, has_consent
from privacy.services import consent_set

pytestmark = pytest.mark.django_db

TAGS = {
    "GOOGLE_ANALYTICS_ID": "G-TEST123",
    "GOOGLE_ADS_ID": "AW-999",
    "META_PIXEL_ID": "4242",
    "GOOGLE_TAG_SCRIPT_URL": "https://www.googletagmanager.com/gtag/js",
    "META_PIXEL_SCRIPT_URL": "https://connect.facebook.net/en_US/fbevents.js",
}


def _csp(response) -> str:
    return response.headers["Content-Security-Policy"]


@override_settings(**TAGS)
def test_first_visit_shows_banner_sets_no_cookie_and_loads_no_tag(client):
    response = client.get("/")
    html = response.content.decode()
    assert (
        'id="cookie-banner"' in html
        and 'id="cookie-banner" class="cookie-banner" role="region"' in html
    )
    assert 'data-testid="cookie-banner" hidden' not in html
    assert "googletagmanager" not in html and "fbevents" not in html
    assert "bt_consent_id" not in response.cookies
    assert "googletagmanager" not in _csp(response)
    # Three buttons with the same class: equal size and prominence; nothing pre-ticked.
    for value in ("accept_all", "reject_all", "choose"):
        assert f'value="{value}" class="button cookie-button"' in html
    assert "checked" not in html.split('id="cookie-banner-choices"')[1].split("</fieldset>")[
        0
    ].replace("checked disabled", "")


@override_settings(**TAGS)
def test_reject_all_records_refusal_for_the_anonymous_subject_and_loads_nothing(client):
    response = client.post("/cookies/consent/", {"choice": "reject_all", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    consent_id = uuid.UUID(response.cookies["bt_consent_id"].value)
    assert response.cookies["bt_consent_id"]["httponly"]
    events = ConsentEvent.objects.filter(subject_id=consent_id)
    assert {(e.purpose, e.granted, e.source, e.subject_type) for e in events} == {
        ("analytics_cookies", False, "banner", "anonymous"),
        ("advertising_cookies", False, "banner", "anonymous"),
    }
    page = client.get("/")
    html = page.content.decode()
    assert 'data-testid="cookie-banner" hidden' in html
    assert "googletagmanager" not in html and "googletagmanager" not in _csp(page)


@override_settings(**TAGS)
def test_accept_all_renders_tags_and_widens_csp_only_on_that_response(client):
    client.post("/cookies/consent/", {"choice": "accept_all"})
    consent_id = client.cookies["bt_consent_id"].value
    assert has_consent(subject=consent_id, purpose="analytics_cookies")
    assert has_consent(subject=consent_id, purpose="advertising_cookies")
    response = client.get("/")
    html = response.content.decode()
    assert 'src="https://www.googletagmanager.com/gtag/js?id=G-TEST123"' in html
    assert 'data-ids="G-TEST123,AW-999"' in html
    assert 'src="https://connect.facebook.net/en_US/fbevents.js"' in html
    csp = _csp(response)
    assert "https://www.googletagmanager.com" in csp and "https://connect.facebook.net" in csp
    # A fresh visitor still gets the strict policy.
    client.cookies.clear()
    assert "googletagmanager" not in _csp(client.get("/"))


@override_settings(**TAGS)
def test_choose_saves_only_the_ticked_purpose(client):
    client.post("/cookies/consent/", {"choice": "save", "analytics_cookies": "on"})
    consent_id = client.cookies["bt_consent_id"].value
    assert has_consent(subject=consent_id, purpose="analytics_cookies")
    assert not has_consent(subject=consent_id, purpose="advertising_cookies")
    html = client.get("/").content.decode()
    assert "gtag/js?id=G-TEST123" in html and "fbevents" not in html
    assert 'data-ids="G-TEST123"' in html


def test_choose_without_javascript_opens_the_settings_page(client):
    response = client.post("/cookies/consent/", {"choice": "choose", "next": "/privacy/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/cookies/settings/")
    assert not ConsentEvent.objects.exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'name="analytics_cookies"' in page.content.decode()


def test_closing_the_banner_means_no(client):
    html = client.get("/").content.decode()
    assert (
        'class="cookie-close"' in html
        and 'name="choice" value="reject_all" class="cookie-close"' in html
    )
    client.post("/cookies/consent/", {"choice": "reject_all"})
    assert ConsentEvent.objects.filter(granted=True).count() == 0


def test_bad_banner_input_is_a_400_with_nothing_recorded(client):
    assert client.post("/cookies/consent/", {"choice": "everything"}).status_code == 400
    assert client.post("/cookies/consent/", {}).status_code == 400
    assert client.get("/cookies/consent/").status_code == 405
    assert not ConsentEvent.objects.exists()


def test_open_redirect_is_refused(client):
    response = client.post(
        "/cookies/consent/", {"choice": "reject_all", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@override_settings(**TAGS)
def test_gpc_and_dnt_are_a_refusal_and_shown(client):
    for header in ({"HTTP_SEC_GPC": "1"}, {"HTTP_DNT": "1"}):
        client.cookies.clear()
        html = client.get("/", **header).content.decode()
        assert 'data-testid="gpc-notice"' in html
        response = client.post("/cookies/consent/", {"choice": "accept_all"}, **header)
        consent_id = response.cookies["bt_consent_id"].value
        assert not has_consent(subject=consent_id, purpose="analytics_cookies")
        assert not has_consent(subject=consent_id, purpose="advertising_cookies")
    # Even a recorded grant loads nothing while the signal is sent.
    client.cookies.clear()
    client.post("/cookies/consent/", {"choice": "accept_all"})
    assert "gtag/js" in client.get("/").content.decode()
    assert "gtag/js" not in client.get("/", HTTP_SEC_GPC="1").content.decode()


def test_asked_again_after_twelve_months():
    consent_id = uuid.uuid4()
    for purpose in ("analytics_cookies", "advertising_cookies"):
        consent_set(subject=consent_id, purpose=purpose, granted=False, source="banner")
    assert not cookie_choice_needed(subject=consent_id)
    later = timezone.now() + timedelta(days=366)
    assert cookie_choice_needed(subject=consent_id, now=later)
    assert cookie_choice_needed(subject=None)


def test_asked_again_after_a_material_policy_change():
    consent_id = uuid.uuid4()
    for purpose in ("analytics_cookies", "advertising_cookies"):
        consent_set(subject=consent_id, purpose=purpose, granted=True, source="banner")
    PolicyVersion.objects.create(
        version="2099-01-01-minor",
        effective_date=timezone.localdate(),
        is_material_change=False,
        published_at=timezone.now(),
    )
    assert not cookie_choice_needed(subject=consent_id)
    PolicyVersion.objects.create(
        version="2099-01-01",
        effective_date=timezone.localdate(),
        is_material_change=True,
        published_at=timezone.now() + timedelta(seconds=1),
    )
    assert cookie_choice_needed(subject=consent_id)


def test_logged_in_choice_is_recorded_for_the_user(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/cookies/consent/", {"choice": "accept_all"})
    assert "bt_consent_id" not in response.cookies
    assert has_consent(subject=user, purpose="analytics_cookies")


def test_footer_has_cookie_settings_link(client):
    html = client.get("/").content.decode()
    assert 'href="/cookies/settings/" data-cookie-settings' in html


def test_cookies_page_lists_every_cookie(client):
    html = client.get("/cookies/").content.decode()
    for name in ("sessionid", "csrftoken", "django_language", "bt_consent_id", "_ga", "_fbp"):
        assert name in html
    assert "Tredjepart" in html or "Third party" in html


@override_settings(CONSENT_CHANGE_RATE="2/min")
def test_banner_changes_are_rate_limited(client):
    codes = [
        client.post("/cookies/consent/", {"choice": "reject_all"}).status_code for _ in range(3)
    ]
    assert codes == [302, 302, 429]


def test_banner_and_tag_decisions_read_the_ledger_once(django_assert_max_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from privacy.consent_context import ConsentContext

    consent_id = uuid.uuid4()
    for purpose in ("analytics_cookies", "advertising_cookies"):
        consent_set(subject=consent_id, purpose=purpose, granted=True, source="banner")
    request = RequestFactory().get("/", HTTP_COOKIE=f"bt_consent_id={consent_id}")
    request.user = AnonymousUser()
    context = ConsentContext(request)
    # Links (2), events (1), purpose texts (1), last material policy (1).
    with django_assert_max_num_queries(5):
        assert context.banner_needed is False
        assert context.analytics and context.advertising


def test_banner_shows_the_stored_wording_the_ledger_will_point_at(client):
    from privacy.models import PurposeText

    old = PurposeText.objects.get(purpose="analytics_cookies", version=1)
    PurposeText.objects.create(
        purpose="analytics_cookies",
        version=2,
        text_nb="Ny analyseformulering",
        text_en="New analytics wording",
        policy_version=old.policy_version,
    )
    assert "Ny analyseformulering" in client.get("/").content.decode()
    assert "Ny analyseformulering" in client.get("/cookies/settings/").content.decode()
    client.post("/cookies/consent/", {"choice": "accept_all"})
    event = ConsentEvent.objects.get(purpose="analytics_cookies")
    assert event.purpose_text.version == 2


def test_withdrawal_in_the_privacy_centre_expires_tracking_cookies_on_every_domain(
    client, settings
):
    from accounts.tests.factories import UserFactory
    from privacy.services.cookies import cookie_domains

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".bt.test"]
    assert cookie_domains("www.bt.test:8000") == [None, "www.bt.test", "bt.test"]
    assert cookie_domains("127.0.0.1:8000") == [None]
    user = UserFactory()
    client.force_login(user)
    client.cookies["_ga"] = "GA1.1.1"
    client.cookies["_fbp"] = "fb.1.1"
    response = client.post(
        "/privacy/centre/",
        {"purpose": "analytics_cookies", "granted": "0"},
        HTTP_HOST="www.bt.test",
    )
    expired = [(m.key, m["domain"]) for m in response.cookies.values() if m["max-age"] == 0]
    assert sorted(expired) == sorted(
        (name, domain) for name in ("_ga", "_fbp") for domain in ("", "www.bt.test", "bt.test")
    )
