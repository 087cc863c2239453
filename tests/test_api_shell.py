import pytest


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    body = docs.content.decode()
    # Swagger UI is served from our own static files, not a CDN.
    assert "cdn." not in body and "unpkg" not in body and "jsdelivr" not in body


@pytest.mark.django_db
def test_html_404_is_styled_and_leaks_nothing(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "site-header" in body
    assert "Traceback" not in body and "urlpatterns" not in body.lower()
