"""The network layer: each LINE and Messenger limit at its edge (limit passes, limit + 1 fails)."""

from __future__ import annotations

import pytest

from ott import rules
from ott.networks import utf16_length
from tests.ott.conftest import valid_body

EMOJI = "😀"  # outside the BMP: 1 character, 2 UTF-16 code units
KANJI = "日"  # 1 character, 1 UTF-16 code unit


def with_blocks(network: str, *blocks: dict, **custom) -> dict:
    body = valid_body(network)
    body["message"]["contents"] = list(blocks)
    if custom:
        body["message"]["customKeys"] = [custom]
    return body


def problems(body) -> list[tuple[str, str, int]]:
    return [(p.field, p.message, p.code) for p in rules.check(body) if p.layer == "network"]


def test_utf16_counts_emoji_as_two():
    assert utf16_length(EMOJI * 3 + KANJI) == 7


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (KANJI * 5000, True),
        (KANJI * 5001, False),
        (EMOJI * 2500, True),  # 5,000 code units
        (EMOJI * 2500 + "a", False),  # 5,001 code units in only 2,501 characters
    ],
)
def test_line_text_limit_in_utf16_code_units(text, ok):
    found = problems(with_blocks("line", {"type": "text", "text": text}))
    if ok:
        assert found == []
    else:
        assert found == [
            (
                "message.contents[1].text",
                f"Block 1 (text): text is {utf16_length(text):,} UTF-16 code units; LINE allows at most 5,000.",
                20001,
            )
        ]


@pytest.mark.parametrize(("text", "ok"), [(EMOJI * 2000, True), (EMOJI * 2001, False), ("ก" * 2001, False)])
def test_messenger_text_limit_in_characters(text, ok):
    found = problems(with_blocks("messenger", {"type": "text", "text": text}, messagingType="RESPONSE"))
    assert (found == []) is ok
    if not ok:
        assert "Messenger allows at most 2,000" in found[0][1]


def test_urls_must_be_https_and_line_urls_at_most_2000():
    base = "https://example.com/"
    at_limit = base + "a" * (2000 - len(base))
    assert problems(with_blocks("line", {"type": "image", "url": at_limit, "altUrl": at_limit})) == []
    over = at_limit + "a"
    found = problems(with_blocks("line", {"type": "image", "url": over, "altUrl": "http://example.com/p.jpg"}))
    assert [f for f, _, _ in found] == ["message.contents[1].url", "message.contents[1].altUrl"]
    assert "url is 2,001 characters; LINE allows at most 2,000." in found[0][1]
    assert found[1][1] == "Block 1 (image): altUrl must be an https:// URL."


@pytest.mark.parametrize(
    ("duration", "ok"),
    [(1, True), ("13141", True), (0, False), (-5, False), (1.5, False), ("ten", False), (True, False)],
)
def test_duration_is_a_positive_whole_number_of_milliseconds(duration, ok):
    body = with_blocks("line", {"type": "audio", "url": "https://e.com/a.m4a", "duration": duration})
    found = problems(body)
    assert (found == []) is ok, found
    if not ok:
        assert found[0][1] == "Block 1 (audio): duration must be a positive whole number of milliseconds."


@pytest.mark.parametrize("field", ["isReusable", "attachmentId"])
def test_attachment_reuse_only_on_messenger(field):
    value = True if field == "isReusable" else "123"
    block = {"type": "image", "url": "https://e.com/a.jpg", "altUrl": "https://e.com/p.jpg", field: value}
    assert problems(with_blocks("line", block)) == [
        (f"message.contents[1].{field}", f"Block 1 (image): {field} is only supported for Messenger.", 20004)
    ]
    assert problems(with_blocks("messenger", block, messagingType="UPDATE")) == []


@pytest.mark.parametrize(
    ("keys", "field"),
    [
        ({"messagingType": "response"}, "messagingType"),
        ({"messagingType": "MESSAGE_TAG", "tag": "PROMO"}, "tag"),
        ({"messagingType": "UPDATE", "notificationType": "LOUD"}, "notificationType"),
    ],
)
def test_messenger_enums(keys, field):
    found = problems(with_blocks("messenger", {"type": "text", "text": "hi"}, **keys))
    assert [f for f, _, code in found if code == 20005] == [f"message.customKeys.{field}"]


def test_every_allowed_tag_passes():
    for tag in ("ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "HUMAN_AGENT", "CUSTOMER_FEEDBACK"):
        body = with_blocks(
            "messenger",
            {"type": "text", "text": "hi"},
            messagingType="MESSAGE_TAG",
            tag=tag,
            notificationType="SILENT_PUSH",
        )
        assert rules.check(body) == []


def test_message_keys_at_most_100_characters(line_body):
    line_body["messageKey"] = "k" * 100
    line_body["messageGroupKey"] = "g" * 101
    assert [f for f, _, _ in problems(line_body)] == ["messageGroupKey"]


def test_recipient_ids_without_control_characters(line_body):
    line_body["to"] = {"ottId": "U123\x00"}
    assert problems(line_body) == [("to.ottId", "ottId must not contain control characters.", 20007)]


# --- native payloads ---------------------------------------------------------------------------------
def line_native(payload: dict) -> list[str]:
    return [m for _, m, _ in problems(with_blocks("line", {"type": "native", "nativePayload": payload}))]


def buttons(n_actions=1, **template) -> dict:
    actions = [{"type": "postback", "label": f"L{i}", "data": "d"} for i in range(n_actions)]
    return {
        "type": "template",
        "altText": "alt",
        "template": {"type": "buttons", "text": "t", "actions": actions, **template},
    }


def test_native_payload_must_be_an_object():
    assert line_native([1, 2]) == ["Block 1 (native): nativePayload must be a JSON object."]


def test_line_template_alt_text_required_and_at_most_400():
    assert line_native({**buttons(), "altText": "a" * 400}) == []
    assert line_native({**buttons(), "altText": "a" * 401}) == [
        "Block 1 (native): altText is 401 characters; at most 400."
    ]
    payload = buttons()
    del payload["altText"]
    assert line_native(payload) == ["Block 1 (native): altText is required."]


def test_line_buttons_at_most_4_actions_and_text_limits():
    assert line_native(buttons(4)) == []
    assert line_native(buttons(5)) == ["Block 1 (native): buttons actions: 5 given, 1 to 4 allowed."]
    assert line_native(buttons(text="t" * 160)) == []
    assert line_native(buttons(text="t" * 161)) == ["Block 1 (native): buttons text is 161 characters; at most 160."]
    assert line_native(buttons(text="t" * 60, title="Menu")) == []
    assert "(with an image or title) is 61 characters; at most 60." in line_native(buttons(text="t" * 61, title="M"))[0]
    assert line_native(buttons(title="T" * 41))[0].endswith("buttons title is 41 characters; at most 40.")


def test_line_confirm_needs_exactly_two_actions():
    confirm = {
        "type": "template",
        "altText": "a",
        "template": {
            "type": "confirm",
            "text": "Sure?",
            "actions": [
                {"type": "message", "label": "Yes", "text": "yes"},
                {"type": "message", "label": "No", "text": "no"},
            ],
        },
    }
    assert line_native(confirm) == []
    confirm["template"]["actions"].pop()
    assert line_native(confirm) == ["Block 1 (native): confirm actions: 1 given, exactly 2 allowed."]


def test_line_carousel_columns_and_actions():
    def column(n):
        return {"text": "c", "actions": [{"type": "uri", "label": "Go", "uri": "https://e.com"}] * n}

    carousel = {"type": "template", "altText": "a", "template": {"type": "carousel", "columns": [column(3)] * 10}}
    assert line_native(carousel) == []
    carousel["template"]["columns"] = [column(3)] * 11
    assert line_native(carousel) == ["Block 1 (native): carousel columns: 11 given, 1 to 10 allowed."]
    carousel["template"]["columns"] = [column(2), column(1)]
    assert line_native(carousel) == ["Block 1 (native): every carousel column must have the same number of actions."]
    carousel["template"]["columns"] = [column(4)]
    assert line_native(carousel) == ["Block 1 (native): column actions: 4 given, 1 to 3 allowed."]


def test_line_action_limits():
    payload = buttons()
    payload["template"]["actions"] = [
        {"type": "postback", "label": "L" * 21, "data": "d" * 301},
        {"type": "uri", "label": "ok", "uri": "https://e.com/" + "u" * 1000},
    ]
    assert line_native(payload) == [
        "Block 1 (native): action label is 21 characters; at most 20.",
        "Block 1 (native): postback data is 301 characters; at most 300.",
        "Block 1 (native): action uri is 1,014 characters; at most 1,000.",
    ]


def test_line_sticker_and_location_need_their_fields():
    assert line_native({"type": "sticker", "packageId": "446", "stickerId": "1988"}) == []
    assert line_native({"type": "sticker", "packageId": "446"}) == ["Block 1 (native): sticker stickerId is required."]
    assert (
        line_native({"type": "location", "title": "HQ", "address": "Tokyo", "latitude": 35.6, "longitude": 139.7}) == []
    )
    assert line_native({"type": "location", "title": "HQ"}) == [
        "Block 1 (native): location address is required.",
        "Block 1 (native): location latitude is required.",
        "Block 1 (native): location longitude is required.",
    ]
    assert line_native({"text": "no type"})[0].startswith("Block 1 (native): a LINE message object needs a type")


def messenger_native(payload: dict) -> list[str]:
    body = with_blocks("messenger", {"type": "native", "nativePayload": payload}, messagingType="RESPONSE")
    return [m for _, m, _ in problems(body)]


def generic(n_elements=1, n_buttons=1, **element) -> dict:
    element = {"title": "Hat", "buttons": [{"type": "postback", "title": "B", "payload": "P"}] * n_buttons, **element}
    return {
        "attachment": {"type": "template", "payload": {"template_type": "generic", "elements": [element] * n_elements}}
    }


def test_messenger_generic_template_limits():
    assert messenger_native(generic(10, 3, title="T" * 80, subtitle="S" * 80)) == []
    assert messenger_native(generic(11)) == ["Block 1 (native): generic template elements: 11 given, 1 to 10 allowed."]
    assert messenger_native(generic(1, 4)) == ["Block 1 (native): buttons: 4 given, at most 3 allowed."]
    assert messenger_native(generic(title="T" * 81)) == [
        "Block 1 (native): element title is 81 characters; at most 80."
    ]
    assert messenger_native(generic(subtitle="S" * 81)) == [
        "Block 1 (native): element subtitle is 81 characters; at most 80."
    ]


def test_messenger_button_template_limits():
    def button_template(text, n):
        return {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": text,
                    "buttons": [{"type": "postback", "title": "B"}] * n,
                },
            }
        }

    assert messenger_native(button_template("t" * 640, 3)) == []
    assert messenger_native(button_template("t" * 641, 3)) == [
        "Block 1 (native): button template text is 641 characters; at most 640."
    ]
    assert messenger_native(button_template("t", 0)) == ["Block 1 (native): buttons: 0 given, 1 to 3 allowed."]


def test_messenger_file_attachment_must_be_https():
    payload = {"attachment": {"type": "file", "payload": {"url": "http://e.com/a.pdf"}}}
    assert messenger_native(payload) == ["Block 1 (native): the attachment url must be an https:// URL."]


def test_every_network_error_names_block_field_and_limit():
    body = with_blocks("line", {"type": "text", "text": "x"}, {"type": "text", "text": KANJI * 5001})
    (problem,) = [p for p in rules.check(body) if p.layer == "network"]
    assert problem.block == 2
    assert problem.field == "message.contents[2].text"
    assert "Block 2" in problem.message and "5,000" in problem.message
