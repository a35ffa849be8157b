"""Drafts are saved only when the body they would send passes every rule."""

from __future__ import annotations

from dataclasses import replace

import pytest

from messages.models import Draft
from messages.services import DraftInvalid, DraftProblem, draft_check, draft_create, draft_update
from ott.payloads import Block, Message, build_send_body
from senders.models import Sender
from senders.services import SenderError, sender_delete

THREE_LINE_BLOCKS = (
    Block("text", text="セール開始 😀 ลดราคา مرحبا"),
    Block("image", url="https://e.com/a.jpg", alt_url="https://e.com/p.jpg"),
    Block("native", native_payload={"type": "sticker", "packageId": "446", "stickerId": "1988"}),
)


def text(value: str = "hi", **fields) -> Message:
    return Message(blocks=(Block("text", text=value),), **fields)


def test_a_line_draft_with_three_blocks_round_trips_any_script(marketer, line_sender):
    message = Message(blocks=THREE_LINE_BLOCKS, subject="Spring")
    draft = draft_create(owner=marketer, name="Spring sale", sender=line_sender, message=message)
    stored = Draft.objects.get(pk=draft.pk)
    assert [b.position for b in stored.blocks.all()] == [1, 2, 3]
    body = build_send_body(stored.to_message(), message_key="k", ott_id="U1")
    assert body["message"]["contents"][0]["text"] == "セール開始 😀 ลดราคา مرحبا"
    assert body["message"]["contents"][1] == {
        "type": "image",
        "url": "https://e.com/a.jpg",
        "altUrl": "https://e.com/p.jpg",
    }
    assert body["from"] == {"senderType": "line", "senderId": "2000000001"}


def test_an_inactive_sender_cannot_be_chosen(marketer, line_sender):
    line_sender.is_active = False
    line_sender.save()
    with pytest.raises(DraftInvalid) as caught:
        draft_create(owner=marketer, name="x", sender=line_sender, message=text())
    assert caught.value.errors == {"sender": ["Demo LINE is inactive: choose an active sender."]}
    assert not Draft.objects.exists()


def test_switching_to_messenger_reports_the_limit_and_loses_nothing(marketer, line_sender, messenger_sender):
    message = Message(blocks=THREE_LINE_BLOCKS)
    draft = draft_create(owner=marketer, name="Spring", sender=line_sender, message=message)
    with pytest.raises(DraftInvalid) as caught:
        draft_update(draft=draft, name="Spring", sender=messenger_sender, message=message)
    errors = caught.value.errors
    assert errors["contents"] == ["Message object cannot contain more than 1 message objects"]
    assert errors["messaging_type"] == ["MessagingType must be provided as a Custom Key"]
    draft.refresh_from_db()
    assert draft.sender == line_sender and draft.blocks.count() == 3


def test_message_tag_needs_a_tag(marketer, messenger_sender):
    tagged = text("Your order shipped", messaging_type="MESSAGE_TAG")
    with pytest.raises(DraftInvalid) as caught:
        draft_create(owner=marketer, name="n", sender=messenger_sender, message=tagged)
    assert caught.value.errors == {
        "tag": ["Tag must be provided as a Custom Key when MessagingType is provided as MESSAGE_TAG"]
    }
    draft = draft_create(
        owner=marketer, name="n", sender=messenger_sender, message=replace(tagged, tag="POST_PURCHASE_UPDATE")
    )
    assert draft.to_message().tag == "POST_PURCHASE_UPDATE"


def test_block_errors_name_the_block_and_field(marketer, line_sender):
    message = Message(blocks=(Block("text", text="ok"), Block("video", url="http://e.com/v.mp4")))
    with pytest.raises(DraftInvalid) as caught:
        draft_create(owner=marketer, name="n", sender=line_sender, message=message)
    assert caught.value.errors == {
        "contents[2].alt_url": ["AltUrl attribute must be provided for Image and Video type Message Content on LINE"],
        "contents[2].url": ["Block 2 (video): url must be an https:// URL."],
    }


def test_problems_keep_their_place_as_block_and_field(marketer, line_sender, messenger_sender):
    buttons = {"type": "template", "altText": "a", "template": {"type": "buttons", "text": "t" * 161, "actions": []}}
    message = Message(blocks=(Block("text", text="ok"), Block("native", native_payload=buttons)))
    body, problems = draft_check(sender=line_sender, message=message)
    assert body["message"]["contents"][1]["nativePayload"] == buttons
    assert {(p.block, p.field) for p in problems} == {(2, "native_payload")}
    assert problems[0].key == "contents[2].native_payload"
    assert [p.advice for p in problems] == [
        "In the native payload, at template.actions: 0 actions given; LINE needs 1 to 4.",
        "In the native payload, at template.text: 161 characters; LINE allows at most 160.",
    ]
    _, problems = draft_check(sender=messenger_sender, message=text(notification_type="LOUD"))
    assert [(p.block, p.field, p.documented) for p in problems] == [
        (None, "messaging_type", True),
        (None, "notification_type", False),
    ]


def test_the_body_is_built_once_from_the_one_shape(line_sender):
    body, problems = draft_check(sender=line_sender, message=text("two\nlines", subject="Hi"))
    assert problems == []
    assert body == build_send_body(
        Message("line", line_sender.sender_id, (Block("text", text="two\nlines"),), subject="Hi"),
        message_key=body["messageKey"],
        ott_id=body["to"]["ottId"],
    )


def test_an_inactive_sender_is_named_with_the_active_ones_to_choose(line_sender, messenger_sender):
    line_sender.is_active = False
    line_sender.save()
    _, problems = draft_check(sender=line_sender, message=text())
    assert problems == [
        DraftProblem(
            "sender",
            "Demo LINE is inactive: choose an active sender.",
            advice="Demo LINE was deactivated by an admin, so nothing can be sent from it. "
            "Choose an active sender: Demo page (Messenger).",
        )
    ]


def test_a_native_payload_nested_too_deep_is_refused_before_the_body_is_built(marketer, line_sender):
    payload: dict = {"type": "text", "text": "x"}
    for _ in range(500):  # deep enough that copying it into a body would exhaust Python's recursion limit
        payload = {"a": payload}
    body, problems = draft_check(sender=line_sender, message=Message(blocks=(Block("native", native_payload=payload),)))
    assert body is None
    (problem,) = problems
    assert (problem.block, problem.field) == (1, "native_payload")
    assert problem.message.startswith("native_payload.a.a.a") and "more than 32 levels" in problem.message
    with pytest.raises(DraftInvalid):
        draft_create(
            owner=marketer,
            name="n",
            sender=line_sender,
            message=Message(blocks=(Block("native", native_payload=payload),)),
        )
    assert not Draft.objects.exists()


def test_a_sender_with_drafts_can_only_be_deactivated(marketer, line_sender):
    draft_create(owner=marketer, name="n", sender=line_sender, message=text())
    with pytest.raises(SenderError, match="can only be deactivated"):
        sender_delete(sender=line_sender, user=marketer)
    assert Sender.objects.filter(pk=line_sender.pk).exists()
