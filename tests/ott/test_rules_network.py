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


def test_messenger_block_urls_over_http_are_a_warning_not_a_refusal():
    block = {"type": "image", "url": "http://www.messenger-rocks.com/image.jpg", "isReusable": True}
    body = with_blocks("messenger", block, messagingType="UPDATE")
    assert rules.check(body) == []
    (warning,) = rules.warnings(body)
    assert (warning.field, warning.block, warning.key, warning.warning) == ("message.contents[1].url", 1, "url", True)
    assert warning.message == (
        "Block 1 (image): url is not https://: Messenger accepts it, but the file travels unencrypted."
    )
    block["url"] = "www.messenger-rocks.com/image.jpg"
    assert problems(with_blocks("messenger", block, messagingType="UPDATE")) == [
        ("message.contents[1].url", "Block 1 (image): url must be a web address (https://…).", 20002)
    ]
    block["url"] = "https://www.messenger-rocks.com/image.jpg"
    assert rules.warnings(with_blocks("messenger", block, messagingType="UPDATE")) == []


def test_line_block_urls_over_http_are_still_refused():
    body = with_blocks("line", {"type": "image", "url": "http://e.com/a.jpg", "altUrl": "https://e.com/p.jpg"})
    assert [p.message for p in rules.check(body)] == ["Block 1 (image): url must be an https:// URL."]
    assert rules.warnings(body) == []


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


# --- native payloads (each network's own rules are tested in test_native_line/messenger.py) ------------
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


def test_a_native_problem_names_its_path_inside_the_payload():
    payload = buttons(5)
    body = with_blocks("line", {"type": "text", "text": "hi"}, {"type": "native", "nativePayload": payload})
    (problem,) = [p for p in rules.check(body) if p.layer == "network"]
    assert problem.field == "message.contents[2].nativePayload.template.actions"
    assert (problem.block, problem.key, problem.code) == (2, "nativePayload", 20006)
    assert problem.message == "Block 2 (native): template.actions: 5 actions given; LINE allows at most 4."
    assert problem.advice == "In the native payload, at template.actions: 5 actions given; LINE allows at most 4."


def test_line_template_alt_text_required_and_at_most_400_utf16_units():
    assert line_native({**buttons(), "altText": "a" * 400}) == []
    assert line_native({**buttons(), "altText": "a" * 401}) == [
        "Block 1 (native): altText: 401 UTF-16 code units (an emoji counts 2); LINE allows at most 400."
    ]
    payload = buttons()
    del payload["altText"]
    assert line_native(payload) == ["Block 1 (native): altText: missing; LINE requires it."]


def test_line_buttons_at_most_4_actions_and_text_limits():
    assert line_native(buttons(4)) == []
    assert line_native(buttons(5)) == ["Block 1 (native): template.actions: 5 actions given; LINE allows at most 4."]
    assert line_native(buttons(text="t" * 160)) == []
    assert line_native(buttons(text="t" * 161)) == [
        "Block 1 (native): template.text: 161 characters; LINE allows at most 160."
    ]
    assert line_native(buttons(text="t" * 60, title="Menu")) == []
    assert line_native(buttons(text="t" * 61, title="M")) == [
        "Block 1 (native): template.text: 61 characters; LINE allows at most 60 when there is an image or a title "
        "(160 without)."
    ]
    assert line_native(buttons(title="T" * 41)) == [
        "Block 1 (native): template.title: 41 characters; LINE allows at most 40."
    ]


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
    assert line_native(confirm) == ["Block 1 (native): template.actions: 1 action given; LINE needs exactly 2."]


def test_line_carousel_columns_and_actions():
    def column(n):
        return {"text": "c", "actions": [{"type": "uri", "label": "Go", "uri": "https://e.com"}] * n}

    carousel = {"type": "template", "altText": "a", "template": {"type": "carousel", "columns": [column(3)] * 10}}
    assert line_native(carousel) == []
    carousel["template"]["columns"] = [column(3)] * 11
    assert line_native(carousel) == ["Block 1 (native): template.columns: 11 columns given; LINE allows at most 10."]
    carousel["template"]["columns"] = [column(2), column(1)]
    assert line_native(carousel) == [
        "Block 1 (native): template.columns: every column must have the same number of actions."
    ]
    carousel["template"]["columns"] = [column(4)]
    assert line_native(carousel) == [
        "Block 1 (native): template.columns[1].actions: 4 actions given; LINE allows at most 3."
    ]


def test_line_action_limits():
    payload = buttons()
    payload["template"]["actions"] = [
        {"type": "postback", "label": "L" * 21, "data": "d" * 301},
        {"type": "uri", "label": "ok", "uri": "https://e.com/" + "u" * 1000},
    ]
    assert line_native(payload) == [
        "Block 1 (native): template.actions[1].data: 301 UTF-16 code units (an emoji counts 2); "
        "LINE allows at most 300.",
        "Block 1 (native): template.actions[1].label: 21 characters; LINE allows at most 20.",
        "Block 1 (native): template.actions[2].uri: 1,014 characters; LINE allows at most 1,000.",
    ]


def test_line_sticker_and_location_need_their_fields():
    assert line_native({"type": "sticker", "packageId": "446", "stickerId": "1988"}) == []
    assert line_native({"type": "sticker", "packageId": "446"}) == [
        "Block 1 (native): stickerId: missing; LINE requires it."
    ]
    assert (
        line_native({"type": "location", "title": "HQ", "address": "Tokyo", "latitude": 35.6, "longitude": 139.7}) == []
    )
    assert line_native({"type": "location", "title": "HQ"}) == [
        "Block 1 (native): address: missing; LINE requires it.",
        "Block 1 (native): latitude: missing; LINE requires it.",
        "Block 1 (native): longitude: missing; LINE requires it.",
    ]
    assert line_native({"text": "no type"}) == ["Block 1 (native): type: missing; LINE requires it."]


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
    assert messenger_native(generic(11)) == [
        "Block 1 (native): attachment.payload.elements: 11 elements given; Messenger allows at most 10."
    ]
    assert messenger_native(generic(1, 4)) == [
        "Block 1 (native): attachment.payload.elements[1].buttons: 4 buttons given; Messenger allows at most 3."
    ]
    assert messenger_native(generic(title="T" * 81)) == [
        "Block 1 (native): attachment.payload.elements[1].title: 81 characters; Messenger allows at most 80."
    ]
    assert messenger_native(generic(subtitle="S" * 81)) == [
        "Block 1 (native): attachment.payload.elements[1].subtitle: 81 characters; Messenger allows at most 80."
    ]


def test_messenger_button_template_limits():
    def button_template(text, n):
        return {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": text,
                    "buttons": [{"type": "postback", "title": "B", "payload": "P"}] * n,
                },
            }
        }

    assert messenger_native(button_template("t" * 640, 3)) == []
    assert messenger_native(button_template("t" * 641, 3)) == [
        "Block 1 (native): attachment.payload.text: 641 characters; Messenger allows at most 640."
    ]
    assert messenger_native(button_template("t", 0)) == [
        "Block 1 (native): attachment.payload.buttons: 0 buttons given; Messenger needs 1 to 3."
    ]


def test_messenger_http_attachment_is_a_warning_not_a_refusal():
    payload = {"attachment": {"type": "file", "payload": {"url": "http://e.com/a.pdf"}}}
    body = with_blocks("messenger", {"type": "native", "nativePayload": payload}, messagingType="RESPONSE")
    assert rules.check(body) == []
    (warning,) = rules.warnings(body)
    assert warning.warning and warning.field == "message.contents[1].nativePayload.attachment.payload.url"
    assert "plain http://" in warning.message
    payload["attachment"]["payload"]["url"] = "ftp://e.com/a.pdf"
    assert messenger_native(payload) == [
        "Block 1 (native): attachment.payload.url: must be the web address (https://…) of the file."
    ]


def test_every_network_error_names_block_field_and_limit():
    body = with_blocks("line", {"type": "text", "text": "x"}, {"type": "text", "text": KANJI * 5001})
    (problem,) = [p for p in rules.check(body) if p.layer == "network"]
    assert problem.block == 2
    assert problem.field == "message.contents[2].text"
    assert "Block 2" in problem.message and "5,000" in problem.message
