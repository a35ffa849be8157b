"""Migration 0019: on PostgreSQL the status changes are counted once per UPDATE statement, from its
transition tables, instead of once per row. Both ways the counters keep equal to a COUNT, for an
UPDATE that moves many rows to several statuses at once and for one that changes no status."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.messages.migrating import COUNT_TRIGGERS, count_triggers, counts_hold, latest, migrate, queued_send

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ott_messages", "0018_delivery_fewer_checks")]
AFTER = [("ott_messages", "0019_count_per_statement")]


def _update_trigger_runs_for_each() -> str:
    """ROW or STATEMENT: how often the status-counting trigger runs."""
    if connection.vendor == "sqlite":
        return "ROW"  # SQLite has only row triggers
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT action_orientation FROM information_schema.triggers "
            "WHERE event_object_table = 'ott_messages_delivery' AND trigger_name = 'delivery_count_update'"
        )
        return cursor.fetchone()[0]


def _many_at_once(apps, send_id: int) -> None:
    """One UPDATE of many rows to several statuses, then one that changes no status: counted right."""
    Delivery = apps.get_model("ott_messages", "Delivery")
    queued = list(Delivery.objects.filter(send_id=send_id, status="queued").order_by("id")[:4])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ott_messages_delivery SET status = CASE WHEN id %% 2 = 0 THEN 'sent' ELSE 'failed' END "
            "WHERE id IN (%s, %s, %s, %s)",
            [d.pk for d in queued],
        )
    Delivery.objects.filter(send_id=send_id).update(latency_ms=7)
    counts_hold(apps, send_id)


def test_status_changes_are_counted_per_statement_and_back(line_sender, marketer):
    apps = migrate(BEFORE)
    send_id = queued_send(apps, line_sender, marketer, 20)
    _many_at_once(apps, send_id)

    apps = migrate(AFTER)
    assert count_triggers() == COUNT_TRIGGERS
    assert _update_trigger_runs_for_each() == ("ROW" if connection.vendor == "sqlite" else "STATEMENT")
    _many_at_once(apps, send_id)

    apps = migrate(BEFORE)
    assert count_triggers() == COUNT_TRIGGERS
    assert _update_trigger_runs_for_each() == "ROW"
    _many_at_once(apps, send_id)
    migrate(latest())
    assert count_triggers() == COUNT_TRIGGERS
