from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def test_the_token_endpoint_gives_a_token_that_opens_the_api(marketer):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": marketer.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.get("/api/v1/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/").status_code == 200


def test_the_token_endpoint_refuses_a_wrong_password_naming_the_problem(marketer):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": marketer.username, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "Unable to log in with provided credentials" in str(response.json())


@pytest.mark.django_db
def test_the_token_endpoint_names_missing_fields():
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_schema_and_docs_work_offline(marketer):
    client = APIClient()
    client.force_authenticate(marketer)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/auth/token/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower()
