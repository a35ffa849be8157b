"""Preparation: a send's deliveries written in batches, from its recipient list (or, for a retry of
the failed, from the first send's failed deliveries that Marketing Cloud proves it never accepted).

Small sends are prepared inside the confirming request; big ones by the worker (`prepare` task), so
the confirm answers at once. Each batch commits with the send's `prepared` count, so a worker that
dies in the middle leaves a consistent state and the next one goes on from there. Worker side: no
import of the tasks (they hand their enqueue functions in).
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from messages import campaign, lifecycle
from messages.counts import count_inserted
from messages.engine.attempt import found
from messages.engine.runtime import concurrency, shared_client
from messages.models import Delivery, RecipientList, Send, SendEvent
from ott.payloads import send_body

BATCH = 5000  # deliveries written per transaction
CANARY_SHARE, CANARY_MIN = 0.01, 10


def canary_size(total: int) -> int:
    """1% of the send, at least CANARY_MIN; 0 when that would be the whole send."""
    size = max(CANARY_MIN, math.ceil(total * CANARY_SHARE))
    return size if size < total else 0


def _deliveries(send: Send, rows: Iterable[tuple[str, str]], now) -> list[Delivery]:
    out = []
    for ott_id, user_reference in rows:
        key = uuid.uuid4()
        body = send_body(send.template, message_key=str(key), ott_id=ott_id, user_reference=user_reference)
        out.append(
            Delivery(
                send_id=send.pk,
                network=send.network,
                sender_id=send.sender_id,
                created_by_id=send.created_by_id,
                message_key=key,
                ott_id=ott_id,
                user_reference=user_reference,
                created_at=now,
                payload=body,
            )
        )
    return out


def write_batch(send: Send, rows: list[tuple[str, str]]) -> bool:
    """Write one batch of deliveries with the send's progress, if the send is still being prepared
    (False when it was canceled meanwhile: nothing is written). The rows are built before the write
    transaction: on SQLite it holds the one write lock, and a person canceling the send (any write of
    the web process) gets the lock between two batches instead of waiting out its busy timeout."""
    deliveries = _deliveries(send, rows, timezone.now())
    with transaction.atomic():
        advanced = Send.objects.filter(pk=send.pk, status=Send.Status.PREPARING).update(
            prepared=F("prepared") + len(rows)
        )
        if not advanced:
            return False
        Delivery.objects.bulk_create(deliveries, batch_size=BATCH)
        count_inserted(send.pk, {Delivery.Status.QUEUED: len(deliveries)})
    send.prepared += len(rows)
    return True


def _digest(send: Send) -> str:
    digest = hashlib.sha256()
    rows = Delivery.objects.filter(send_id=send.pk).order_by("id").values_list("ott_id", "user_reference")
    for ott_id, user_reference in rows.iterator(chunk_size=BATCH):
        digest.update(f"{ott_id}\t{user_reference}\n".encode())
    return digest.hexdigest()


def finish(send: Send, *, enqueue_start: Callable, enqueue: Callable) -> None:
    """The deliveries are written: fix the canary and the fingerprint of the recipients, then move on
    (approval, schedule, or straight to the worker)."""
    send.audience_digest = _digest(send)
    total = Delivery.objects.filter(send_id=send.pk).count()
    fields = {"audience_digest": send.audience_digest, "total": total}
    if send.canary:
        ids = Delivery.objects.filter(send_id=send.pk).order_by("id").values_list("id", flat=True)
        fields["canary_last_id"] = ids[send.canary - 1] if total > send.canary else None
        fields["canary"] = send.canary if total > send.canary else 0
    Send.objects.filter(pk=send.pk).update(**fields)
    for name, value in fields.items():
        setattr(send, name, value)
    lifecycle.note(send.pk, SendEvent.Event.PREPARED, detail=f"{total:,} deliveries")
    RecipientList.objects.filter(send=send).delete()
    campaign.ready(send, enqueue_start=enqueue_start, enqueue=enqueue)


def prepare_rows(send: Send, rows: list[tuple[str, str]], *, enqueue_start: Callable, enqueue: Callable) -> None:
    """Write the deliveries for `rows` from where preparation stopped, then `finish`."""
    for start in range(send.prepared, len(rows), BATCH):
        if not write_batch(send, rows[start : start + BATCH]):
            return
    finish(send, enqueue_start=enqueue_start, enqueue=enqueue)


def _never_accepted(first: Send) -> tuple[list[tuple[str, str]], int, int]:
    """The failed deliveries of `first` that Marketing Cloud says it does not have (recipients in
    order); those it does have become `sent` (found_later). Returns (rows, found, unknown)."""
    failed = list(
        Delivery.objects.filter(send=first, status=Delivery.Status.FAILED)
        .order_by("id")
        .only("id", "message_key", "ott_id", "user_reference")
    )
    client = shared_client()
    with ThreadPoolExecutor(max_workers=concurrency()) as pool:
        answers = list(pool.map(lambda d: client.get_send_status(str(d.message_key)), failed))
    rows, had, unknown = [], [], 0
    for delivery, answer in zip(failed, answers, strict=True):
        if found(answer):
            had.append(delivery.pk)
        elif getattr(answer, "found", None) is False:
            rows.append((delivery.ott_id, delivery.user_reference))
        else:
            unknown += 1  # the lookup failed: without proof it never arrived, it is not sent again
    lifecycle.found_later(had)
    return rows, len(had), unknown


def prepare(send_id: int, *, enqueue_start: Callable, enqueue: Callable) -> None:
    """The `prepare` task: write a send's deliveries (see the module docstring)."""
    send = Send.objects.select_related("retry_of").filter(pk=send_id, status=Send.Status.PREPARING).first()
    if send is None:
        return
    if send.retry_of_id:
        rows, had, unknown = _never_accepted(send.retry_of)
        detail = f"{len(rows):,} never reached Marketing Cloud and are sent again"
        if had:
            detail += f"; {had:,} had reached it after all (now marked sent)"
        if unknown:
            detail += f"; {unknown:,} could not be checked and are not sent again"
        lifecycle.note(send.retry_of_id, SendEvent.Event.RETRIED, detail=f"As send #{send.pk}: {detail}")
        lifecycle.note(send.pk, SendEvent.Event.RETRIED, detail=detail)
        if not rows:
            lifecycle.cancel(send, None)
            return
    else:
        pending = RecipientList.objects.filter(send=send).first()
        rows = [tuple(row) for row in pending.recipients] if pending else []
    prepare_rows(send, rows, enqueue_start=enqueue_start, enqueue=enqueue)
