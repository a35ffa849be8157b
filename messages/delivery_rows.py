"""Deliveries written fast, for preparation: a row is a tuple of column values (no model instance),
and a batch is one `executemany` of one INSERT (SQLite) or one COPY (PostgreSQL). No body is
stored: a recipient's own filled message is kept as JSON text, and messages.bodies rebuilds the body.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection, models
from django.utils import timezone

from messages.bodies import message_text
from messages.models import Delivery, Send

QUEUED = Delivery.Status.QUEUED.value
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def message_keys(per_read: int = 4096) -> Iterator[str]:
    """Time-ordered UUIDs (version 7, RFC 9562: the time in milliseconds, then 74 random bits) as 32
    hex digits. New keys land at the end of the messageKey index instead of all over it: a third less
    CPU for a million deliveries on SQLite (docs/benchmarks.md). No UUID object is made."""
    while True:
        when = f"{time.time_ns() // 1_000_000:012x}"
        digits = os.urandom(10 * per_read).hex()
        for start in range(0, len(digits), 20):
            key = digits[start : start + 20]
            yield f"{when}7{key[:3]}{_VARIANT[key[3]]}{key[4:19]}"


# The columns that differ from row to row; every other column is the same for a whole batch.
VARYING = ("message_key", "ott_id", "user_reference", "message", "status", "error_message", "finished_at")


class DeliveryWriter:
    """Inserts one send's deliveries. `begin(now)` starts a batch, `row(...)` makes a row's tuple,
    `write(rows)` inserts them in the caller's transaction."""

    def __init__(self, send: Send):
        self.native_uuid = connection.features.has_native_uuid_field
        self.streams = connection.vendor == "postgresql"  # `write` takes rows as they are made
        self._blank = Delivery(
            send_id=send.pk, network=send.network, sender_id=send.sender_id, created_by_id=send.created_by_id
        )
        fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key and f.name not in VARYING]
        self._fields = fields
        self.begin(timezone.now())
        self._keys = message_keys()
        columns = [f.column for f in fields] + [Delivery._meta.get_field(name).column for name in VARYING]
        table = Delivery._meta.db_table
        self.insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        self.copy = f"COPY {table} ({', '.join(columns)}) FROM STDIN"

    def begin(self, now: datetime) -> None:
        """The rows made from now on are created (and, when left out, finished) at `now`."""
        self._blank.created_at = now
        self._same = tuple(self._db_value(f, getattr(self._blank, f.attname)) for f in self._fields)
        self._finished_at = self._db_value(Delivery._meta.get_field("finished_at"), now)

    @staticmethod
    def _db_value(field: models.Field, value):
        if isinstance(field, models.JSONField):
            return json.dumps(value)  # as text: COPY and SQLite both take the JSON's text
        return field.get_db_prep_save(value, connection)

    def row(
        self,
        ott_id: str,
        user_reference: str,
        *,
        message: dict | str | None = None,
        status: str = QUEUED,
        reason: str = "",
    ) -> tuple:
        """A queued delivery (status QUEUED) or one left out by a rule (finished now, with `reason`);
        `message`: the recipient's filled message (None: the template's). `status` is a plain str:
        psycopg would write an enum member's name."""
        key = next(self._keys)
        key_value = f"{key[:8]}-{key[8:12]}-{key[12:16]}-{key[16:20]}-{key[20:]}" if self.native_uuid else key
        finished_at = None if status == QUEUED else self._finished_at
        return (*self._same, key_value, ott_id, user_reference, message_text(message), status, reason, finished_at)

    def write(self, rows: Iterable[tuple]) -> None:
        with connection.cursor() as cursor:
            if self.streams:
                # The batch's commit need not wait for the disk: should the server crash before it
                # writes it out, the whole batch is lost with the send's progress (one transaction),
                # and the preparation is taken up again from the last batch kept.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                with cursor.cursor.copy(self.copy) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert, rows)
