"""Admins register senders with Marketing Cloud (the live sandbox, and a mocked one for refusals)."""

from __future__ import annotations

import json
import logging

import pytest
import responses
from django.core import serializers

from ott.client import TOKENS
from sandbox.models import SandboxRegistration
from senders.models import Sender, SenderChange
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

LINE_FORM = {
    "sender_id": "1657000001",
    "name": "Tokyo store",
    "channel_secret": "line-channel-secret-111",
    "customer_connect_secret": "line-cc-secret-222",
    "is_transactional": "on",
    "endpoint_url": "https://hooks.example.com/line",
    "is_active": "on",
}
MESSENGER_FORM = {
    "application_id": "app-42",
    "application_secret": "fb-app-secret-333",
    "sender_id": "503868699681937",
    "name": "Hat shop",
    "page_access_token": "fb-page-token-444",
    "callback_verify_token": "fb-verify-555",
    "is_active": "on",
}
SECRETS = ["line-channel-secret-111", "line-cc-secret-222", "fb-app-secret-333", "fb-page-token-444", "fb-verify-555"]


def everything_stored() -> str:
    return serializers.serialize(
        "json", [*Sender.objects.all(), *SenderChange.objects.all(), *SandboxRegistration.objects.all()]
    )


def test_admin_registers_a_line_channel_and_a_messenger_page(admin, live_sandbox, caplog):
    client = client_for(admin)
    with caplog.at_level(logging.DEBUG):
        line = client.post("/senders/register/line/", LINE_FORM)
        messenger = client.post("/senders/register/messenger/", MESSENGER_FORM)
    assert line.status_code == messenger.status_code == 302
    sender = Sender.objects.get(network="line")
    assert (sender.sender_id, sender.name, sender.is_active, sender.registered_by) == (
        "1657000001",
        "Tokyo store",
        True,
        admin,
    )
    assert sender.attributes == {
        "channelId": "1657000001",
        "channelName": "Tokyo store",
        "isTransactional": 1,
        "isTestChannel": 0,
        "endpointUrl": "https://hooks.example.com/line",
        "isActive": 1,
    }
    assert sender.last_synced_at is not None
    assert SandboxRegistration.objects.filter(platform="messenger", sender_id="503868699681937").exists()
    pages = "".join(
        client.get(url).content.decode()
        for url in ["/senders/", f"/senders/{sender.pk}/", f"/senders/{sender.pk}/reregister/"]
    )
    api = client.get("/api/v1/senders/").content.decode()
    for secret in SECRETS:
        assert secret not in everything_stored() + caplog.text + pages + api, secret


def test_marketing_cloud_refusal_shows_why_and_saves_nothing(admin, live_sandbox, settings):
    settings.OTT_REST_URL = f"{live_sandbox}/misconfigured"
    response = client_for(admin).post("/senders/register/line/", LINE_FORM)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved." in body
    assert "Marketing Cloud refused it: No sandbox endpoint at /sandbox/misconfigured/ott/v1/registration" in body
    assert not Sender.objects.exists() and not SenderChange.objects.exists()
    assert "line-channel-secret-111" not in body, "a secret was echoed back into the form"


def test_a_validation_refusal_from_marketing_cloud_is_shown(admin, settings):
    settings.OTT_AUTH_URL = settings.OTT_REST_URL = "https://mc.example.test"
    TOKENS.clear()
    with responses.RequestsMock() as mc:
        mc.post("https://mc.example.test/v2/token", json={"access_token": "t-123456789", "expires_in": 1000})
        mc.post(
            "https://mc.example.test/ott/v1/registration",
            status=400,
            json={
                "message": "Please fix the following errors",
                "errorcode": 10006,
                "validationErrors": [{"message": "Channel line-channel-secret-111 is not valid", "errorcode": 10002}],
            },
        )
        response = client_for(admin).post("/senders/register/line/", LINE_FORM)
        sent = json.loads(mc.calls[1].request.body)
    body = response.content.decode()
    assert "Marketing Cloud refused it: Please fix the following errors; Channel [redacted] is not valid" in body
    assert sent == {
        "ottPlatformName": "line",
        "ottPlatformAttributes": {
            "channelId": "1657000001",
            "channelName": "Tokyo store",
            "channelSecret": "line-channel-secret-111",
            "customerConnectSecret": "line-cc-secret-222",
            "isTransactional": 1,
            "isTestChannel": 0,
            "endpointUrl": "https://hooks.example.com/line",
            "isActive": 1,
        },
    }
    assert not Sender.objects.exists()


def test_reregistration_needs_the_secrets_again_and_logs_the_change(admin, live_sandbox):
    client = client_for(admin)
    client.post("/senders/register/line/", LINE_FORM)
    sender = Sender.objects.get()
    without_secret = {k: v for k, v in LINE_FORM.items() if k != "channel_secret"} | {"name": "Osaka store"}
    refused = client.post(f"/senders/{sender.pk}/reregister/", without_secret)
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    client.post(f"/senders/{sender.pk}/reregister/", LINE_FORM | {"name": "Osaka store", "is_active": ""})
    sender.refresh_from_db()
    assert (sender.name, sender.is_active) == ("Osaka store", False)
    registration = SandboxRegistration.objects.get(platform="line")
    assert (registration.name, registration.is_active) == ("Osaka store", False)
    change = SenderChange.objects.filter(action="reregistered").get()
    assert change.changes["name"] == ["Tokyo store", "Osaka store"]
    assert change.user == admin


def test_a_duplicate_is_refused_before_marketing_cloud_is_called(admin, live_sandbox):
    client = client_for(admin)
    client.post("/senders/register/line/", LINE_FORM)
    SandboxRegistration.objects.all().delete()
    response = client.post("/senders/register/line/", LINE_FORM)
    assert "A LINE sender with Channel ID 1657000001 already exists." in response.content.decode()
    assert not SandboxRegistration.objects.exists()
