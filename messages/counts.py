"""Running counts of each send's deliveries by status (`SendCount`).

Status changes and deletes are counted by database triggers (migration 0013), whatever code makes
them. Inserts are counted here, by the code that inserts deliveries, in its own transaction: on SQLite
the mere presence of an insert trigger costs about 40 µs per inserted row (a million-row preparation
would pay 40 s for it). Reading: `messages.selectors.send_counts`.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection

from messages.models import SendCount


def count_inserted(send_id: int, by_status: Mapping[str, int]) -> None:
    """Add deliveries just inserted for `send_id` ({status: how many}) to its counts. Call it in the
    transaction that inserted them."""
    rows = [(send_id, str(status), n) for status, n in by_status.items() if n]
    if not rows:
        return
    table = connection.ops.quote_name(SendCount._meta.db_table)
    sql = (
        f"INSERT INTO {table} (send_id, status, shard, n) VALUES (%s, %s, 0, %s) "  # noqa: S608
        f"ON CONFLICT (send_id, status, shard) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
