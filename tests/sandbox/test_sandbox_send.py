"""The sandbox's send and status endpoints answer as Marketing Cloud does."""

from __future__ import annotations

import copy
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from sandbox.models import SandboxAttempt, SandboxMessage, SandboxRegistration, SandboxToken
from tests.ott.conftest import EXAMPLES, example, valid_body
from tests.sandbox.conftest import SandboxClient

VALID_EXAMPLES = sorted(
    p.stem for p in EXAMPLES.glob("*-*.json") if "response" not in p.stem and p.stem != "line-audio"
)


@pytest.mark.parametrize("name", VALID_EXAMPLES)
def test_every_published_example_is_accepted(sandbox, registered, name):
    answer = sandbox.post("/ott/v1/send", example(name))
    assert answer.status_code == 201, answer.json()
    assert set(answer.json()) == {"ottRequestId"}
    assert SandboxMessage.objects.get(ott_request_id=answer.json()["ottRequestId"]).accepted_count == 1


def test_the_line_audio_sample_is_refused_as_written(sandbox, registered):
    answer = sandbox.post("/ott/v1/send", example("line-audio"))
    assert answer.status_code == 400
    assert answer.json()["validationErrors"] == [
        {"message": "MessagingType must be provided as a Custom Key", "errorcode": 10002, "documentation": ""}
    ]


def test_the_malformed_line_native_example_gets_a_clean_400(sandbox, registered):
    raw = (EXAMPLES / "line-native.malformed.txt").read_text()
    answer = sandbox.post("/ott/v1/send", raw)
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["message"].startswith("The request body is not valid JSON: Expecting property name")
    assert "line 43 column 9" in answer.json()["message"]


def test_a_refusal_is_the_documented_envelope(sandbox, registered):
    body = valid_body("line")
    body["message"]["contents"] = []
    answer = sandbox.post("/ott/v1/send", body)
    assert answer.status_code == 400
    assert answer.json() == example("error-response")


def test_several_errors_come_together(sandbox, registered):
    answer = sandbox.post("/ott/v1/send", {"messageKey": "k", "validityPeriod": 30})
    assert [e["message"] for e in answer.json()["validationErrors"]] == [
        "From object must be provided",
        "To object must be provided",
        "Message object must be provided",
    ]


@pytest.mark.parametrize("active", [None, False])
def test_an_unregistered_or_inactive_sender_is_refused(sandbox, active):
    if active is not None:
        SandboxRegistration.objects.create(platform="line", sender_id="503868699681937", name="x", is_active=active)
    answer = sandbox.post("/ott/v1/send", valid_body("line"))
    assert answer.status_code == 400
    assert answer.json()["validationErrors"][0]["message"] == "Sender Id provided is either unregistered or inactive"


def test_a_duplicate_message_key_is_accepted_once_and_answered_with_the_same_id(sandbox, registered):
    first = sandbox.post("/ott/v1/send", valid_body("line"))
    second = sandbox.post("/ott/v1/send", valid_body("line"))
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    message = SandboxMessage.objects.get()
    assert message.accepted_count == 2  # the witness: a client that resends shows up here


def test_no_token_or_an_expired_one_is_401(registered):
    anonymous = SandboxClient()
    answer = anonymous.post("/ott/v1/send", valid_body("line"))
    assert answer.status_code == 401 and answer.json()["message"].startswith("Not Authorized")
    SandboxToken.objects.create(token="expired-token", expires_at=timezone.now() - timedelta(seconds=1))
    anonymous.token = "expired-token"
    assert anonymous.post("/ott/v1/send", valid_body("line")).status_code == 401


def test_bodies_over_1_mb_are_413(sandbox, registered):
    body = valid_body("line")
    body["message"]["contents"][0]["text"] = "x" * (1024 * 1024)
    answer = sandbox.post("/ott/v1/send", body)
    assert answer.status_code == 413 and "larger than 1,048,576 bytes" in answer.json()["message"]


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "null", "\xff\xfe", "[" * 100_000])
def test_non_object_or_unreadable_json_is_400(sandbox, raw):
    answer = sandbox.post("/ott/v1/send", raw.encode("latin-1") if raw.startswith("\xff") else raw)
    assert answer.status_code == 400
    assert answer.json()["message"]


def test_wrong_method_is_405_json(sandbox):
    answer = sandbox.http.delete("/sandbox/ott/v1/send")
    assert answer.status_code == 405 and answer["Allow"] == "POST"
    assert "DELETE" in answer.json()["message"]


def test_unknown_sandbox_address_is_404_json(sandbox):
    answer = sandbox.get("/ott/v2/whatever")
    assert answer.status_code == 404 and answer.json()["message"] == "No sandbox endpoint at /sandbox/ott/v2/whatever"


def _to(body, ott_id):
    body = copy.deepcopy(body)
    body["to"] = {"ottId": ott_id}
    return body


def test_fault_500(sandbox, registered):
    answer = sandbox.post("/ott/v1/send", _to(valid_body("line"), "sandbox-fail-500"))
    assert answer.status_code == 500 and answer.json()["message"]
    assert not SandboxMessage.objects.exists()


def test_fault_429_with_retry_after(sandbox, registered):
    answer = sandbox.post("/ott/v1/send", _to(valid_body("line"), "sandbox-fail-429"))
    assert answer.status_code == 429 and answer["Retry-After"] == "1"
    assert answer.json()["errorcode"] == 50100 and answer.json()["retryAfter"] == 1


def test_fault_flaky_fails_the_first_n_attempts_of_a_message_key(sandbox, registered):
    body = _to(valid_body("line"), "sandbox-flaky-2")
    codes = [sandbox.post("/ott/v1/send", body).status_code for _ in range(3)]
    assert codes == [503, 503, 201]
    assert SandboxAttempt.objects.get(message_key=body["messageKey"]).count == 3
    other = dict(body, messageKey="another-key")
    assert sandbox.post("/ott/v1/send", other).status_code == 503


def test_fault_slow_answers_late(sandbox, registered):
    started = time.monotonic()
    answer = sandbox.post("/ott/v1/send", _to(valid_body("line"), "sandbox-slow-300"))
    assert answer.status_code == 201
    assert time.monotonic() - started >= 0.3


def test_status_events_advance_with_time(sandbox, registered, settings):
    settings.SANDBOX_EVENT_STEP_SECONDS = 3600
    body = valid_body("line")
    request_id = sandbox.post("/ott/v1/send", body).json()["ottRequestId"]
    answer = sandbox.get(f"/ott/v1/send/{body['messageKey']}")
    assert answer.status_code == 200
    assert answer.json()["requestBody"] == body
    assert [e["event"] for e in answer.json()["status"]] == ["Created"]
    settings.SANDBOX_EVENT_STEP_SECONDS = 0
    events = sandbox.get(f"/ott/v1/send/{request_id}").json()["status"]
    assert [e["event"] for e in events] == ["Created", "Queued", "Sent"]
    assert events[0]["eventDateTime"].endswith("Z")


def test_network_error_recipient_ends_with_an_error_event(sandbox, registered, settings):
    settings.SANDBOX_EVENT_STEP_SECONDS = 0
    body = _to(valid_body("line"), "sandbox-network-error")
    assert sandbox.post("/ott/v1/send", body).status_code == 201
    events = sandbox.get(f"/ott/v1/send/{body['messageKey']}").json()["status"]
    assert [e["event"] for e in events] == ["Created", "Queued", "Error"]
    assert "could not deliver" in events[-1]["reason"]


def test_a_message_breaking_a_network_limit_is_accepted_then_errors(sandbox, registered, settings):
    settings.SANDBOX_EVENT_STEP_SECONDS = 0
    body = valid_body("line")
    body["message"]["contents"][0]["text"] = "😀" * 2501
    assert sandbox.post("/ott/v1/send", body).status_code == 201
    error = sandbox.get(f"/ott/v1/send/{body['messageKey']}").json()["status"][-1]
    assert error["event"] == "Error"
    assert error["reason"] == "Block 1 (text): text is 5,002 UTF-16 code units; LINE allows at most 5,000."


def test_unknown_message_is_404(sandbox):
    answer = sandbox.get("/ott/v1/send/nope")
    assert answer.status_code == 404 and answer.json()["message"] == "No message found for messageId nope"


def test_sandbox_reset_forgets_everything(sandbox, registered):
    sandbox.post("/ott/v1/send", valid_body("line"))
    call_command("sandbox_reset", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not SandboxMessage.objects.exists()
    assert not SandboxRegistration.objects.exists()
    assert not SandboxToken.objects.exists()


def test_a_message_key_over_100_characters_is_refused_cleanly(sandbox, registered):
    body = _to(valid_body("line"), "sandbox-flaky-1")
    body["messageKey"] = "k" * 101
    answer = sandbox.post("/ott/v1/send", body)
    assert answer.status_code == 400
    assert answer.json()["validationErrors"][0]["message"] == "Message Key must be at most 100 characters"
    body["messageKey"] = "k" * 100
    assert sandbox.post("/ott/v1/send", body).status_code == 503  # accepted for processing: the flaky fault
