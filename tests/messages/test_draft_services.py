"""Drafts are saved only when the body they would send passes every rule."""

from __future__ import annotations

import pytest

from messages.models import Draft
from messages.services import DraftInvalid, draft_create, draft_update, field_name
from ott.payloads import build_send_body
from senders.models import Sender
from senders.services import SenderError, sender_delete

THREE_LINE_BLOCKS = [
    {"type": "text", "text": "セール開始 😀 ลดราคา مرحبا"},
    {"type": "image", "url": "https://e.com/a.jpg", "alt_url": "https://e.com/p.jpg"},
    {"type": "native", "native_payload": {"type": "sticker", "packageId": "446", "stickerId": "1988"}},
]


def test_a_line_draft_with_three_blocks_round_trips_any_script(marketer, line_sender):
    draft = draft_create(
        owner=marketer, name="Spring sale", sender=line_sender, blocks=THREE_LINE_BLOCKS, subject="Spring"
    )
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
        draft_create(owner=marketer, name="x", sender=line_sender, blocks=[{"type": "text", "text": "hi"}])
    assert caught.value.errors == {"sender": ["Demo LINE is inactive: choose an active sender."]}
    assert not Draft.objects.exists()


def test_switching_to_messenger_reports_the_limit_and_loses_nothing(marketer, line_sender, messenger_sender):
    draft = draft_create(owner=marketer, name="Spring", sender=line_sender, blocks=THREE_LINE_BLOCKS)
    with pytest.raises(DraftInvalid) as caught:
        draft_update(draft=draft, name="Spring", sender=messenger_sender, blocks=THREE_LINE_BLOCKS)
    errors = caught.value.errors
    assert errors["contents"] == ["Message object cannot contain more than 1 message objects"]
    assert errors["messaging_type"] == ["MessagingType must be provided as a Custom Key"]
    draft.refresh_from_db()
    assert draft.sender == line_sender and draft.blocks.count() == 3


def test_message_tag_needs_a_tag(marketer, messenger_sender):
    blocks = [{"type": "text", "text": "Your order shipped"}]
    with pytest.raises(DraftInvalid) as caught:
        draft_create(owner=marketer, name="n", sender=messenger_sender, blocks=blocks, messaging_type="MESSAGE_TAG")
    assert caught.value.errors == {
        "tag": ["Tag must be provided as a Custom Key when MessagingType is provided as MESSAGE_TAG"]
    }
    draft = draft_create(
        owner=marketer,
        name="n",
        sender=messenger_sender,
        blocks=blocks,
        messaging_type="MESSAGE_TAG",
        tag="POST_PURCHASE_UPDATE",
    )
    assert draft.to_message().tag == "POST_PURCHASE_UPDATE"


def test_block_errors_name_the_block_and_field(marketer, line_sender):
    blocks = [{"type": "text", "text": "ok"}, {"type": "video", "url": "http://e.com/v.mp4"}]
    with pytest.raises(DraftInvalid) as caught:
        draft_create(owner=marketer, name="n", sender=line_sender, blocks=blocks)
    assert caught.value.errors == {
        "contents[2].alt_url": ["AltUrl attribute must be provided for Image and Video type Message Content on LINE"],
        "contents[2].url": ["Block 2 (video): url must be an https:// URL."],
    }


def test_rule_paths_map_to_draft_fields():
    assert field_name("message.contents[3].nativePayload.template.text") == "contents[3].native_payload"
    assert field_name("message.customKeys.notificationType") == "notification_type"
    assert field_name("validityPeriod") == "non_field_errors"


def test_a_sender_with_drafts_can_only_be_deactivated(marketer, line_sender):
    draft_create(owner=marketer, name="n", sender=line_sender, blocks=[{"type": "text", "text": "hi"}])
    with pytest.raises(SenderError, match="can only be deactivated"):
        sender_delete(sender=line_sender, user=marketer)
    assert Sender.objects.filter(pk=line_sender.pk).exists()
