"""Messenger native payloads: each limit of the registry at its edge and one past it; http:// is a warning."""

from __future__ import annotations

import copy

import pytest

from ott import native
from ott.native.messenger import LIMITS

THAI = "ก"  # 1 character
APPLE = "🍎"  # 1 character (Messenger counts characters, not UTF-16 units)


def refusals(payload) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in native.problems("messenger", payload) if not f.warning]


def warnings(payload) -> list[str]:
    return [f.path for f in native.problems("messenger", payload) if f.warning]


def test_every_limit_names_its_meta_reference():
    assert LIMITS, "the registry is the one place Messenger's limits live"
    for name, limit in LIMITS.items():
        assert limit.value > 0, name
        assert "https://developers.facebook.com/docs/messenger-platform/reference/" in limit.source, name


def quick_replies(n: int, **reply) -> dict:
    one = {"content_type": "text", "title": "Red", "payload": "RED", **reply}
    return {"text": "Pick a color:", "quick_replies": [copy.deepcopy(one) for _ in range(n)]}


def test_quick_replies_at_most_13():
    assert refusals(quick_replies(13)) == []
    assert refusals(quick_replies(14)) == [("quick_replies", "14 quick replies given; Messenger allows at most 13.")]


@pytest.mark.parametrize(("title", "ok"), [(APPLE * 20, True), (APPLE * 21, False), (THAI * 20, True)])
def test_quick_reply_title_at_most_20(title, ok):
    assert (refusals(quick_replies(1, title=title)) == []) is ok
    if not ok:
        assert refusals(quick_replies(1, title=title)) == [
            ("quick_replies[1].title", "21 characters; Messenger allows at most 20.")
        ]


def test_quick_reply_payload_at_most_1000_and_required_for_text():
    assert refusals(quick_replies(1, payload="p" * 1000)) == []
    assert refusals(quick_replies(1, payload="p" * 1001)) == [
        ("quick_replies[1].payload", "1,001 characters; Messenger allows at most 1,000.")
    ]
    assert refusals(quick_replies(1, payload=12345)) == []  # "String or Number"
    no_payload = quick_replies(1)
    del no_payload["quick_replies"][0]["payload"]
    assert refusals(no_payload) == [("quick_replies[1].payload", "missing; Messenger requires it.")]
    # "May be set to an empty string if image_url is set."
    assert refusals(quick_replies(1, payload="", image_url="https://e.com/red.png")) == []


def test_quick_reply_content_type():
    assert refusals({"text": "Email?", "quick_replies": [{"content_type": "user_email"}]}) == []
    assert refusals(quick_replies(1, content_type="location")) == [
        ("quick_replies[1].content_type", "must be one of: text, user_phone_number, user_email.")
    ]


def test_quick_reply_http_image_is_a_warning():
    payload = quick_replies(1, image_url="http://example.com/img/red.png")
    assert refusals(payload) == []
    assert warnings(payload) == ["quick_replies[1].image_url"]


def button_template(*buttons, text="What next?") -> dict:
    inner = {"template_type": "button", "text": text, "buttons": list(buttons)}
    return {"attachment": {"type": "template", "payload": inner}}


@pytest.mark.parametrize(("title", "ok"), [(APPLE * 20, True), ("t" * 21, False)])
def test_button_title_at_most_20(title, ok):
    found = refusals(button_template({"type": "postback", "title": title, "payload": "P"}))
    assert (found == []) is ok
    if not ok:
        assert found == [("attachment.payload.buttons[1].title", "21 characters; Messenger allows at most 20.")]


def test_postback_payload_at_most_1000_and_required():
    assert refusals(button_template({"type": "postback", "title": "Go", "payload": "p" * 1000})) == []
    assert refusals(button_template({"type": "postback", "title": "Go", "payload": "p" * 1001})) == [
        ("attachment.payload.buttons[1].payload", "1,001 characters; Messenger allows at most 1,000.")
    ]
    assert refusals(button_template({"type": "postback", "title": "Go"})) == [
        ("attachment.payload.buttons[1].payload", "missing; Messenger requires it.")
    ]


@pytest.mark.parametrize(
    ("url", "extensions", "ok"),
    [
        ("http://www.example.com/", None, True),
        ("http://www.example.com/", False, True),
        ("https://www.example.com/", True, True),
        ("http://www.example.com/", True, False),
        ("http://www.example.com/", "true", False),
        ("javascript:alert(1)", None, False),
    ],
)
def test_web_url_must_be_https_only_with_messenger_extensions(url, extensions, ok):
    button = {"type": "web_url", "url": url, "title": "Open"}
    if extensions is not None:
        button["messenger_extensions"] = extensions
    found = refusals(button_template(button))
    assert (found == []) is ok
    if not ok:
        assert [path for path, _ in found] == ["attachment.payload.buttons[1].url"]


def test_generic_element_default_action_and_image():
    payload = {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "generic",
                "elements": [
                    {
                        "title": "Welcome!",
                        "image_url": "http://e.com/hat.png",
                        "default_action": {"type": "web_url", "url": "http://e.com/", "messenger_extensions": True},
                    }
                ],
            },
        }
    }
    assert refusals(payload) == [
        (
            "attachment.payload.elements[1].default_action.url",
            "must start with https:// when messenger_extensions is true.",
        )
    ]
    assert warnings(payload) == ["attachment.payload.elements[1].image_url"]


@pytest.mark.parametrize(("text", "ok"), [(APPLE * 2000, True), (THAI * 2001, False)])
def test_text_at_most_2000_characters(text, ok):
    assert (refusals({"text": text}) == []) is ok


@pytest.mark.parametrize("kind", ["image", "audio", "video", "file"])
def test_media_attachments_by_url_or_attachment_id(kind):
    assert refusals({"attachment": {"type": kind, "payload": {"url": "https://e.com/a"}}}) == []
    assert refusals({"attachment": {"type": kind, "payload": {"attachment_id": "1745504518999123"}}}) == []
    assert refusals({"attachment": {"type": kind, "payload": {"is_reusable": True}}}) == [
        ("attachment.payload.url", "missing; Messenger needs a url or an attachment_id.")
    ]
    over_http = {"attachment": {"type": kind, "payload": {"url": "http://e.com/a"}}}
    assert refusals(over_http) == [] and warnings(over_http) == ["attachment.payload.url"]
