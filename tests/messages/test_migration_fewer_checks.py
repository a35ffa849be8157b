"""Migration 0018: the lease index holds only leased rows, and a delivery's sender and author have no
constraint in the database. SQLite copies the delivery table to drop those constraints: the counting
triggers (0013) must be there after it, both ways, and keep the counts right."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from tests.messages.migrating import count_triggers, latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ott_messages", "0017_stored_words")]
AFTER = [("ott_messages", "0018_delivery_fewer_checks")]
TRIGGERS = ["delivery_count_delete", "delivery_count_update"]


def _constrained_columns() -> set[str]:
    """The delivery table's columns that have a foreign key constraint in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT \"from\" FROM pragma_foreign_key_list('ott_messages_delivery')")
        else:
            cursor.execute(
                "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
                "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                "WHERE c.conrelid = 'ott_messages_delivery'::regclass AND c.contype = 'f'"
            )
        return {name for (name,) in cursor.fetchall()}


def _counts_hold(apps, send_id: int) -> None:
    """A status change and a delete are counted: the counters equal a COUNT of the deliveries."""
    Delivery, SendCount = apps.get_model("ott_messages", "Delivery"), apps.get_model("ott_messages", "SendCount")
    queued = Delivery.objects.filter(send_id=send_id, status="queued").order_by("id")
    Delivery.objects.filter(pk=queued[0].pk).update(status="sent")
    Delivery.objects.filter(pk=queued[0].pk).delete()
    kept: dict[str, int] = {}
    for status, n in SendCount.objects.filter(send_id=send_id).values_list("status", "n"):
        kept[status] = kept.get(status, 0) + n
    counted: dict[str, int] = {}
    for status in Delivery.objects.filter(send_id=send_id).values_list("status", flat=True):
        counted[status] = counted.get(status, 0) + 1
    assert {s: n for s, n in kept.items() if n} == counted


def test_the_counting_triggers_survive_the_migration_both_ways(line_sender, marketer):
    apps = migrate(BEFORE)
    Send, Delivery = apps.get_model("ott_messages", "Send"), apps.get_model("ott_messages", "Delivery")
    SendCount = apps.get_model("ott_messages", "SendCount")
    send = Send.objects.create(
        draft_name="x", sender_id=line_sender.pk, sender_name="x", network="line", template={},
        created_by_id=marketer.pk,
    )  # fmt: skip
    for n in range(6):
        Delivery.objects.create(
            send_id=send.pk, network="line", sender_id=line_sender.pk, created_by_id=marketer.pk,
            message_key=uuid.uuid4(), ott_id=f"U{n}",
        )  # fmt: skip
    SendCount.objects.create(send_id=send.pk, status="queued", shard=0, n=6)  # inserts are counted by the code
    assert {"sender_id", "created_by_id", "send_id"} <= _constrained_columns()

    apps = migrate(AFTER)
    assert count_triggers() == TRIGGERS
    assert _constrained_columns() == {"send_id"}
    _counts_hold(apps, send.pk)

    apps = migrate(BEFORE)
    assert count_triggers() == TRIGGERS
    assert {"sender_id", "created_by_id", "send_id"} <= _constrained_columns()
    _counts_hold(apps, send.pk)
    migrate(latest())
    assert count_triggers() == TRIGGERS
