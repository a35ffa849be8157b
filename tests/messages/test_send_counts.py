"""The running counters (SendCount, kept by database triggers) always equal a COUNT of the deliveries,
whatever changed them: preparation, claims, outcomes, cancel, recovery, a direct update, a delete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from messages import lifecycle
from messages.models import Delivery, Send
from messages.selectors import send_counts
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
