"""Integration: the real OttClient over HTTP against the live sandbox (no mocks)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from ott.client import TOKENS, Accepted, Failed, OttClient, Rejected, SendStatus
from sandbox.models import SandboxMessage
from tests.ott.conftest import valid_body

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server) -> OttClient:
    TOKENS.clear()
    base = f"{live_server.url}/sandbox"
    return OttClient(
        auth_url=base,
        rest_url=base,
        client_id=settings.OTT_CLIENT_ID,
        client_secret=settings.OTT_CLIENT_SECRET,
        read_timeout=5,
    )


@pytest.fixture
def line_sender(client) -> str:
    outcome = client.register("line", {"channelId": "503868699681937", "channelName": "Demo", "channelSecret": "s"})
    assert isinstance(outcome, Accepted), outcome
    return "503868699681937"


def body_to(ott_id: str, key: str = "k-1") -> dict:
    body = valid_body("line", messageKey=key)
    body["to"] = {"ottId": ott_id}
    return body


def test_register_list_send_and_status(client, line_sender, settings):
    settings.SANDBOX_EVENT_STEP_SECONDS = 0
    client.register("messenger", {"applicationId": "a", "applicationSecret": "s", "pageId": "77", "pageName": "P"})
    assert [i["ottPlatformAttributes"]["channelId"] for i in client.list_registrations("line")] == [line_sender]
    assert len(client.list_registrations("messenger")) == 1

    outcome = client.send(body_to("U1"))
    assert isinstance(outcome, Accepted) and outcome.http_status == 201
    status = client.get_send_status("k-1")
    assert isinstance(status, SendStatus) and status.found
    assert [e["event"] for e in status.events] == ["Created", "Queued", "Sent"]
    assert client.get_send_status(outcome.ott_request_id).request_body["messageKey"] == "k-1"
    assert client.get_send_status("unknown") == SendStatus(found=False)


def test_list_registrations_follows_pages_of_the_sandbox(client):
    for i in range(7):
        client.register("line", {"channelId": str(i), "channelName": f"c{i}", "channelSecret": "s"})
    assert len(client.list_registrations("line", page_size=3)) == 7


def test_a_refusal_is_rejected_with_the_documented_messages(client, line_sender):
    body = body_to("U1")
    body["message"]["contents"] = []
    outcome = client.send(body)
    assert isinstance(outcome, Rejected) and outcome.errorcode == 10006
    assert outcome.validation_errors[0]["message"] == "Message contents must be provided"


def test_fault_500_and_429_are_transient(client, line_sender):
    server_error = client.send(body_to("sandbox-fail-500"))
    assert isinstance(server_error, Failed) and server_error.transient and server_error.http_status == 500
    limited = client.send(body_to("sandbox-fail-429", "k-2"))
    assert isinstance(limited, Failed) and limited.transient and limited.retry_after == 1.0


def test_fault_flaky_then_accepted_with_the_same_key(client, line_sender):
    outcomes = [client.send(body_to("sandbox-flaky-2")) for _ in range(3)]
    assert [getattr(o, "http_status", None) for o in outcomes] == [503, 503, 201]
    assert SandboxMessage.objects.get(message_key="k-1").accepted_count == 1


def test_fault_slow_past_the_read_timeout_is_ambiguous(live_server, line_sender):
    base = f"{live_server.url}/sandbox"
    impatient = OttClient(
        auth_url=base,
        rest_url=base,
        client_id=settings.OTT_CLIENT_ID,
        client_secret=settings.OTT_CLIENT_SECRET,
        read_timeout=0.3,
    )
    outcome = impatient.send(body_to("sandbox-slow-1500"))
    assert isinstance(outcome, Failed) and outcome.ambiguous and outcome.transient and outcome.http_status == 0
    time.sleep(1.5)  # the sandbox finishes the request anyway: the status lookup tells
    assert impatient.get_send_status("k-1").found


def test_fault_network_error_is_accepted_then_errors(client, line_sender, settings):
    settings.SANDBOX_EVENT_STEP_SECONDS = 0
    assert isinstance(client.send(body_to("sandbox-network-error")), Accepted)
    assert client.get_send_status("k-1").events[-1]["event"] == "Error"


def test_an_expired_token_is_renewed_transparently(client, line_sender):
    from sandbox.models import SandboxToken

    assert isinstance(client.send(body_to("U1")), Accepted)
    SandboxToken.objects.all().delete()  # Marketing Cloud forgot it (expired early)
    assert isinstance(client.send(body_to("U2", "k-2")), Accepted)


def test_wrong_credentials_are_a_permanent_failure(live_server):
    TOKENS.clear()
    base = f"{live_server.url}/sandbox"
    outcome = OttClient(auth_url=base, rest_url=base, client_id="x", client_secret="y").send(body_to("U1"))
    assert isinstance(outcome, Failed) and not outcome.transient and outcome.http_status == 401


def test_connection_refused_is_transient_and_not_ambiguous():
    TOKENS.clear()
    nowhere = "http://127.0.0.1:9"
    outcome = OttClient(auth_url=nowhere, rest_url=nowhere, client_id="x", client_secret="y").send(body_to("U1"))
    assert isinstance(outcome, Failed) and outcome.transient and not outcome.ambiguous
