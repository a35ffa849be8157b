"""A chunk of a send worked through with bounded concurrency, and the take-up after a worker died.

The worker reserves the chunk (a lease on its queued rows) and claims only as many deliveries as its
threads can post soon (at most twice OTT_SEND_CONCURRENCY), so `sending` means "being posted now": a
cancel catches everything else still `queued`. Between claims it looks at the send's status at least
every STOP_CHECK_SECONDS and posts nothing more of a send that was canceled or paused (a paused
send's reserved rows are let go at once: they wait, queued, for the resume).
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audiences.suppressions import suppressed
from messages import lifecycle
from messages.bodies import delivery_body
from messages.engine.attempt import Result, delivery_attempt
from messages.engine.gate import Hold, SenderGate
from messages.engine.record import Enqueue, record
from messages.engine.runtime import PoolError, concurrency, send_pool, sender_gate, shared_client
from messages.models import SenderHold
from messages.selectors import send_bodies
from ott.client import OttClient
from senders.models import Sender

logger = logging.getLogger(__name__)

FLUSH_EVERY = 100  # outcomes written per transaction
FLUSH_SECONDS = 2.0
STOP_CHECK_SECONDS = 0.5


class _Chunk:
    """The state of one chunk while it is worked on."""

    def __init__(self, send_id: int, ids: list[int], enqueue: Enqueue, client: OttClient, gate: SenderGate):
        self.send_id, self.ids, self.enqueue, self.client, self.gate = send_id, ids, enqueue, client, gate
        self.sender = Sender.objects.get(sends__pk=send_id)
        self.sender_id = self.sender.pk
        self.bodies = send_bodies(send_id)
        gate.set_rate(self.sender_id, self.sender.rate_limit)
        self.held: Hold | None = None  # its sender is held: stop claiming, take the rest up when it ends
        self.check_quiet_hours()
        over = Q(until__lte=timezone.now()) | Q(kind=SenderHold.Kind.QUIET_HOURS) if self.held is None else Q(pk=None)
        SenderHold.objects.filter(over, sender_id=self.sender_id).delete()  # holds that have ended
        self.cursor = 0  # ids[:cursor] have been claimed (or found taken)
        self.running: set[int] = set()  # ids of the deliveries being posted (or waiting for a thread)
        self.finished: queue.SimpleQueue[Result | PoolError] = queue.SimpleQueue()  # in the order they end
        self.batch: list[Result] = []
        self.stop = threading.Event()
        self.checked = self.flushed = self.renewed = time.monotonic()

    def check_stopped(self) -> None:
        now = time.monotonic()
        if now - self.checked >= STOP_CHECK_SECONDS:
            self.checked = now
            if lifecycle.send_halted(self.send_id):
                self.stop.set()
            self.check_quiet_hours()

    def check_quiet_hours(self) -> None:
        """Inside the sender's quiet hours nothing more is claimed; the rest waits for their end."""
        until = self.sender.quiet_until(timezone.now())
        if until is None:
            return
        if self.held is None:
            zone = until.tzinfo.key if hasattr(until.tzinfo, "key") else str(until.tzinfo)
            self.held = Hold(until, SenderHold.Kind.QUIET_HOURS, f"quiet hours until {until:%H:%M} {zone}")
            save_holds({self.sender_id: self.held})

    def claim_more(self, pool) -> None:
        threads = concurrency()
        window = 2 * threads
        # Topped up as soon as a quarter of the window is free, not half: while the main thread writes a
        # batch of outcomes (tens of milliseconds on PostgreSQL) the threads must not run out of work.
        top_up_at = window - max(1, threads // 2)
        while self.cursor < len(self.ids) and len(self.running) <= top_up_at and not self.stop.is_set():
            if self.held or (hold := self.gate.held(self.sender_id)):
                self.held = self.held or hold
                return
            take = self.ids[self.cursor : self.cursor + window - len(self.running)]
            claimed = lifecycle.claim(self.send_id, take)
            if not claimed and lifecycle.send_halted(self.send_id):
                self.stop.set()  # paused or canceled since the last look: keep the rest reserved for nobody
                return
            self.cursor += len(take)
            for delivery in skip_suppressed(self.sender, claimed):
                body = delivery_body(delivery, self.bodies)
                pool.submit(self.finished, delivery_attempt, self.client, delivery, body, self.gate, self.stop)
                self.running.add(delivery.id)

    def collect(self) -> None:
        """Take what has finished, waiting up to STOP_CHECK_SECONDS for the first (O(1) each: the
        pool's threads put each result on this chunk's queue as it ends)."""
        try:
            result = self.finished.get(timeout=STOP_CHECK_SECONDS)
        except queue.Empty:
            return
        while True:
            if isinstance(result, PoolError):
                raise result.error
            self.running.discard(result.delivery.id)
            self.batch.append(result)
            try:
                result = self.finished.get_nowait()
            except queue.Empty:
                return

    def flush(self, *, final: bool = False) -> None:
        now = time.monotonic()
        renew = now - self.renewed > lifecycle.lease_seconds() / 3
        due = len(self.batch) >= FLUSH_EVERY or (self.batch and now - self.flushed > FLUSH_SECONDS)
        if not (final or due or renew):
            return
        # Renew the leases still held (claimed, and reserved but not reached) once a third has passed.
        held = sorted(self.running) + self.ids[self.cursor :] if renew and not final else []
        record(self.send_id, self.batch, held, self.enqueue)
        save_holds(self.gate.changes())
        self.batch, self.flushed = [], now
        if held:
            self.renewed = now


def deliver_chunk(send_id: int, ids: list[int], *, enqueue: Enqueue, client: OttClient | None = None) -> None:
    """Post what is still queued among `ids`, with OTT_SEND_CONCURRENCY threads, then finish the send
    if nothing of it is left."""
    ids = sorted(ids)
    if lifecycle.send_halted(send_id) is None and lifecycle.reserve(send_id, ids):
        chunk = _Chunk(send_id, ids, enqueue, client or shared_client(), sender_gate())
        pool = send_pool()
        while True:
            chunk.check_stopped()
            chunk.claim_more(pool)
            if not chunk.running:
                break
            chunk.collect()
            chunk.flush()
        chunk.flush(final=True)
        rest = chunk.ids[chunk.cursor :]
        with transaction.atomic():
            lifecycle.unreserve(rest)
            if chunk.held and rest and not chunk.stop.is_set():
                enqueue(send_id, rest, run_after=chunk.held.until)  # the worker goes on with other sends
    lifecycle.finish_if_done(send_id)


def skip_suppressed(sender: Sender, claimed: list) -> list:
    """The claimed deliveries whose recipient is not on the suppression list now; the others become
    `suppressed` without being posted (someone who opted out after the send was prepared is not
    messaged)."""
    found = suppressed(sender.network, sender, [(d.ott_id, d.user_reference) for d in claimed]) if claimed else {}
    if not found:
        return claimed
    now, skipped, rest = timezone.now(), [], []
    for delivery in claimed:
        reason = found.get((delivery.ott_id, delivery.user_reference))
        if reason is None:
            rest.append(delivery)
            continue
        delivery.attempts -= 1  # nothing was tried
        delivery.lease_until, delivery.finished_at = None, now
        delivery.error_message = f"Suppressed just before its post: {reason}"
        skipped.append((delivery, "suppress"))
    lifecycle.settle(skipped)
    return rest


def save_holds(changes: dict[int, Hold | None]) -> None:
    """Write the holds that began or ended to the senders' rows, for the send page."""
    for sender_id, hold in changes.items():
        if hold is None:
            SenderHold.objects.filter(sender_id=sender_id).delete()
        else:
            SenderHold.objects.update_or_create(
                sender_id=sender_id, defaults={"until": hold.until, "kind": hold.kind, "reason": hold.reason}
            )


def recover_expired_leases(enqueue: Enqueue) -> int:
    """Deliveries held by a worker that died go back to work (see `lifecycle.recover`)."""
    with transaction.atomic():  # back in the queue and enqueued together, or neither
        stale = lifecycle.recover()
        by_send: dict[int, list[int]] = {}
        for send_id, pk in stale:
            by_send.setdefault(send_id, []).append(pk)
        for send_id, ids in by_send.items():
            enqueue(send_id, ids)
    if stale:
        logger.warning("took up %d deliveries whose worker had stopped", len(stale))
    return len(stale)
