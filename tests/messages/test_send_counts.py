"""The running counters (SendCount, kept by database triggers) always equal a COUNT of the deliveries,
whatever changed them: preparation, claims, outcomes, cancel, recovery, a direct update, a delete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from messages import lifecycle
from messages.models import Delivery, Send
from messages.progress import send_progress
from messages.selectors import send_counts, send_errors
from messages.services import send_create

pytestmark = pytest.mark.django_db

DS = Delivery.Status


def counted(send: Send) -> dict[str, int]:
    """What a COUNT over the deliveries says (only the statuses present)."""
    rows = Delivery.objects.filter(send=send).values_list("status").annotate(n=Count("id")).order_by()
    return dict(rows)


def kept(send: Send) -> dict[str, int]:
    return {status: n for status, n in send_counts([send.pk])[send.pk].items() if n}


def test_the_counters_follow_every_change(line_draft, marketer, settings):
    settings.OTT_PREPARE_INLINE_MAX = 10_000
    send = send_create(draft=line_draft, recipients=[(f"U-{i}", "") for i in range(30)], user=marketer)
    assert kept(send) == counted(send) == {DS.QUEUED: 30}
    Send.objects.filter(pk=send.pk).update(status=Send.Status.QUEUED)
    ids = list(send.deliveries.order_by("id").values_list("id", flat=True))

    claimed = lifecycle.claim(send.pk, ids[:20])
    assert kept(send) == counted(send) == {DS.QUEUED: 10, DS.SENDING: 20}

    events = ["mark_sent"] * 8 + ["mark_rejected"] * 4 + ["mark_failed"] * 3 + ["schedule_retry"] * 3 + ["drop"] * 2
    for delivery in claimed:
        delivery.finished_at = timezone.now()
    lifecycle.settle(list(zip(claimed, events, strict=True)))
    assert kept(send) == counted(send)
    assert kept(send)[DS.SENT] == 8 and kept(send)[DS.QUEUED] == 13

    lifecycle.found_later([d.pk for d, e in zip(claimed, events, strict=True) if e == "mark_failed"][:1])
    lifecycle.claim(send.pk, ids[20:25])
    Delivery.objects.filter(pk__in=ids[20:25]).update(lease_until=timezone.now() - timedelta(seconds=1))
    lifecycle.recover()
    assert kept(send) == counted(send)

    lifecycle.cancel(send, marketer)
    Delivery.objects.filter(pk=ids[0]).update(status=DS.FAILED)  # any UPDATE is counted, not only the engine's
    assert kept(send) == counted(send)

    Delivery.objects.filter(pk__in=ids[:5]).delete()
    assert kept(send) == counted(send)
    assert sum(kept(send).values()) == 25


def test_sends_are_counted_apart(line_draft, marketer):
    first = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer)
    second = send_create(draft=line_draft, recipients=[("U-3", "")], user=marketer)
    assert send_counts([first.pk, second.pk])[first.pk][DS.QUEUED] == 2
    assert send_counts([first.pk, second.pk])[second.pk][DS.QUEUED] == 1


def test_the_send_pages_other_figures_are_read_from_their_partial_indexes_alone(line_draft, marketer):
    """The most common errors and the retries waiting (polled with the counters) are asked in a form
    their partial index answers alone, whatever the send's size: PostgreSQL with an index-only scan
    (nothing asked that the index lacks), SQLite with the index as covering (the index's values written
    into the SQL, which SQLite needs to see that the query implies the index's WHERE)."""
    send = send_create(draft=line_draft, recipients=[(f"U{n}", "") for n in range(6)], user=marketer)
    ids = list(send.deliveries.values_list("id", flat=True))
    Delivery.objects.filter(pk__in=ids[:2]).update(status=DS.FAILED, error_message="server error (HTTP 500)")
    Delivery.objects.filter(pk=ids[2]).update(attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5))
    executed = []

    def keep(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        progress = send_progress(send)
        errors = send_errors(send)
    assert progress.retry_waiting == 1 and [(e["status"], e["count"]) for e in errors] == [("failed", 2)]
    asked = {
        index: next((sql, params) for sql, params in executed if column in sql and "ott_messages_delivery" in sql)
        for index, column in (("delivery_send_errors", "error_message"), ("delivery_retry_waiting", "next_attempt_at"))
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only an index-only scan is left to the planner: a query that needs a column of the table
            # cannot have one and falls back to a disabled plan.
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_indexscan"):
                cursor.execute(f"SET LOCAL {setting} = off")
            for index, (sql, params) in asked.items():
                cursor.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert f"Index Only Scan using {index}" in plan, plan
        else:
            sql, params = asked["delivery_send_errors"]
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[3] for row in cursor.fetchall())
            assert "COVERING INDEX delivery_send_errors" in plan, plan
