"""Dynamic responses (HTML pages, JSON API) are gzip-compressed for clients that accept it."""

import gzip
import json

import pytest

from bookings.tests.factories import ServiceFactory


@pytest.mark.django_db
def test_html_page_is_gzipped_when_the_client_accepts_gzip(client):
    response = client.get("/", headers={"accept-encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"<html" in gzip.decompress(response.content)


@pytest.mark.django_db
def test_json_api_response_is_gzipped_when_the_client_accepts_gzip(client):
    for _ in range(3):
        ServiceFactory()
    response = client.get("/api/v1/suppliers/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(json.loads(gzip.decompress(response.content))) == 3


@pytest.mark.django_db
def test_no_compression_without_accept_encoding(client):
    response = client.get("/")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"<html" in response.content
