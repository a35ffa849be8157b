"""The contract layer: every documented error of ott-v1-send.txt, with its exact message."""

from __future__ import annotations

import pytest

from ott import rules
from tests.ott.conftest import EXAMPLES, example, valid_body


def messages(body, **kwargs) -> list[str]:
    return [p.message for p in rules.check(body, **kwargs)]


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*-*.json") if "response" not in p.stem))
def test_every_published_example_passes_except_the_line_audio_sample(name):
    body = example(name)
    if name == "line-audio":
        # The sample says senderType "messenger" with empty customKeys: the documented rule refuses it.
        assert messages(body) == ["MessagingType must be provided as a Custom Key"]
    else:
        assert rules.check(body) == [], name


def _without(body: dict, path: str) -> dict:
    *parents, leaf = path.split(".")
    target = body
    for key in parents:
        target = target[key] if not key.isdigit() else target[int(key)]
    del target[leaf]
    return body


DOCUMENTED = [
    # (network, change, documented message, code, field)
    ("line", lambda b: _without(b, "from"), "From object must be provided", 10002, "from"),
    ("line", lambda b: _without(b, "from.senderId"), "Sender Id must be provided", 10002, "from.senderId"),
    ("line", lambda b: b["from"].update(senderId="  "), "Sender Id must be provided", 10002, "from.senderId"),
    ("line", lambda b: _without(b, "from.senderType"), "Sender Type must be provided", 10002, "from.senderType"),
    ("line", lambda b: _without(b, "to"), "To object must be provided", 10002, "to"),
    ("line", lambda b: _without(b, "message"), "Message object must be provided", 10002, "message"),
    ("line", lambda b: _without(b, "message.contents"), "Message contents must be provided", 10002, "message.contents"),
    (
        "line",
        lambda b: b["message"].update(contents=[]),
        "Message contents must be provided",
        10002,
        "message.contents",
    ),
    (
        "line",
        lambda b: _without(b, "message.contents.0.type"),
        "Content Type for all message contents must be provided",
        10002,
        "message.contents[1].type",
    ),
    (
        "line",
        lambda b: b["message"]["contents"][0].update(text=""),
        "Text attribute must be provided for Text type Message Content",
        10002,
        "message.contents[1].text",
    ),
    (
        "line",
        lambda b: b["message"].update(contents=[{"type": "image", "altUrl": "https://e.com/p.jpg"}]),
        "Url attribute must be provided for Image, File, Audio and Video type Message Content",
        10002,
        "message.contents[1].url",
    ),
    (
        "messenger",
        lambda b: b["message"].update(contents=[{"type": "video"}]),
        "Url attribute must be provided for Image, File, Audio and Video type Message Content",
        10002,
        "message.contents[1].url",
    ),
    ("line", lambda b: _without(b, "validityPeriod"), "Validity Period must be provided", 10002, "validityPeriod"),
    (
        "line",
        lambda b: b["message"].update(contents=[{"type": "text", "text": "x"}] * 6),
        "Message object cannot contain more than 5 message objects",
        10004,
        "message.contents",
    ),
    (
        "messenger",
        lambda b: b["message"].update(contents=[{"type": "text", "text": "x"}] * 2),
        "Message object cannot contain more than 1 message objects",
        10004,
        "message.contents",
    ),
    (
        "messenger",
        lambda b: b["message"].update(customKeys=[]),
        "MessagingType must be provided as a Custom Key",
        10002,
        "message.customKeys.messagingType",
    ),
    (
        "messenger",
        lambda b: b["message"].update(customKeys=[{"messagingType": "MESSAGE_TAG"}]),
        "Tag must be provided as a Custom Key when MessagingType is provided as MESSAGE_TAG",
        10002,
        "message.customKeys.tag",
    ),
    (
        "messenger",
        lambda b: b.update(to={"ottId": "", "userReference": None}),
        "Either OttId or UserReference must be provided in the To object",
        10002,
        "to",
    ),
    (
        "line",
        lambda b: b.update(to={"userReference": "abc"}),
        "OttId must be provided in the To object",
        10002,
        "to.ottId",
    ),
    # Stated by the doc without a message: LINE image/video need altUrl, LINE audio needs duration.
    (
        "line",
        lambda b: b["message"].update(contents=[{"type": "image", "url": "https://e.com/a.jpg"}]),
        "AltUrl attribute must be provided for Image and Video type Message Content on LINE",
        10002,
        "message.contents[1].altUrl",
    ),
    (
        "line",
        lambda b: b["message"].update(contents=[{"type": "audio", "url": "https://e.com/a.m4a"}]),
        "Duration attribute must be provided for Audio type Message Content on LINE",
        10002,
        "message.contents[1].duration",
    ),
    (
        "line",
        lambda b: b["message"].update(contents=[{"type": "native"}]),
        "Native Payload attribute must be provided for Native type Message Content",
        10002,
        "message.contents[1].nativePayload",
    ),
    ("line", lambda b: _without(b, "messageKey"), "Message Key must be provided", 10002, "messageKey"),
    (
        "line",
        lambda b: b["from"].update(senderType="whatsapp"),
        "Sender Type must be one of: line, messenger",
        10007,
        "from.senderType",
    ),
    (
        "line",
        lambda b: b["message"]["contents"][0].update(type="file"),
        "Content Type must be one of: text, image, audio, video, native",
        10007,
        "message.contents[1].type",
    ),
]


@pytest.mark.parametrize(("network", "change", "message", "code", "field"), DOCUMENTED)
def test_each_documented_error(network, change, message, code, field):
    body = valid_body(network)
    change(body)
    problems = rules.check(body, network_rules=False)
    assert [(p.message, p.code, p.field) for p in problems] == [(message, code, field)]


@pytest.mark.parametrize(
    ("network", "message", "field"),
    [
        ("messenger", "Either OttId or UserReference must be provided in the To object", "to"),
        ("line", "OttId must be provided in the To object", "to.ottId"),
    ],
)
def test_an_empty_to_object_is_a_to_object_without_ids(network, message, field):
    body = valid_body(network, to={})
    problems = rules.check(body, network_rules=False)
    assert [(p.message, p.code, p.field) for p in problems] == [(message, 10002, field)]


@pytest.mark.parametrize("to", [None, [], "U123", 5])
def test_a_to_that_is_not_an_object_is_still_missing(to):
    body = valid_body("line", to=to)
    assert messages(body, network_rules=False) == ["To object must be provided"]


def test_messenger_accepts_a_user_reference_alone():
    body = valid_body("messenger", to={"userReference": "1938cd4d"})
    assert rules.check(body) == []


def test_keys_match_case_insensitively_and_payload_stands_for_native_payload():
    body = {
        "MESSAGEKEY": "k-1",
        "From": {"SENDERTYPE": "line", "senderid": "2145435435632435"},
        "TO": {"OTTID": "U4234"},
        "Message": {
            "Contents": [{"TYPE": "native", "Payload": {"type": "sticker", "packageId": "1", "stickerId": "2"}}]
        },
        "validityperiod": "30",
    }
    assert rules.check(body) == []
    assert rules.normalize(body)["message"]["contents"][0]["nativePayload"]["stickerId"] == "2"


def test_numbers_or_strings_for_validity_period_and_attachment_id(messenger_body):
    messenger_body["validityPeriod"] = "30"
    messenger_body["message"]["contents"] = [
        {"type": "image", "url": "https://e.com/a.jpg", "attachmentId": 12345, "isReusable": True}
    ]
    assert rules.check(messenger_body) == []
    messenger_body["message"]["contents"][0]["attachmentId"] = "12345"
    assert rules.check(messenger_body) == []


def test_all_errors_of_a_request_come_at_once_in_a_stable_order():
    body = {
        "messageKey": "k",
        "from": {"senderType": "line"},
        "to": {"userReference": "r"},
        "message": {"contents": [{"type": "text"}, {"type": "image"}, {}]},
    }
    expected = [
        "Sender Id must be provided",
        "Content Type for all message contents must be provided",
        "Text attribute must be provided for Text type Message Content",
        "Url attribute must be provided for Image, File, Audio and Video type Message Content",
        "AltUrl attribute must be provided for Image and Video type Message Content on LINE",
        "Validity Period must be provided",
        "OttId must be provided in the To object",
    ]
    assert messages(body) == expected
    assert messages(body) == expected  # deterministic
    assert [p.block for p in rules.check(body)][1:5] == [3, 1, 2, 2]


@pytest.mark.parametrize("body", [None, [], "text", 42, [{"messageKey": "k"}]])
def test_a_body_that_is_not_an_object_is_one_clear_problem(body):
    assert messages(body) == ["The request body must be a JSON object"]


@pytest.mark.parametrize(
    "odd",
    [
        {"from": "line"},
        {"to": ["x"]},
        {"message": "hi"},
        {"message": {"contents": "hi"}},
        {"message": {"contents": [None, 3, "x"]}},
        {"message": {"customKeys": "x", "contents": [{}]}},
    ],
)
def test_odd_shapes_never_raise(odd):
    body = valid_body("messenger")
    body.update(odd)
    assert rules.check(body)


def test_custom_keys_as_one_object_or_a_list_of_objects(messenger_body):
    messenger_body["message"]["customKeys"] = {"messagingType": "MESSAGE_TAG", "tag": "ACCOUNT_UPDATE"}
    assert rules.check(messenger_body) == []
    messenger_body["message"]["customKeys"] = [{"messagingType": "MESSAGE_TAG"}, {"tag": "ACCOUNT_UPDATE"}]
    assert rules.check(messenger_body) == []
