"""The migration that stops storing bodies keeps what made each one: a delivery whose stored message
differed from its send's template keeps that message, the others keep nothing, and the rebuilt body
is the body that was stored. Going back rebuilds the stored bodies."""

from __future__ import annotations

import json
import uuid

import pytest

from messages.bodies import Bodies
from ott.payloads import send_body
from tests.messages.migrating import COUNT_TRIGGERS, count_triggers, latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ott_messages", "0015_recipientlist_audience")]
AFTER = [("ott_messages", "0016_delivery_body_rebuilt")]


def test_own_messages_are_kept_and_bodies_come_back_the_same(line_sender):
    apps = migrate(BEFORE)
    Send, Delivery = apps.get_model("ott_messages", "Send"), apps.get_model("ott_messages", "Delivery")
    template = {
        "from": {"ottId": line_sender.sender_id, "network": "line"},
        "message": {"contents": [{"type": "text", "text": "Hello {{ first_name }} 😀"}]},
        "validityPeriod": 86400,
    }
    send = Send.objects.create(
        draft_name="x", sender_id=line_sender.pk, sender_name="x", network="line", template=template
    )
    own = {"contents": [{"type": "text", "text": "Hello 花子 😀"}]}
    bodies = {}
    for ott_id, message in (("U1", None), ("U2", own)):
        key = str(uuid.uuid4())
        body = send_body(template, message_key=key, ott_id=ott_id)
        if message:
            body["message"] = message
        Delivery.objects.create(
            send=send, network="line", sender_id=line_sender.pk, message_key=key, ott_id=ott_id, payload=body
        )
        bodies[ott_id] = body

    apps = migrate(AFTER)
    Delivery = apps.get_model("ott_messages", "Delivery")
    rows = {d.ott_id: d for d in Delivery.objects.filter(send_id=send.pk)}
    assert rows["U1"].message == "" and json.loads(rows["U2"].message) == own
    for ott_id, row in rows.items():
        rebuilt = Bodies(template).body(str(row.message_key), row.ott_id, row.user_reference, row.message)
        assert json.loads(rebuilt) == bodies[ott_id]

    assert count_triggers() == COUNT_TRIGGERS

    apps = migrate(BEFORE)
    Delivery = apps.get_model("ott_messages", "Delivery")
    assert {d.ott_id: d.payload for d in Delivery.objects.filter(send_id=send.pk)} == bodies
    assert count_triggers() == COUNT_TRIGGERS
    migrate(latest())
