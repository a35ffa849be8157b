"""The fast path's stored body is byte for byte what `send_body` stored through the payload field
would be: text, native JSON, emoji and CJK, with and without a userReference or a messageGroupKey,
a recipient's filled message; on SQLite (the JSON text kept as it is) and PostgreSQL (jsonb)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from django.db import connection, transaction
from django.utils import timezone

from messages.delivery_rows import Bodies, DeliveryWriter, message_keys
from messages.models import Delivery, Send
from ott.payloads import Block, Message, message_template, send_body

pytestmark = pytest.mark.django_db

NATIVE = {"type": "flex", "altText": "セール “50%” off\\n", "contents": {"type": "bubble", "size": None, "n": 1.5}}
MESSAGES = {
    "text": Message(blocks=(Block("text", text="Hello"),)),
    "cjk and emoji": Message(blocks=(Block("text", text='こんにちは 世界 😀👍🏽 "quoted" \\ tab\t'),), subject="件名"),
    "native": Message(blocks=(Block("text", text="a"), Block("native", native_payload=NATIVE))),
    "group key": Message(blocks=(Block("text", text="b"),), message_group_key="spring-2026", validity_period=600),
}
RECIPIENTS = [("U1", ""), ("", "cust-1"), ("U2", "cust-ü 2"), ("Uüñ😀", "ref")]


def _template(sender, message: Message) -> dict:
    return message_template(replace(message, network=sender.network, sender_id=sender.sender_id))


def _stored_text(pk: int) -> str:
    """The payload column as the database keeps it (jsonb's own text on PostgreSQL)."""
    cast = "payload::text" if connection.vendor == "postgresql" else "payload"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cast} FROM {Delivery._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.parametrize("name", MESSAGES)
def test_the_body_text_is_what_json_dumps_makes_of_send_body(line_sender, name):
    template = _template(line_sender, MESSAGES[name])
    bodies = Bodies(template)
    key = str(uuid.uuid4())
    for ott_id, reference in RECIPIENTS:
        expected = json.dumps(send_body(template, message_key=key, ott_id=ott_id, user_reference=reference))
        assert bodies.body(key, ott_id, reference) == expected
    filled = {**template["message"], "contents": [{"type": "text", "text": "花子さん 🌸"}]}
    expected = json.dumps({**send_body(template, message_key=key, ott_id="U1"), "message": filled})
    assert bodies.body(key, "U1", "", filled) == expected


@pytest.mark.parametrize("name", MESSAGES)
def test_a_delivery_written_fast_is_stored_as_one_saved_through_the_field(marketer, line_draft, name):
    template = _template(line_draft.sender, MESSAGES[name])
    send = Send.objects.create(
        draft=line_draft,
        draft_name="x",
        sender=line_draft.sender,
        sender_name="x",
        network="line",
        template=template,
        created_by=marketer,
    )
    writer = DeliveryWriter(send)
    with transaction.atomic():
        writer.write([writer.row(ott_id, reference) for ott_id, reference in RECIPIENTS])
    fast = list(Delivery.objects.filter(send=send).order_by("id"))
    assert len(fast) == len(RECIPIENTS)
    for delivery, (ott_id, reference) in zip(fast, RECIPIENTS, strict=True):
        key = str(delivery.message_key)
        body = send_body(template, message_key=key, ott_id=ott_id, user_reference=reference)
        assert delivery.payload == body
        saved = Delivery.objects.create(
            send=send, network="line", sender=line_draft.sender, message_key=uuid.uuid4(), payload=body
        )
        assert _stored_text(delivery.pk) == _stored_text(saved.pk)
        if connection.vendor == "sqlite":
            assert _stored_text(delivery.pk) == json.dumps(body)
        assert (delivery.ott_id, delivery.user_reference, delivery.status) == (ott_id, reference, "queued")
        assert delivery.created_at <= timezone.now() and delivery.finished_at is None
        assert (delivery.attempts, delivery.validation_errors, delivery.network_events) == (0, [], [])


def test_message_keys_are_time_ordered_version_7_uuids():
    keys = message_keys(per_read=16)
    drawn = [next(keys) for _ in range(1000)]
    assert len(set(drawn)) == 1000
    for key in drawn:
        value = uuid.UUID(key)
        assert value.version == 7 and value.variant == uuid.RFC_4122 and value.hex == key
    assert drawn[0][:12] <= drawn[-1][:12]  # the time first: later keys sort after earlier ones
