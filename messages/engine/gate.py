"""One gate per sender in a worker process: every thread posting for a sender passes it.

- Rate: at most OTT_SENDER_RATE_LIMIT posts per second per sender (0: no cap), or the sender's own
  `rate_limit`.
- Hold: a 429 from Marketing Cloud holds the whole sender, not one delivery: until Retry-After (or a
  backoff that doubles with each 429 in a row) for 50100 "rate limited"; at least
  OTT_BLOCK_HOLD_SECONDS for 50200 "temporarily blocked", which is a block, not a retry storm.
- Breaker: after OTT_BREAKER_FAILURES transient failures in a row (5xx, timeouts, refused
  connections) the sender is held for OTT_BREAKER_COOLDOWN_SECONDS; then one request probes: a good
  answer closes the breaker, another failure opens it again.

A held sender costs no thread and no task: a post that would wait longer than SHORT_WAIT is not made
(its delivery goes back to the queue until the hold ends) and the chunk stops claiming, so the worker
goes on with other senders' sends. Attempts run in pool threads; the gate touches no database. The
chunk writes what the gate says to the sender's `SenderHold` row, for the send page.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from ott.client import Failed

SHORT_WAIT = 1.0  # seconds a post may wait at the gate; longer holds give the delivery back
RATE_LIMITED, BLOCKED = 50100, 50200
BACKOFF_MAX = 60.0
PROBE_PATIENCE = 60.0  # a probe that never reported (its thread was stopped) is replaced after this


@dataclass(frozen=True)
class Hold:
    until: datetime  # wall clock, for people and for the task that takes the deliveries up again
    kind: str  # "rate_limited" | "blocked" | "breaker"
    reason: str


STOPPED = Hold(datetime.min.replace(tzinfo=UTC), "stopped", "its send was stopped")


@dataclass
class _Sender:
    interval: float | None = None  # the sender's own rate cap; None: the process's
    next_slot: float = 0.0
    held_until: float = 0.0  # monotonic
    hold: Hold | None = None
    failures: int = 0  # transient failures in a row
    limited: int = 0  # 429s in a row
    probing: bool = False  # the breaker lets one request through to test the way
    probe_started: float = 0.0


class SenderGate:
    def __init__(self, rate: float, breaker_failures: int, cooldown: float, block_hold: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.breaker_failures, self.cooldown, self.block_hold = breaker_failures, cooldown, block_hold
        self._senders: dict[int, _Sender] = {}
        self._lock = threading.Lock()
        self._changed: set[int] = set()

    def _state(self, sender_pk: int) -> _Sender:
        return self._senders.setdefault(sender_pk, _Sender())

    def set_rate(self, sender_pk: int, rate: float | None) -> None:
        """The sender's own cap in posts per second (None: the process's OTT_SENDER_RATE_LIMIT)."""
        with self._lock:
            self._state(sender_pk).interval = None if not rate else 1.0 / rate

    def held(self, sender_pk: int) -> Hold | None:
        """The hold on the sender that is longer than a short wait, if any."""
        with self._lock:
            state = self._state(sender_pk)
            return state.hold if state.held_until - time.monotonic() > SHORT_WAIT else None

    def enter(self, sender_pk: int, stop: threading.Event) -> Hold | None:
        """Wait for the sender's turn (rate, a short hold, another thread's probe). None: post now;
        a Hold: do not post (held for longer than a short wait, or `stop` was set meanwhile)."""
        while not stop.is_set():
            with self._lock:
                state, now = self._state(sender_pk), time.monotonic()
                if state.held_until - now > SHORT_WAIT:
                    return state.hold
                probe = state.hold is not None and state.hold.kind == "breaker"
                if state.held_until > now:
                    pause = state.held_until - now
                elif probe and state.probing and now - state.probe_started < PROBE_PATIENCE:
                    pause = 0.05  # another thread is probing: see what it finds
                else:
                    if probe:
                        state.probing, state.probe_started = True, now
                    slot = max(now, state.next_slot)
                    state.next_slot = slot + (self.interval if state.interval is None else state.interval)
                    pause = None
            if pause is None:
                if slot > now:
                    time.sleep(slot - now)  # our rate slot, already taken
                return None
            time.sleep(min(pause, 0.25))
        return STOPPED

    def _hold(self, state: _Sender, sender_pk: int, seconds: float, kind: str, reason: str) -> None:
        now = time.monotonic()
        if now + seconds > state.held_until:
            state.held_until = now + seconds
            state.hold = Hold(timezone.now() + timedelta(seconds=seconds), kind, reason)
            self._changed.add(sender_pk)

    def report(self, sender_pk: int, outcome) -> None:
        """What Marketing Cloud answered a post for this sender."""
        with self._lock:
            state = self._state(sender_pk)
            state.probing = False
            if isinstance(outcome, Failed) and outcome.http_status == 429:
                state.limited += 1
                if outcome.errorcode == BLOCKED:
                    seconds = max(outcome.retry_after or 0.0, self.block_hold)
                    self._hold(state, sender_pk, seconds, "blocked", "Marketing Cloud blocked this sender for a while")
                else:
                    seconds = outcome.retry_after or min(BACKOFF_MAX, 2.0 ** (state.limited - 1))
                    self._hold(state, sender_pk, seconds, "rate_limited", "Marketing Cloud's rate limit")
            elif isinstance(outcome, Failed) and outcome.transient:
                state.failures += 1
                already = state.held_until > time.monotonic()  # in-flight failures do not extend a hold
                if self.breaker_failures and state.failures >= self.breaker_failures and not already:
                    reason = f"{state.failures} failures in a row ({outcome.reason}): posting paused, then one try"
                    self._hold(state, sender_pk, self.cooldown, "breaker", reason)
            else:
                state.failures = state.limited = 0
                if state.hold is not None and state.held_until <= time.monotonic():
                    state.hold = None
                    self._changed.add(sender_pk)

    def changes(self) -> dict[int, Hold | None]:
        """The senders whose hold began or ended since the last call, with their hold now."""
        with self._lock:
            changed, self._changed = self._changed, set()
            return {pk: self._state(pk).hold for pk in changed}
