"""The sandbox refuses what LINE and Messenger refuse, as the network's `Error` event, and answers an
empty To object as Marketing Cloud does."""

from __future__ import annotations

import copy
import uuid

import pytest

from tests.ott.conftest import valid_body
from tests.ott.test_native_fixtures import LINE_CASES, MESSENGER_CASES


@pytest.fixture(autouse=True)
def _events_at_once(settings):
    settings.SANDBOX_EVENT_STEP_SECONDS = 0


def native_body(network: str, payload: dict) -> dict:
    body = valid_body(network, messageKey=str(uuid.uuid4()))
    body["message"]["contents"] = [{"type": "native", "nativePayload": copy.deepcopy(payload)}]
    return body


def final_event(sandbox, body) -> dict:
    answer = sandbox.post("/ott/v1/send", body)
    assert answer.status_code == 201, answer.json()
    return sandbox.get(f"/ott/v1/send/{body['messageKey']}").json()["status"][-1]


@pytest.mark.parametrize(
    ("network", "message"),
    [
        ("messenger", "Either OttId or UserReference must be provided in the To object"),
        ("line", "OttId must be provided in the To object"),
    ],
)
def test_an_empty_to_object_gets_the_networks_own_message(sandbox, registered, network, message):
    body = valid_body(network, to={})
    answer = sandbox.post("/ott/v1/send", body)
    assert answer.status_code == 400
    assert answer.json()["validationErrors"] == [{"message": message, "errorcode": 10002, "documentation": ""}]


def test_a_missing_to_object_is_still_missing(sandbox, registered):
    body = valid_body("line")
    del body["to"]
    answer = sandbox.post("/ott/v1/send", body)
    assert [e["message"] for e in answer.json()["validationErrors"]] == ["To object must be provided"]


@pytest.mark.parametrize(
    ("name", "entry"), LINE_CASES + MESSENGER_CASES, ids=[n for n, _ in LINE_CASES + MESSENGER_CASES]
)
def test_every_sdk_and_sample_payload_is_delivered(sandbox, registered, name, entry):
    network = "messenger" if name.startswith("messenger") else "line"
    event = final_event(sandbox, native_body(network, entry["payload"]))
    if entry.get("refused"):
        assert event["event"] == "Error"
        assert all(path in event["reason"] for path in entry["refused"])
    else:
        assert event == {"event": "Sent", "eventDateTime": event["eventDateTime"]}


def test_a_line_payload_past_a_limit_ends_in_an_error_event_naming_its_path(sandbox, registered):
    button = {"type": "action", "action": {"type": "message", "label": "🇯🇵" * 21, "text": "yes"}}
    payload = {"type": "text", "text": "Pick", "quickReply": {"items": [button] * 14}}
    event = final_event(sandbox, native_body("line", payload))
    assert event["event"] == "Error"
    assert event["reason"] == "; ".join(
        ["Block 1 (native): quickReply.items: 14 items given; LINE allows at most 13."]
        + [
            f"Block 1 (native): quickReply.items[{n}].action.label: 21 characters; LINE allows at most 20."
            for n in range(1, 15)
        ]
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (
            {
                "type": "template",
                "altText": "🍎" * 201,
                "template": {"type": "confirm", "text": "Sure?", "actions": []},
            },
            "Block 1 (native): altText: 402 UTF-16 code units (an emoji counts 2); LINE allows at most 400.; "
            "Block 1 (native): template.actions: 0 actions given; LINE needs exactly 2.",
        ),
        (
            {"type": "image", "originalContentUrl": "https://e.com/a.jpg"},
            "Block 1 (native): previewImageUrl: missing; LINE requires it.",
        ),
        (
            {"type": "flex", "altText": "a", "contents": {"type": "carousel", "contents": [{"type": "bubble"}] * 13}},
            "Block 1 (native): contents.contents: 13 bubbles given; LINE allows at most 12.",
        ),
    ],
)
def test_the_sandbox_refuses_what_line_refuses(sandbox, registered, payload, reason):
    event = final_event(sandbox, native_body("line", payload))
    assert (event["event"], event["reason"]) == ("Error", reason)


def test_a_messenger_http_attachment_is_delivered(sandbox, registered):
    body = valid_body("messenger", messageKey=str(uuid.uuid4()))
    body["message"]["contents"] = [{"type": "image", "url": "http://www.messenger-rocks.com/image.jpg"}]
    assert final_event(sandbox, body)["event"] == "Sent"
    payload = {"attachment": {"type": "image", "payload": {"url": "http://www.messenger-rocks.com/image.jpg"}}}
    assert final_event(sandbox, native_body("messenger", payload))["event"] == "Sent"


def test_messenger_quick_replies_past_13_end_in_an_error_event(sandbox, registered):
    reply = {"content_type": "text", "title": "Red", "payload": "RED"}
    event = final_event(sandbox, native_body("messenger", {"text": "Pick", "quick_replies": [reply] * 14}))
    assert event == {
        "event": "Error",
        "eventDateTime": event["eventDateTime"],
        "reason": "Block 1 (native): quick_replies: 14 quick replies given; Messenger allows at most 13.",
    }
