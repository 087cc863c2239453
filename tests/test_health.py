import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_ok_with_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="an in-memory SQLite test database cannot go away"
)
@pytest.mark.django_db(transaction=True)
def test_readyz_fails_when_the_database_is_unreachable(client):
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get("/readyz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


@pytest.mark.django_db
def test_readyz_fails_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] is False


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a real PostgreSQL connection to break"
)


def _terminate_our_backend() -> None:
    """Kill this thread's database session from a second connection, as a restart would."""
    import psycopg

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_a_503_with_retry_after_for_the_api(client):
    _terminate_our_backend()
    try:
        response = client.get("/api/v1/suppliers/")
    finally:
        connection.close()
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["detail"]
    # The next request gets a fresh connection and works again.
    assert client.get("/api/v1/suppliers/").status_code == 200


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_a_503_page_for_a_browser(client):
    _terminate_our_backend()
    try:
        page = client.get("/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    finally:
        connection.close()
    assert page.status_code == 503
    assert int(page["Retry-After"]) > 0
    assert page["Content-Type"].startswith("text/html")
    assert "<h1" in page.content.decode()
    # A JSON-accepting client outside /api/ gets the JSON shape.
    _terminate_our_backend()
    try:
        as_json = client.get("/", HTTP_ACCEPT="application/json")
    finally:
        connection.close()
    assert (as_json.status_code, as_json.json()["code"]) == (503, "service_unavailable")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_is_a_503_also_when_middleware_hits_it_first(client):
    # A signed-in request loads its session in middleware, before any view runs.
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory())
    # Production never re-raises; the test client would, as Django logged the exception.
    client.raise_request_exception = False
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get("/my/bookings/", HTTP_ACCEPT="text/html")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_integrity_errors_are_not_reported_as_unavailable(client):
    # Only connection-level failures are 503: a constraint violation is a bug, and a 500.
    from django.db import IntegrityError

    from bookingtjeneste.unavailable import is_database_unavailable

    assert not is_database_unavailable(IntegrityError("duplicate key"))


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_503_detail_is_in_norwegian_for_norwegian_clients(client):
    _terminate_our_backend()
    try:
        response = client.get("/api/v1/suppliers/", HTTP_ACCEPT_LANGUAGE="nb")
    finally:
        connection.close()
    assert response.json()["detail"].startswith("Tjenesten er midlertidig utilgjengelig")
