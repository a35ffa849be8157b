"""Preparation: a send's deliveries written in batches, from its saved audience, its recipient list,
or (for a retry of the failed) the first send's failed deliveries that Marketing Cloud proves it
never accepted.

Each batch of rows is judged by `row_check.RowJudge`: a recipient to send to becomes a queued
delivery with its own body (the template, or its filled message); a suppressed or capped one a
delivery with that status and the reason, never posted; a row whose filled message breaks a rule no
delivery, but a line in the send's refused lines. With a `send_limit` (send up to the allowance
left) the rows after the last one that fits are not written, and the timeline says how many.

Small sends are prepared inside the confirming request (`prepare_rows`, or `prepare_send` for an
audience); big ones by the worker (`prepare` task), so the confirm answers at once. Each batch
commits with the send's progress (`prepared`: rows gone through; `prepared_line`: the last line done),
so a worker that dies in the middle leaves a consistent state and the next one goes on after that
line. Worker side: no import of the tasks (they hand their enqueue functions in).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from audiences.models import Audience
from audiences.services import audience_rows
from messages import campaign, lifecycle, personalize, stored_words
from messages.counts import count_inserted
from messages.delivery_rows import QUEUED, DeliveryWriter
from messages.engine.attempt import found
from messages.engine.runtime import concurrency, shared_client
from messages.models import Delivery, RecipientList, Send, SendEvent
from messages.recipients import MAX_REFUSED_KEPT
from messages.row_check import CAPPED, REFUSED, SEND, SUPPRESSED, Outcome, Row, RowJudge, in_batches

BATCH = 5000  # recipient rows judged and written per transaction
CANARY_SHARE, CANARY_MIN = 0.01, 10
CANCELED, LIMITED, ALL = "canceled", "limited", "all"  # how going through the rows ended
SKIPPED_WORDS = {SUPPRESSED: "On the suppression list: {}", CAPPED: "Over the frequency cap: {}"}


def canary_size(total: int) -> int:
    """1% of the send, at least CANARY_MIN; 0 when that would be the whole send."""
    size = max(CANARY_MIN, math.ceil(total * CANARY_SHARE))
    return size if size < total else 0


def _as_given(outcome: Outcome) -> str:
    return f"{outcome.ott_id},{outcome.user_reference}" if outcome.user_reference else outcome.ott_id


class _Canceled(Exception):
    """The send stopped being prepared during the batch: the batch's transaction is rolled back."""


def _rows(writer: DeliveryWriter, outcomes: list[Outcome]) -> Iterator[tuple]:
    for outcome in outcomes:
        if outcome.status == SEND:
            yield writer.row(outcome.ott_id, outcome.user_reference, message=outcome.message)
        elif outcome.status != REFUSED:
            reason = SKIPPED_WORDS[outcome.status].format(outcome.reason)
            yield writer.row(outcome.ott_id, outcome.user_reference, status=outcome.status, reason=reason)


def write_batch(send: Send, writer: DeliveryWriter, outcomes: list[Outcome]) -> bool:
    """Write one batch's deliveries with the send's progress, if the send is still being prepared
    (False when it was canceled meanwhile: nothing is written). On SQLite the rows are built before
    the write transaction: it holds the one write lock, and a person canceling the send (any write of
    the web process) gets the lock between two batches instead of waiting out its busy timeout. On
    PostgreSQL they are made while COPY streams them, so the server stores the batch meanwhile."""
    writer.begin(timezone.now())
    refused = [[o.line, _as_given(o), o.reason] for o in outcomes if o.status == REFUSED]
    rows = _rows(writer, outcomes)
    if not writer.streams:
        rows = list(rows)
    digest = _digest(send.audience_digest, outcomes)
    fields = {"prepared": F("prepared") + len(outcomes), "prepared_line": outcomes[-1].line, "audience_digest": digest}
    kept = send.refused_lines
    if refused:
        fields["invalid_count"] = F("invalid_count") + len(refused)
        if len(kept) < MAX_REFUSED_KEPT:
            kept = fields["refused_lines"] = kept + refused[: MAX_REFUSED_KEPT - len(kept)]
    by_status = Counter(QUEUED if o.status == SEND else o.status for o in outcomes if o.status != REFUSED)
    try:
        with transaction.atomic():
            writer.write(rows)
            count_inserted(send.pk, by_status)
            # Last, so the send's row is locked for the commit only (a cancel does not wait for the batch).
            if not Send.objects.filter(pk=send.pk, status=Send.Status.PREPARING).update(**fields):
                raise _Canceled
    except _Canceled:
        return False
    send.prepared += len(outcomes)
    send.prepared_line = outcomes[-1].line
    send.invalid_count += len(refused)
    send.refused_lines = kept
    send.audience_digest = digest
    return True


def _up_to(outcomes: list[Outcome], room: int) -> list[Outcome]:
    """The outcomes up to (and with) the `room`-th one sent; all of them when fewer are sent."""
    for index, outcome in enumerate(outcomes):
        if outcome.status == SEND:
            room -= 1
            if room == 0:
                return outcomes[: index + 1]
    return outcomes


def _go_through(send: Send, rows: Iterable[Row], messages: dict[int, dict | None] | None = None) -> str:
    """Judge and write `rows` (those after `send.prepared_line`) batch by batch. Returns CANCELED when
    the send stopped being prepared meanwhile (nothing more is written), LIMITED when the send limit
    was reached (the rows after are not gone through), else ALL.
    `messages` (line -> message): each row's own message, which no placeholder is filled in (a retry
    sends again what the first send had)."""
    judge = RowJudge(template=send.template, sender=send.sender, fill=messages is None)
    writer = DeliveryWriter(send)
    room = None
    if send.send_limit is not None:
        already = Delivery.objects.filter(send_id=send.pk, status=QUEUED).count() if send.prepared else 0
        room = send.send_limit - already
    for chunk in in_batches(rows, BATCH):
        if room is not None and room <= 0:
            return LIMITED
        outcomes = judge.judge(chunk)
        if messages is not None:
            outcomes = [o._replace(message=messages[o.line]) if o.status == SEND else o for o in outcomes]
        if room is not None:
            outcomes = _up_to(outcomes, room)
            room -= sum(1 for outcome in outcomes if outcome.status == SEND)
        if not write_batch(send, writer, outcomes):
            return CANCELED
    return LIMITED if room is not None and room <= 0 else ALL


def _digest(before: str, outcomes: list[Outcome]) -> str:
    """The fingerprint of the recipients with a delivery, in order, carried from batch to batch (so a
    resumed preparation goes on from the last batch kept, and the deliveries are never read back)."""
    text = "".join(f"{o.ott_id}\t{o.user_reference}\n" for o in outcomes if o.status != REFUSED)
    return hashlib.sha256(f"{before}\n{text}".encode()).hexdigest()


def finish(send: Send, *, enqueue_start: Callable, enqueue: Callable, left_out: int = 0) -> None:
    """The deliveries are written: fix the canary (among the deliveries to post), then move on
    (approval, schedule, or straight to the worker). `left_out`: the rows not gone through because the
    send limit was reached."""
    counts = dict(Delivery.objects.filter(send_id=send.pk).order_by().values_list("status").annotate(n=Count("id")))
    total, queued = sum(counts.values()), counts.get(QUEUED, 0)
    fields = {"total": total}
    if send.canary:
        ids = Delivery.objects.filter(send_id=send.pk, status=QUEUED).order_by("id").values_list("id", flat=True)
        fields["canary_last_id"] = ids[send.canary - 1] if queued > send.canary else None
        fields["canary"] = send.canary if queued > send.canary else 0
    Send.objects.filter(pk=send.pk).update(**fields)
    for name, value in fields.items():
        setattr(send, name, value)
    detail, args = stored_words.prepared_words(
        total=total,
        suppressed=counts.get(SUPPRESSED, 0),
        capped=counts.get(CAPPED, 0),
        refused=send.prepared - total,
        left_out=left_out,
        limit=send.send_limit,
    )
    lifecycle.note(send.pk, SendEvent.Event.PREPARED, detail=detail, detail_args=args)
    RecipientList.objects.filter(send=send).delete()
    campaign.ready(send, enqueue_start=enqueue_start, enqueue=enqueue)


def prepare_rows(send: Send, rows: Sequence, *, enqueue_start: Callable, enqueue: Callable) -> None:
    """Write the deliveries for `rows` ([ott_id, user_reference] or [ott_id, user_reference, {vars}];
    a row's line is its position + 1) from where preparation stopped, then `finish`."""
    after = send.prepared_line
    numbered = (
        Row(line, row[0], row[1], row[2] if len(row) > 2 else {})
        for line, row in enumerate(islice(rows, after, None), start=after + 1)
    )
    ended = _go_through(send, numbered)
    if ended != CANCELED:
        left_out = len(rows) - send.prepared_line if ended == LIMITED else 0
        finish(send, enqueue_start=enqueue_start, enqueue=enqueue, left_out=left_out)


def _prepare_audience(send: Send, *, enqueue_start: Callable, enqueue: Callable) -> None:
    # The audience's columns are read only when the message has placeholders to fill from them.
    with_vars = personalize.has_placeholders(send.template)
    rows = (Row(*row) for row in audience_rows(send.audience_id, after=send.prepared_line, with_vars=with_vars))
    ended = _go_through(send, rows)
    if ended != CANCELED:
        size = Audience.objects.filter(pk=send.audience_id).values_list("size", flat=True).first() or 0
        left_out = max(0, size - send.prepared) if ended == LIMITED else 0
        finish(send, enqueue_start=enqueue_start, enqueue=enqueue, left_out=left_out)


def _never_accepted(first: Send) -> tuple[list[tuple[str, str, str]], int, int]:
    """The failed deliveries of `first` that Marketing Cloud says it does not have (recipient and
    own filled message, in order); those it does have become `sent` (found_later). Returns (rows, found, unknown)."""
    failed = list(
        Delivery.objects.filter(send=first, status=Delivery.Status.FAILED)
        .order_by("id")
        .only("id", "message_key", "ott_id", "user_reference", "message")
    )
    client = shared_client()
    with ThreadPoolExecutor(max_workers=concurrency()) as pool:
        answers = list(pool.map(lambda d: client.get_send_status(str(d.message_key)), failed))
    rows, had, unknown = [], [], 0
    for delivery, answer in zip(failed, answers, strict=True):
        if found(answer):
            had.append(delivery.pk)
        elif getattr(answer, "found", None) is False:
            rows.append((delivery.ott_id, delivery.user_reference, delivery.message))
        else:
            unknown += 1  # the lookup failed: without proof it never arrived, it is not sent again
    lifecycle.found_later(had)
    return rows, len(had), unknown


def _prepare_retry(send: Send, *, enqueue_start: Callable, enqueue: Callable) -> None:
    rows, had, unknown = _never_accepted(send.retry_of)
    detail, args = stored_words.retried_words(again=len(rows), had=had, unknown=unknown, as_send=send.pk)
    lifecycle.note(send.retry_of_id, SendEvent.Event.RETRIED, detail=detail, detail_args=args)
    detail, args = stored_words.retried_words(again=len(rows), had=had, unknown=unknown)
    lifecycle.note(send.pk, SendEvent.Event.RETRIED, detail=detail, detail_args=args)
    if not rows:
        lifecycle.cancel(send, None)
        return
    after = send.prepared_line
    numbered = [Row(line, ott_id, reference) for line, (ott_id, reference, _) in enumerate(rows, start=1)]
    messages = {line: message for line, (_, _, message) in enumerate(rows, start=1)}
    ended = _go_through(send, numbered[after:], messages)
    if ended != CANCELED:
        left_out = len(rows) - send.prepared_line if ended == LIMITED else 0
        finish(send, enqueue_start=enqueue_start, enqueue=enqueue, left_out=left_out)


def prepare_send(send: Send, *, enqueue_start: Callable, enqueue: Callable) -> None:
    """Prepare `send` (being prepared) from where it stopped, from its audience, its recipient list,
    or the failed of the send it retries."""
    if send.retry_of_id:
        _prepare_retry(send, enqueue_start=enqueue_start, enqueue=enqueue)
    elif send.audience_id:
        _prepare_audience(send, enqueue_start=enqueue_start, enqueue=enqueue)
    else:
        pending = RecipientList.objects.filter(send=send).first()
        rows = pending.recipients if pending else []
        prepare_rows(send, rows, enqueue_start=enqueue_start, enqueue=enqueue)


def prepare(send_id: int, *, enqueue_start: Callable, enqueue: Callable) -> None:
    """The `prepare` task: write a send's deliveries (see the module docstring)."""
    sends = Send.objects.select_related("retry_of", "sender")
    send = sends.filter(pk=send_id, status=Send.Status.PREPARING).first()
    if send is not None:
        prepare_send(send, enqueue_start=enqueue_start, enqueue=enqueue)
