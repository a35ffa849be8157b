from __future__ import annotations

from ott import rules
from ott.payloads import Block, Message, build_send_body, message_template, send_body
from tests.ott.conftest import example


def test_messenger_text_body_is_exactly_the_published_example():
    message = Message(
        network="messenger",
        sender_id="503868699681937",
        subject="Message Name",
        message_group_key="CanBeAGUIDorAny100UnicodeCharString",
        messaging_type="RESPONSE",
        blocks=(Block(type="text", text="thanks for purchase"),),
    )
    body = build_send_body(
        message,
        message_key="e1c35141-6e5c-4bc2-813b-60f969e52b0d",
        ott_id="FBfacdb735074f7c492c0bf190fa99020",
        user_reference="1938cd4d34cc4db0b109756b8a9b14ff",
    )
    assert body == example("messenger-text")
    assert list(body) == ["messageKey", "messageGroupKey", "from", "to", "message", "validityPeriod"]


def test_line_image_body_matches_the_published_example_with_canonical_keys():
    message = Message(
        network="line",
        sender_id="503868699681937",
        subject="Message Name",
        message_group_key="CanBeAGUIDorAny100UnicodeCharString",
        blocks=(
            Block(type="image", url="https://example.com/original.jpg", alt_url="https://example.com/preview.jpg"),
        ),
    )
    body = build_send_body(
        message,
        message_key="e1c35141-6e5c-4bc2-813b-60f969e52b0d",
        ott_id="FBfacdb735074f7c492c0bf190fa99020",
        user_reference="1938cd4d34cc4db0b109756b8a9b14ff",
    )
    published = rules.normalize(example("line-image"))
    published["message"].pop("customKeys")  # empty: left out
    assert body == published


def test_empty_optional_fields_are_left_out():
    message = Message(network="line", sender_id="1", blocks=(Block(type="text", text="hi"),))
    body = build_send_body(message, message_key="k", ott_id="U1")
    assert body == {
        "messageKey": "k",
        "from": {"senderType": "line", "senderId": "1"},
        "to": {"ottId": "U1"},
        "message": {"contents": [{"type": "text", "text": "hi"}]},
        "validityPeriod": 30,
    }


def test_custom_keys_are_one_object_and_tag_only_with_message_tag():
    tagged = Message(
        network="messenger",
        sender_id="1",
        messaging_type="MESSAGE_TAG",
        tag="ACCOUNT_UPDATE",
        notification_type="NO_PUSH",
        blocks=(Block(type="text", text="x"),),
    )
    assert message_template(tagged)["message"]["customKeys"] == [
        {"messagingType": "MESSAGE_TAG", "tag": "ACCOUNT_UPDATE", "notificationType": "NO_PUSH"}
    ]
    update = Message(
        network="messenger",
        sender_id="1",
        messaging_type="UPDATE",
        tag="ACCOUNT_UPDATE",
        blocks=(Block(type="text", text="x"),),
    )
    assert message_template(update)["message"]["customKeys"] == [{"messagingType": "UPDATE"}]


def test_every_block_field_in_camel_case():
    block = Block(type="native", native_payload={"type": "sticker", "packageId": "1", "stickerId": "2"})
    audio = Block(type="audio", url="https://e.com/a.m4a", duration=13141)
    message = Message(network="line", sender_id="1", blocks=(block, audio), validity_period=60)
    template = message_template(message)
    assert template["message"]["contents"] == [
        {"type": "native", "nativePayload": {"type": "sticker", "packageId": "1", "stickerId": "2"}},
        {"type": "audio", "url": "https://e.com/a.m4a", "duration": 13141},
    ]
    assert template["validityPeriod"] == 60
    reuse = Block(type="image", url="https://e.com/a.jpg", is_reusable=True, attachment_id="12345")
    assert message_template(Message(network="messenger", sender_id="1", blocks=(reuse,)))["message"]["contents"] == [
        {"type": "image", "url": "https://e.com/a.jpg", "isReusable": True, "attachmentId": "12345"}
    ]


def test_one_template_serves_many_recipients_without_sharing_state():
    template = message_template(Message(network="line", sender_id="1", blocks=(Block(type="text", text="hi"),)))
    first = send_body(template, message_key="a", ott_id="U1")
    second = send_body(template, message_key="b", ott_id="U2")
    first["message"]["contents"][0]["text"] = "changed"
    assert second["message"]["contents"][0]["text"] == "hi"
    assert (first["to"], second["to"]) == ({"ottId": "U1"}, {"ottId": "U2"})
