"""Properties of ott.rules over generated input: it never raises, it is deterministic, every problem
names a field and carries a message and a code, and a valid body stays valid under key casing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ott import native, rules
from ott.payloads import Block, Message, build_send_body

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
KEYS = [
    "messageKey",
    "messageGroupKey",
    "from",
    "to",
    "message",
    "validityPeriod",
    "senderType",
    "senderId",
    "ottId",
    "userReference",
    "contents",
    "type",
    "text",
    "url",
    "altUrl",
    "nativePayload",
    "customKeys",
]
body_like = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), json_values, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, body_like))
def test_never_raises_is_deterministic_and_names_every_field(body):
    first = rules.check(body)
    assert first == rules.check(body)
    for problem in first:
        assert problem.field and problem.message and isinstance(problem.code, int)
        assert problem.layer in ("contract", "network")


texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200).filter(str.strip)


@settings(max_examples=200, deadline=None)
@given(texts, st.sampled_from(["line", "messenger"]), st.booleans())
def test_a_built_text_message_is_valid_and_stays_valid_whatever_the_key_case(text, network, upper):
    message = Message(
        network=network,
        sender_id="123",
        blocks=(Block(type="text", text=text),),
        messaging_type="UPDATE" if network == "messenger" else "",
    )
    body = build_send_body(message, message_key="k-1", ott_id="U1")
    assert rules.check(body) == []

    def recase(value):
        if isinstance(value, dict):
            return {(k.upper() if upper else k.lower()): recase(v) for k, v in value.items()}
        if isinstance(value, list):
            return [recase(v) for v in value]
        return value

    assert rules.check(recase(body)) == []


# Native payloads: shapes close enough to real ones that the walkers go deep (every key they read).
NATIVE_KEYS = [
    "type", "text", "altText", "template", "actions", "action", "columns", "label", "uri", "altUri", "desktop",
    "data", "displayText", "quickReply", "items", "imageUrl", "sender", "name", "iconUrl", "contents", "body",
    "hero", "footer", "header", "url", "previewUrl", "altContent", "baseUrl", "baseSize", "video", "externalLink",
    "linkUri", "title", "thumbnailImageUrl", "defaultAction", "originalContentUrl", "previewImageUrl",
    "attachment", "payload", "template_type", "elements", "buttons", "quick_replies", "content_type",
    "image_url", "subtitle", "default_action", "messenger_extensions", "attachment_id",
]  # fmt: skip
TYPES = ["text", "template", "buttons", "confirm", "carousel", "image_carousel", "flex", "bubble", "box", "button",
         "image", "video", "uri", "postback", "message", "imagemap", "camera", "richmenuswitch", "file", "generic",
         "web_url", "action"]  # fmt: skip
native_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(TYPES),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(NATIVE_KEYS), children | st.sampled_from(TYPES), max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(native_like, st.sampled_from(["line", "messenger"]))
def test_native_checks_never_raise_and_name_a_place(payload, network):
    found = native.problems(network, payload)
    assert found == native.problems(network, payload)
    for finding in found:
        assert isinstance(finding.path, str) and finding.message
