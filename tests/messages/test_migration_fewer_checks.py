"""Migration 0018: the lease index holds only leased rows, and a delivery's sender and author have no
constraint in the database. SQLite copies the delivery table to drop those constraints: the counting
triggers (0013) must be there after it, both ways, and keep the counts right."""

from __future__ import annotations

import pytest

from tests.messages.migrating import (
    COUNT_TRIGGERS,
    count_triggers,
    counts_hold,
    latest,
    migrate,
    queued_send,
    rows_by_vendor,
)

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ott_messages", "0017_stored_words")]
AFTER = [("ott_messages", "0018_delivery_fewer_checks")]


def _constrained_columns() -> set[str]:
    """The delivery table's columns that have a foreign key constraint in the database."""
    rows = rows_by_vendor(
        "SELECT \"from\" FROM pragma_foreign_key_list('ott_messages_delivery')",
        "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
        "WHERE c.conrelid = 'ott_messages_delivery'::regclass AND c.contype = 'f'",
    )
    return {name for (name,) in rows}


def test_the_counting_triggers_survive_the_migration_both_ways(line_sender, marketer):
    apps = migrate(BEFORE)
    send_id = queued_send(apps, line_sender, marketer, 6)
    assert {"sender_id", "created_by_id", "send_id"} <= _constrained_columns()

    apps = migrate(AFTER)
    assert count_triggers() == COUNT_TRIGGERS
    assert _constrained_columns() == {"send_id"}
    counts_hold(apps, send_id)

    apps = migrate(BEFORE)
    assert count_triggers() == COUNT_TRIGGERS
    assert {"sender_id", "created_by_id", "send_id"} <= _constrained_columns()
    counts_hold(apps, send_id)
    migrate(latest())
    assert count_triggers() == COUNT_TRIGGERS
