"""One try for one delivery, run in a pool thread: HTTP only, no database. Never raises."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from messages.engine.gate import Hold, SenderGate
from messages.lifecycle import Claimed
from ott.client import Failed, OttClient, Outcome, Rejected, SendStatus


@dataclass
class Result:
    delivery: Claimed
    outcome: Outcome | SendStatus | None  # None: not posted, its send was stopped first
    at: datetime  # when the attempt started
    lookup: tuple | None = None  # (at, SendStatus | Failed | Rejected) when the status was asked first
    posted: bool = True  # False when nothing was sent (stopped, held, or the status lookup failed)
    held: Hold | None = None  # not posted because its sender is held until then


def lookup(client: OttClient, delivery: Claimed) -> tuple:
    """(when, answer) of `GET /ott/v1/send/{messageKey}`: does Marketing Cloud already have it?"""
    return timezone.now(), client.get_send_status(str(delivery.message_key))


def found(answer) -> bool:
    return isinstance(answer, SendStatus) and answer.found


def reason(outcome) -> str:
    return outcome.message if isinstance(outcome, Rejected) else getattr(outcome, "reason", str(outcome))


def delivery_attempt(
    client: OttClient, delivery: Claimed, body: str, gate: SenderGate, stop: threading.Event
) -> Result:
    """Posts `body` (the delivery's, messages.bodies). Asks the status endpoint first when a previous
    try may have reached Marketing Cloud, and after a last try that may have. Posts nothing once
    `stop` is set (its send was canceled or paused), nor while its sender is held (see engine.gate)."""
    if stop.is_set():
        return Result(delivery, None, timezone.now(), posted=False)
    asked = None
    if delivery.needs_lookup:
        asked = lookup(client, delivery)
        at, answer = asked
        if found(answer):
            return Result(delivery, answer, at, asked)
        if not isinstance(answer, SendStatus):
            if not answer.transient:  # 403, 404-like refusals: asking again will not help, resending may duplicate
                failed = Failed(f"status lookup refused: {reason(answer)}", transient=False)
            else:  # the lookup itself failed: try again later
                failed = Failed(f"status lookup failed: {reason(answer)}", transient=True, ambiguous=True)
            return Result(delivery, failed, at, asked, posted=False)
    hold = gate.enter(delivery.sender_id, stop)
    if hold is not None:
        held = None if stop.is_set() else hold
        return Result(delivery, None, timezone.now(), asked, posted=False, held=held)
    at = timezone.now()
    outcome = client.send(body)
    gate.report(delivery.sender_id, outcome)
    if isinstance(outcome, Failed) and outcome.ambiguous and delivery.attempts >= settings.OTT_SEND_MAX_ATTEMPTS:
        final = lookup(client, delivery)
        if found(final[1]):
            return Result(delivery, final[1], at, final)
    return Result(delivery, outcome, at, asked)
