"""messages.bulk writes the worker's rows as tuples, a whole batch in one statement: every value as it
was given (NULL in every row, JSON, text with quotes and percent signs), and an UPDATE only where its
guard columns match."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messages import bulk
from messages.engine.record import ATTEMPT_FIELDS
from messages.models import Attempt, Delivery
from messages.services import send_create

pytestmark = pytest.mark.django_db

DS = Delivery.Status
FIELDS = ("status", "next_attempt_at", "error_message", "validation_errors", "latency_ms", "finished_at")


@pytest.fixture
def deliveries(line_draft, marketer):
    send = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(5)], user=marketer)
    return list(send.deliveries.order_by("id"))


def test_an_update_writes_each_rows_values_in_one_statement(deliveries):
    now = timezone.now().replace(microsecond=123456)
    rows = [
        [DS.SENT, None, f"50% of 'quoted' \"text\" {n}", [{"field": "x", "n": n}] if n else [], n, now, d.pk, DS.QUEUED]
        for n, d in enumerate(deliveries[:4])
    ]
    rows[3][-1] = DS.SENDING  # its guard does not match: left alone
    with CaptureQueriesContext(connection) as captured:
        bulk.update(Delivery, FIELDS, ("id", "status"), rows)
    assert len(captured) == 1  # one statement (PostgreSQL) or one executemany (SQLite) for the batch

    written = {d.pk: d for d in Delivery.objects.filter(pk__in=[d.pk for d in deliveries])}
    for n, d in enumerate(deliveries[:3]):
        got = written[d.pk]
        assert got.status == DS.SENT and got.next_attempt_at is None and got.finished_at == now
        assert got.error_message == f"50% of 'quoted' \"text\" {n}"
        assert got.validation_errors == ([{"field": "x", "n": n}] if n else [])
        assert got.latency_ms == n
    for d in deliveries[3:]:
        assert written[d.pk].status == DS.QUEUED and written[d.pk].error_message == ""


def test_an_insert_writes_every_row_in_one_statement(deliveries):
    at = timezone.now()
    logs = [
        (d.pk, 1, Attempt.Kind.SEND, at, Attempt.Outcome.ACCEPTED, 202 if n else None, 40 + n, f"it's {n}%")
        for n, d in enumerate(deliveries)
    ]
    with CaptureQueriesContext(connection) as captured:
        bulk.insert(Attempt, ATTEMPT_FIELDS, logs)
    assert len(captured) == 1
    saved = list(Attempt.objects.filter(delivery__in=deliveries).order_by("delivery_id").values_list(*ATTEMPT_FIELDS))
    assert saved == [tuple(row) for row in logs]
