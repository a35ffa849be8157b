"""The follow-up: network events (Created, Queued, Sent, Error) from the status endpoint for recently
sent deliveries, asked about with waits that grow with their age."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from messages import bulk
from messages.models import Delivery
from ott.client import OttClient, SendStatus

FOLLOW_UP_WINDOW = timedelta(hours=24)
FOLLOW_UP_BATCH = 200
_FINAL_EVENTS = {"sent", "error", "delivered", "read", "failed"}
# While deliveries wait to be posted, a worker follows up at most this often: the follow-up holds the
# worker (one status request per delivery) and posting the messages comes first.
FOLLOW_UP_WHILE_SENDING_SECONDS = 60.0
_last_follow_up_while_sending = [time.monotonic()]  # this process's last one (or its start)


def follow_up_now(sending: bool) -> bool:
    """Whether housekeeping follows up now: always when nothing waits to be posted, else once every
    FOLLOW_UP_WHILE_SENDING_SECONDS in this worker process."""
    if not sending:
        return True
    now = time.monotonic()
    if now - _last_follow_up_while_sending[0] < FOLLOW_UP_WHILE_SENDING_SECONDS:
        return False
    _last_follow_up_while_sending[0] = now
    return True


def follow_up_due(now=None):
    """Sent deliveries whose network events are worth asking about now (backing off with age)."""
    now = now or timezone.now()
    recent = Delivery.objects.filter(
        status=Delivery.Status.SENT, events_final=False, finished_at__gte=now - FOLLOW_UP_WINDOW
    )
    # Ask again after a wait that grows with the delivery's age: 2 s, then ~10% of its age.
    due = Q(events_checked_at__isnull=True) | Q(events_checked_at__lte=now - timedelta(seconds=2))
    return recent.filter(due).order_by("finished_at")


def follow_up(client: OttClient | None = None, now=None) -> int:
    """Ask about a batch of due deliveries; record their events. Returns how many were asked about."""
    now = now or timezone.now()
    candidates = list(follow_up_due(now).only("id", "message_key", "finished_at", "events_checked_at")[:1000])
    due = [
        d
        for d in candidates
        if d.events_checked_at is None or (now - d.events_checked_at) >= (d.events_checked_at - d.finished_at) / 10
    ][:FOLLOW_UP_BATCH]
    if not due:
        return 0
    client = client or OttClient.from_settings()
    with ThreadPoolExecutor(max_workers=max(1, min(8, settings.OTT_SEND_CONCURRENCY))) as pool:
        answers = list(pool.map(lambda d: client.get_send_status(str(d.message_key)), due))
    updated = []
    for delivery, answer in zip(due, answers, strict=True):
        delivery.events_checked_at = now
        if isinstance(answer, SendStatus) and answer.found:
            delivery.network_events = answer.events
            names = {str(e.get("event", "")).lower() for e in answer.events if isinstance(e, dict)}
            delivery.events_final = bool(names & _FINAL_EVENTS)
            delivery.network_error = "error" in names
        updated.append(delivery)
    fields = ("events_checked_at", "network_events", "events_final", "network_error")
    bulk.update(Delivery, fields, ("id",), [[*(getattr(d, name) for name in fields), d.pk] for d in updated])
    return len(updated)
