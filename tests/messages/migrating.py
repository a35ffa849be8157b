"""Helpers for the tests that migrate the delivery table back and forth."""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to `targets`; the apps (historical models) as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


# The delivery table's counting triggers (0013), as `count_triggers` lists them.
COUNT_TRIGGERS = ["delivery_count_delete", "delivery_count_update"]


def rows_by_vendor(sqlite: str, postgresql: str) -> list[tuple]:
    """The rows of whichever of the two queries is for this database."""
    with connection.cursor() as cursor:
        cursor.execute(sqlite if connection.vendor == "sqlite" else postgresql)
        return cursor.fetchall()


def count_triggers() -> list[str]:
    """The delivery table's counting triggers (SQLite loses a table's triggers when it alters it)."""
    rows = rows_by_vendor(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
        "SELECT DISTINCT trigger_name::text FROM information_schema.triggers "
        "WHERE event_object_table = 'ott_messages_delivery' ORDER BY 1",
    )
    return [name for (name,) in rows]


def counts_hold(apps, send_id: int) -> None:
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


def queued_send(apps, sender, user, n: int) -> int:
    """A send of `n` queued LINE deliveries, made with the historical models of `apps`, counted as the
    code that inserts deliveries counts them. Returns its id."""
    Send, Delivery = apps.get_model("ott_messages", "Send"), apps.get_model("ott_messages", "Delivery")
    SendCount = apps.get_model("ott_messages", "SendCount")
    send = Send.objects.create(
        draft_name="x", sender_id=sender.pk, sender_name="x", network="line", template={}, created_by_id=user.pk
    )
    for at in range(n):
        Delivery.objects.create(
            send_id=send.pk, network="line", sender_id=sender.pk, created_by_id=user.pk,
            message_key=uuid.uuid4(), ott_id=f"U{at}",
        )  # fmt: skip
    SendCount.objects.create(send_id=send.pk, status="queued", shard=0, n=n)
    return send.pk
