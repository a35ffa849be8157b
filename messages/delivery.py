"""The sending engine the worker runs: claim deliveries, post them with bounded concurrency, record the
outcomes in batches, schedule retries.

Guarantees (see docs/sending.md):
- a delivery is claimed by one worker at a time (row locks with SKIP LOCKED on PostgreSQL; SQLite's
  IMMEDIATE transactions serialize the claim), and holds a lease that is renewed while it is worked on;
- every retry sends the SAME messageKey, and when an earlier attempt may have reached Marketing Cloud
  (timeout, dropped connection) the status endpoint is asked first: if it knows the key, it is `sent`;
- a validation refusal is `rejected` and never retried; a transient failure is retried with exponential
  backoff and jitter (at least what Retry-After asks) up to OTT_SEND_MAX_ATTEMPTS, then `failed`;
- outcomes are written in batches, and the retry task is enqueued in the same transaction.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from messages.models import Attempt, Delivery, Send
from ott.client import Accepted, Failed, OttClient, Outcome, Rejected, SendStatus

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000  # deliveries per task
FLUSH_EVERY = 100  # outcomes written per transaction
FLUSH_SECONDS = 2.0
RESPONSE_LIMIT = 4000  # characters of an answer kept on the delivery


class RateLimiter:
    """At most `rate` requests per second per sender in this process (0: no cap). Thread-safe."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next: dict[int, float] = {}
        self._lock = threading.Lock()

    def wait(self, sender_pk: int) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(sender_pk, now))
            self._next[sender_pk] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


_shared_lock = threading.Lock()
_shared: dict[str, tuple] = {}


def _process_wide(name: str, key, make):
    """One object per worker process for `name`, made again when its configuration `key` changes, so
    every task in the process shares it (and a pool's threads keep their Sessions and connections)."""
    with _shared_lock:
        current = _shared.get(name)
        if current is None or current[0] != key:
            if current is not None and isinstance(current[1], ThreadPoolExecutor):
                current[1].shutdown(wait=False)
            current = _shared[name] = (key, make())
        return current[1]


def rate_limiter() -> RateLimiter:
    rate = float(settings.OTT_SENDER_RATE_LIMIT)
    return _process_wide("limiter", rate, lambda: RateLimiter(rate))


def shared_client() -> OttClient:
    key = tuple(
        getattr(settings, name)
        for name in (
            "OTT_AUTH_URL",
            "OTT_REST_URL",
            "OTT_CLIENT_ID",
            "OTT_CLIENT_SECRET",
            "OTT_CONNECT_TIMEOUT",
            "OTT_READ_TIMEOUT",
            "OTT_SEND_CONCURRENCY",
        )
    )
    return _process_wide("client", key, OttClient.from_settings)


def send_pool() -> ThreadPoolExecutor:
    size = max(1, int(settings.OTT_SEND_CONCURRENCY))
    return _process_wide("pool", size, lambda: ThreadPoolExecutor(max_workers=size, thread_name_prefix="ott-send"))


@dataclass
class Result:
    delivery: Delivery
    outcome: Outcome | SendStatus
    at: object  # datetime the attempt started
    lookup: tuple | None = None  # (at, SendStatus | Failed | Rejected) when the status was asked first
    posted: bool = True  # False when the status lookup failed and nothing was sent


def lease_seconds() -> float:
    return float(settings.OTT_DELIVERY_LEASE_SECONDS)


def claim(send_id: int, ids: list[int]) -> list[Delivery]:
    """Mark the queued deliveries among `ids` as `sending` for this worker, under a lease."""
    now = timezone.now()
    with transaction.atomic():
        queryset = Delivery.objects.filter(send_id=send_id, id__in=ids, status=Delivery.QUEUED)
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        claimed = list(queryset.order_by("id"))
        if not claimed:
            return []
        Delivery.objects.filter(id__in=[d.id for d in claimed]).update(
            status=Delivery.SENDING, lease_until=now + timedelta(seconds=lease_seconds()), attempts=F("attempts") + 1
        )
        Send.objects.filter(pk=send_id, status=Send.QUEUED).update(status=Send.RUNNING, started_at=now)
    for delivery in claimed:
        delivery.attempts += 1
        delivery.status = Delivery.SENDING
    return claimed


def _lookup(client: OttClient, delivery: Delivery) -> tuple:
    """(when, answer) of `GET /ott/v1/send/{messageKey}`: does Marketing Cloud already have it?"""
    return timezone.now(), client.get_send_status(str(delivery.message_key))


def _found(answer) -> bool:
    return isinstance(answer, SendStatus) and answer.found


def delivery_attempt(client: OttClient, delivery: Delivery, limiter: RateLimiter) -> Result:
    """One try for one delivery; never raises. Asks the status endpoint first when a previous try
    may have reached Marketing Cloud, and after a last try that may have."""
    lookup = None
    if delivery.needs_lookup:
        lookup = _lookup(client, delivery)
        at, answer = lookup
        if _found(answer):
            return Result(delivery, answer, at, lookup)
        if not isinstance(answer, SendStatus):  # the lookup itself failed: try again later
            failed = Failed(f"status lookup failed: {_reason(answer)}", transient=True, ambiguous=True)
            return Result(delivery, failed, at, lookup, posted=False)
    limiter.wait(delivery.sender_id)
    at = timezone.now()
    outcome = client.send(delivery.payload)
    if isinstance(outcome, Failed) and outcome.ambiguous and delivery.attempts >= settings.OTT_SEND_MAX_ATTEMPTS:
        final = _lookup(client, delivery)
        if _found(final[1]):
            return Result(delivery, final[1], at, final)
    return Result(delivery, outcome, at, lookup)


def _reason(outcome) -> str:
    return outcome.message if isinstance(outcome, Rejected) else getattr(outcome, "reason", str(outcome))


def _backoff(attempts: int, outcome: Failed) -> float:
    """Seconds before the next try: exponential with jitter, at least what Retry-After asks, and after
    a try that may still be in flight at Marketing Cloud, long enough for it to land before we ask."""
    base = float(settings.OTT_RETRY_BACKOFF_SECONDS) * (2 ** max(0, attempts - 1))
    delay = base * random.uniform(0.8, 1.2)  # jitter, not security
    if outcome.ambiguous:
        delay = max(delay, 2 * float(settings.OTT_READ_TIMEOUT))
    return max(delay, outcome.retry_after or 0.0)


def _response_text(outcome) -> str:
    if isinstance(outcome, Accepted):
        return json.dumps(outcome.body, ensure_ascii=False)[:RESPONSE_LIMIT]
    return (getattr(outcome, "raw_text", "") or "")[:RESPONSE_LIMIT]


def _lookup_log(d: Delivery, at, answer) -> Attempt:
    if _found(answer):
        outcome, status, detail = "found", 200, "Marketing Cloud has this messageKey"
    elif isinstance(answer, SendStatus):
        outcome, status, detail = "unknown", None, "Marketing Cloud does not have this messageKey"
    else:
        outcome, status, detail = "unknown", answer.http_status or None, _reason(answer)
    return Attempt(
        delivery=d, number=d.attempts, kind="lookup", at=at, outcome=outcome, http_status=status, detail=detail
    )


def _apply(result: Result, now, canceled: bool) -> tuple[list[Attempt], bool]:
    """Set the delivery's fields from its outcome; returns its attempt log rows and whether to retry."""
    d, outcome = result.delivery, result.outcome
    log: list[Attempt] = []
    d.lease_until = None
    if result.lookup:
        log.append(_lookup_log(d, *result.lookup))
        if isinstance(result.lookup[1], SendStatus) and not result.lookup[1].found:
            d.needs_lookup = False
    if isinstance(outcome, SendStatus):  # found by the lookup: it went through earlier
        d.status, d.needs_lookup, d.finished_at = Delivery.SENT, False, now
        d.error_code, d.error_message, d.validation_errors = None, "", []
        d.network_events = outcome.events or d.network_events
        return log, False
    if result.posted:
        log.append(
            Attempt(
                delivery=d,
                number=d.attempts,
                at=result.at,
                outcome=type(outcome).__name__.lower(),
                http_status=outcome.http_status or None,
                latency_ms=outcome.latency_ms,
                detail="" if isinstance(outcome, Accepted) else _reason(outcome)[:1000],
            )
        )
        d.http_status = outcome.http_status or None
        d.latency_ms = outcome.latency_ms
        d.response_body = _response_text(outcome)
    if isinstance(outcome, Accepted):
        d.status, d.ott_request_id, d.needs_lookup, d.finished_at = Delivery.SENT, outcome.ott_request_id, False, now
        d.error_code, d.error_message, d.validation_errors = None, "", []
        return log, False
    if isinstance(outcome, Rejected):
        d.status, d.finished_at = Delivery.REJECTED, now
        d.error_code, d.error_message = outcome.errorcode, outcome.message
        d.validation_errors = outcome.validation_errors
        return log, False
    d.error_code, d.error_message = outcome.errorcode, outcome.reason
    d.needs_lookup = d.needs_lookup or outcome.ambiguous
    retryable = outcome.transient and d.attempts < settings.OTT_SEND_MAX_ATTEMPTS
    if retryable and not canceled:
        d.status = Delivery.QUEUED
        d.next_attempt_at = now + timedelta(seconds=_backoff(d.attempts, outcome))
        return log, True
    d.status, d.finished_at = (Delivery.CANCELED if retryable else Delivery.FAILED), now
    if outcome.transient and not retryable:
        d.error_message = f"{outcome.reason} (gave up after {d.attempts} attempts)"
    return log, False


_WRITE_FIELDS = [
    "status",
    "next_attempt_at",
    "lease_until",
    "needs_lookup",
    "http_status",
    "ott_request_id",
    "error_code",
    "error_message",
    "validation_errors",
    "response_body",
    "latency_ms",
    "network_events",
    "finished_at",
]


def _write_outcomes(deliveries: list[Delivery]) -> None:
    """One prepared UPDATE run for every row (executemany): far cheaper than bulk_update's CASE WHEN
    expressions, which cost milliseconds per row to build."""
    fields = [Delivery._meta.get_field(name) for name in _WRITE_FIELDS]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only column names from the model go into the text; every value is a parameter.
    sql = f"UPDATE {quote(Delivery._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(d, field.attname), connection) for field in fields] + [d.pk] for d in deliveries
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def record(send_id: int, results: list[Result], still_working: list[int]) -> None:
    """Write a batch of outcomes in one transaction, renew the lease of what is still in flight, and
    enqueue the retries in the same transaction."""
    from messages.tasks import deliver  # the task module imports this one

    now = timezone.now()
    with transaction.atomic():
        canceled = Send.objects.filter(pk=send_id, status=Send.CANCELED).exists()
        logs: list[Attempt] = []
        retries: list[Delivery] = []
        for result in results:
            log, retry = _apply(result, now, canceled)
            logs.extend(log)
            if retry:
                retries.append(result.delivery)
        _write_outcomes([r.delivery for r in results])
        Attempt.objects.bulk_create(logs, batch_size=500)
        if still_working:
            Delivery.objects.filter(id__in=still_working, status=Delivery.SENDING).update(
                lease_until=now + timedelta(seconds=lease_seconds())
            )
        if retries:
            run_after = max(d.next_attempt_at for d in retries)
            deliver.using(run_after=run_after).enqueue(send_id, [d.id for d in retries])


def deliver_chunk(send_id: int, ids: list[int], *, client: OttClient | None = None) -> None:
    """Send what is still queued among `ids`, with OTT_SEND_CONCURRENCY threads."""
    claimed = claim(send_id, ids)
    if claimed:
        client = client or shared_client()
        limiter = rate_limiter()
        in_flight = {d.id for d in claimed}
        batch: list[Result] = []
        last_flush = renewed = time.monotonic()
        pool = send_pool()
        futures = [pool.submit(delivery_attempt, client, d, limiter) for d in claimed]
        for future in as_completed(futures):
            result = future.result()
            batch.append(result)
            in_flight.discard(result.delivery.id)
            if len(batch) >= FLUSH_EVERY or time.monotonic() - last_flush > FLUSH_SECONDS:
                # Renew the lease of what is still in flight once a third of it has passed.
                renew = time.monotonic() - renewed > lease_seconds() / 3
                record(send_id, batch, sorted(in_flight) if renew else [])
                batch, last_flush = [], time.monotonic()
                renewed = last_flush if renew else renewed
        if batch:
            record(send_id, batch, [])
    send_finish_if_done(send_id)


def send_finish_if_done(send_id: int) -> None:
    """Set a send's final status once none of its deliveries is queued or sending."""
    if Delivery.objects.filter(send_id=send_id, status__in=Delivery.PENDING).exists():
        return
    unhappy = Delivery.objects.filter(send_id=send_id, status__in=(Delivery.REJECTED, Delivery.FAILED)).exists()
    status = Send.DONE_WITH_ERRORS if unhappy else Send.DONE
    Send.objects.filter(pk=send_id, status__in=(Send.QUEUED, Send.RUNNING)).update(
        status=status, finished_at=timezone.now()
    )
    Send.objects.filter(pk=send_id, status=Send.CANCELED, finished_at__isnull=True).update(finished_at=timezone.now())


def recover_expired_leases() -> int:
    """Deliveries left in `sending` by a dead worker go back to the queue (asking the status endpoint
    before resending: the dead worker may have sent them)."""
    from messages.tasks import deliver

    now = timezone.now()
    with transaction.atomic():
        queryset = Delivery.objects.filter(status=Delivery.SENDING, lease_until__lt=now)
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        stale = list(queryset.values_list("send_id", "id")[:10_000])
        if not stale:
            return 0
        Delivery.objects.filter(id__in=[pk for _, pk in stale], status=Delivery.SENDING).update(
            status=Delivery.QUEUED, needs_lookup=True, lease_until=None
        )
        by_send: dict[int, list[int]] = {}
        for send_id, pk in stale:
            by_send.setdefault(send_id, []).append(pk)
        for send_id, ids in by_send.items():
            for start in range(0, len(ids), CHUNK_SIZE):
                deliver.enqueue(send_id, ids[start : start + CHUNK_SIZE])
    logger.warning("took up %d deliveries whose lease had expired", len(stale))
    return len(stale)


# --- Follow-up: network events from the status endpoint ------------------------------------------
FOLLOW_UP_WINDOW = timedelta(hours=24)
FOLLOW_UP_BATCH = 200
_FINAL_EVENTS = {"sent", "error", "delivered", "read", "failed"}


def follow_up_due(now=None):
    """Sent deliveries whose network events are worth asking about now (backing off with age)."""
    now = now or timezone.now()
    recent = Delivery.objects.filter(status=Delivery.SENT, events_final=False, finished_at__gte=now - FOLLOW_UP_WINDOW)
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
        updated.append(delivery)
    Delivery.objects.bulk_update(updated, ["events_checked_at", "network_events", "events_final"], batch_size=200)
    return len(updated)
