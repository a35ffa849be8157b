from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.models import SandboxRegistration
from tests.sandbox.conftest import SandboxClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_token_with_the_configured_credentials(settings):
    answer = SandboxClient().http.post(
        "/sandbox/v2/token",
        {
            "grant_type": "client_credentials",
            "client_id": settings.OTT_CLIENT_ID,
            "client_secret": settings.OTT_CLIENT_SECRET,
            "account_id": "123",
        },
        content_type="application/json",
    )
    data = answer.json()
    assert answer.status_code == 200
    assert data["token_type"] == "Bearer" and data["expires_in"] == 1080 and len(data["access_token"]) > 20
    assert data["rest_instance_url"].endswith("/sandbox/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "wrong"},
            401,
            "invalid_client",
        ),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        (
            {"grant_type": "password", "client_id": "sandbox-client", "client_secret": "sandbox-secret"},
            400,
            "unsupported_grant_type",
        ),
    ],
)
def test_token_refusals(body, status, error):
    answer = SandboxClient().http.post("/sandbox/v2/token", body, content_type="application/json")
    assert answer.status_code == status and answer.json()["error"] == error


@pytest.mark.django_db
def test_the_public_default_credentials_of_earlier_versions_get_no_token():
    body = {"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret"}
    answer = SandboxClient().http.post("/sandbox/v2/token", body, content_type="application/json")
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


LINE = {
    "channelId": "1001",
    "channelName": "Shop",
    "channelSecret": "line-secret-abc",
    "customerConnectSecret": "cc-secret-def",
    "isTransactional": 0,
    "isTestChannel": 1,
    "endpointUrl": "https://hooks.example.com/line",
}
MESSENGER = {
    "applicationId": "app-1",
    "applicationSecret": "app-secret-ghi",
    "pageId": "2002",
    "pageName": "Page",
    "pageAccessToken": "page-token-jkl",
    "callbackVerifyToken": "verify-mno",
}
SECRETS = ("line-secret-abc", "cc-secret-def", "app-secret-ghi", "page-token-jkl", "verify-mno")


def test_registration_stores_no_secret_and_overwrites_by_id(sandbox):
    for platform, attributes in (("line", LINE), ("messenger", MESSENGER)):
        answer = sandbox.post(
            "/ott/v1/registration", {"ottPlatformName": platform, "ottPlatformAttributes": attributes}
        )
        assert answer.status_code == 201, answer.content
        assert not any(secret in answer.content.decode() for secret in SECRETS)
    renamed = dict(LINE, channelName="Shop renamed", isActive=0)
    sandbox.post("/ott/v1/registration", {"ottPlatformName": "line", "ottPlatformAttributes": renamed})
    line = SandboxRegistration.objects.get(platform="line")
    assert (line.sender_id, line.name, line.is_active) == ("1001", "Shop renamed", False)
    stored = repr(list(SandboxRegistration.objects.values()))
    assert not any(secret in stored for secret in SECRETS)


@pytest.mark.parametrize(
    ("platform", "attributes", "missing"),
    [
        ("line", {"channelId": "1"}, ["channelName must be provided", "channelSecret must be provided"]),
        (
            "messenger",
            {"pageId": "1", "pageName": "P"},
            ["applicationId must be provided", "applicationSecret must be provided"],
        ),
    ],
)
def test_registration_names_each_missing_attribute(sandbox, platform, attributes, missing):
    answer = sandbox.post("/ott/v1/registration", {"ottPlatformName": platform, "ottPlatformAttributes": attributes})
    assert answer.status_code == 400
    assert [e["message"] for e in answer.json()["validationErrors"]] == missing
    assert not SandboxRegistration.objects.exists()


def test_registration_refuses_an_unknown_platform(sandbox):
    answer = sandbox.post("/ott/v1/registration", {"ottPlatformName": "whatsapp", "ottPlatformAttributes": {}})
    assert answer.json()["validationErrors"][0]["message"] == "ottPlatformName must be one of: line, messenger"


def test_registration_list_pages(sandbox):
    for i in range(5):
        SandboxRegistration.objects.create(
            platform="line", sender_id=str(100 + i), name=f"c{i}", attributes={"channelId": str(100 + i)}
        )
    first = sandbox.get("/ott/v1/registration/line", **{"$page": 1, "$pagesize": 2}).json()
    assert (first["count"], first["page"], first["pageSize"], len(first["items"])) == (5, 1, 2, 2)
    assert first["links"]["previous"] is None and "$page=2" in first["links"]["next"]
    last = sandbox.get("/ott/v1/registration/line", **{"$page": 3, "$pagesize": 2}).json()
    assert len(last["items"]) == 1 and last["links"]["next"] is None
    assert last["items"][0] == {"ottPlatformName": "line", "ottPlatformAttributes": {"channelId": "104"}}


@pytest.mark.parametrize(("params", "status"), [({"$page": "0"}, 400), ({"$pagesize": "x"}, 400), ({}, 200)])
def test_registration_list_checks_its_parameters(sandbox, params, status):
    assert sandbox.get("/ott/v1/registration/messenger", **params).status_code == status


def test_registration_list_of_an_unknown_platform_is_404(sandbox):
    assert sandbox.get("/ott/v1/registration/whatsapp").status_code == 404


def test_the_sandbox_is_not_served_when_turned_off():
    script = "import django; django.setup(); from django.urls import resolve; resolve('/sandbox/v2/token')"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ottportal.settings",
        "OTT_SANDBOX": "false",
        "OTT_AUTH_URL": "https://mc.example.test",
        "OTT_REST_URL": "https://mc.example.test",
        "OTT_CLIENT_ID": "client",
        "OTT_CLIENT_SECRET": "secret",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "Resolver404" in result.stderr


def test_registration_refuses_ids_and_names_too_long_to_store(sandbox):
    attributes = {"channelId": "1" * 65, "channelName": "n" * 201, "channelSecret": "s"}
    answer = sandbox.post("/ott/v1/registration", {"ottPlatformName": "line", "ottPlatformAttributes": attributes})
    assert answer.status_code == 400
    assert [e["message"] for e in answer.json()["validationErrors"]] == [
        "channelId must be at most 64 characters",
        "channelName must be at most 200 characters",
    ]
