"""An attempt's outcome -> the delivery's event and fields; a batch of them written in one transaction
with their attempt log, the leases still held renewed, and the retries enqueued in that transaction."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messages import bulk, lifecycle
from messages.bodies import kept_answer
from messages.engine.attempt import Result, found, reason
from messages.engine.watch import WATCHED, watch
from messages.lifecycle import Claimed
from messages.models import Attempt, Send
from ott.client import Accepted, Failed, Rejected, SendStatus

RESPONSE_LIMIT = 4000  # characters of an answer kept on the delivery
Enqueue = Callable[..., None]  # enqueue(send_id, ids, run_after=None)


def backoff(attempts: int, outcome: Failed) -> float:
    """Seconds before the next try: exponential with jitter, at least what Retry-After asks, and after
    a try that may still be in flight at Marketing Cloud, long enough for it to land before we ask."""
    base = float(settings.OTT_RETRY_BACKOFF_SECONDS) * (2 ** max(0, attempts - 1))
    delay = base * random.uniform(0.8, 1.2)  # jitter, not security
    if outcome.ambiguous:
        delay = max(delay, 2 * float(settings.OTT_READ_TIMEOUT))
    return max(delay, outcome.retry_after or 0.0)


def _response_text(outcome) -> str:
    if isinstance(outcome, Accepted):
        return kept_answer(outcome.body, outcome.ott_request_id)[:RESPONSE_LIMIT]
    return (getattr(outcome, "raw_text", "") or "")[:RESPONSE_LIMIT]


# An attempt log row, as `bulk.insert` writes it (no model instance per attempt: see messages.bulk).
ATTEMPT_FIELDS = ("delivery_id", "number", "kind", "at", "outcome", "http_status", "latency_ms", "detail")


def _lookup_log(d: Claimed, at, answer) -> tuple:
    if found(answer):
        outcome, status, detail = Attempt.Outcome.FOUND, 200, "Marketing Cloud has this messageKey"
    elif isinstance(answer, SendStatus):
        outcome, status, detail = Attempt.Outcome.UNKNOWN, None, "Marketing Cloud does not have this messageKey"
    else:
        outcome, status, detail = Attempt.Outcome.UNKNOWN, answer.http_status or None, reason(answer)
    # the latency feeds the metrics of the status endpoint
    return (d.pk, d.attempts, Attempt.Kind.LOOKUP, at, outcome, status, answer.latency_ms or None, detail)


def _post_log(d: Claimed, result: Result) -> tuple:
    outcome = result.outcome
    detail = "" if isinstance(outcome, Accepted) else reason(outcome)[:1000]
    kind = type(outcome).__name__.lower()  # accepted, rejected, failed
    status = outcome.http_status or None
    return (d.pk, d.attempts, Attempt.Kind.SEND, result.at, kind, status, outcome.latency_ms, detail)


def _succeeded(d: Claimed, now, ott_request_id: str = "") -> str:
    d.needs_lookup, d.finished_at = False, now
    d.error_code, d.error_message, d.validation_errors = None, "", []
    d.ott_request_id = ott_request_id or d.ott_request_id
    return "mark_sent"


def outcome_event(result: Result, now, stopped: bool, paused: bool = False) -> tuple[str, list[tuple]]:
    """The event a claimed delivery goes through for `result` (setting its fields on the object), and
    its attempt log rows. `stopped`: its send was canceled meanwhile (no retry then); `paused`: it was
    paused (what was not posted goes back to the queue, retries wait as usual)."""
    d, outcome = result.delivery, result.outcome
    log: list[tuple] = []
    d.lease_until = None
    if outcome is None and (paused or result.held):  # held back before it was posted: no try happened
        d.attempts -= 1
        d.next_attempt_at = result.held.until if result.held else None
        return "release", log
    if outcome is None:  # stopped before it was posted
        d.finished_at = now
        return "drop", log
    if result.lookup:
        log.append(_lookup_log(d, *result.lookup))
        if isinstance(result.lookup[1], SendStatus) and not result.lookup[1].found:
            d.needs_lookup = False
    if isinstance(outcome, SendStatus):  # found by the lookup: it went through earlier
        d.network_events = outcome.events or d.network_events
        return _succeeded(d, now, outcome.ott_request_id[:100]), log
    if result.posted:
        log.append(_post_log(d, result))
        d.http_status = outcome.http_status or None
        d.latency_ms = outcome.latency_ms
        d.response_body = _response_text(outcome)
    if isinstance(outcome, Accepted):
        return _succeeded(d, now, outcome.ott_request_id), log
    if isinstance(outcome, Rejected):
        d.finished_at = now
        d.error_code, d.error_message = outcome.errorcode, outcome.message
        d.validation_errors = outcome.validation_errors
        return "mark_rejected", log
    d.error_code, d.error_message = outcome.errorcode, outcome.reason
    d.needs_lookup = d.needs_lookup or outcome.ambiguous
    retryable = outcome.transient and d.attempts < settings.OTT_SEND_MAX_ATTEMPTS
    if retryable and not stopped:
        d.next_attempt_at = now + timedelta(seconds=backoff(d.attempts, outcome))
        return "schedule_retry", log
    d.finished_at = now
    if retryable:
        return "drop", log
    if outcome.transient:
        d.error_message = f"{outcome.reason} (gave up after {d.attempts} attempts)"
    return "mark_failed", log


def record(send_id: int, results: list[Result], still_held: list[int], enqueue: Enqueue) -> None:
    """Write a batch of outcomes in one transaction, renew the lease of what the worker still holds,
    and enqueue the retries in the same transaction."""
    now = timezone.now()
    with transaction.atomic():
        send = Send.objects.only(*WATCHED).get(pk=send_id)  # one read for the halt check and the watch
        halted = lifecycle.halted(send.status)
        stopped = halted is not None and halted != Send.Status.PAUSED
        logs: list[tuple] = []
        settled: list[tuple[Claimed, str]] = []
        for result in results:
            event, log = outcome_event(result, now, stopped, paused=halted == Send.Status.PAUSED)
            settled.append((result.delivery, event))
            logs.extend(log)
        lifecycle.settle(settled)
        bulk.insert(Attempt, ATTEMPT_FIELDS, logs)
        lifecycle.renew(still_held)
        # Retries, and deliveries given back while their sender is held, go to work again when due.
        retries = [d for d, event in settled if event == "schedule_retry" or (event == "release" and d.next_attempt_at)]
        if retries:
            enqueue(send_id, [d.id for d in retries], run_after=max(d.next_attempt_at for d in retries))
        if halted is None and results:
            watch(send, results, enqueue)
