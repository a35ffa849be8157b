"""What the worker watches after each batch of outcomes: an error spike pauses the send, and a
send's canary, once it has finished without one, lets the rest of the send go.

The spike window is the send's last OTT_AUTO_PAUSE_WINDOW answers from Marketing Cloud seen by this
worker process (each answer counts, a failed try that will be retried too, so a storm of server
errors pauses the send before the retries pile up). It starts again when a person resumes the send.
"""

from __future__ import annotations

import threading
from collections import Counter, deque

from django.conf import settings
from django.utils.translation import gettext_noop

from messages import lifecycle
from messages.engine.attempt import Result, reason
from messages.models import Delivery, Send, SendEvent
from ott.client import Accepted, SendStatus

WINDOWS_KEPT = 200  # sends whose window one worker process remembers

_windows: dict[tuple, deque] = {}
_lock = threading.Lock()


def forget() -> None:
    with _lock:
        _windows.clear()


def _answer(result: Result) -> tuple[bool, str] | None:
    """(ok, what went wrong) for an answer from Marketing Cloud; None when nothing was asked."""
    outcome = result.outcome
    if outcome is None or (not result.posted and not isinstance(outcome, SendStatus)):
        return None
    if isinstance(outcome, Accepted | SendStatus):
        return True, ""
    return False, reason(outcome)[:200]


def _window(send: Send) -> deque:
    key = (send.pk, send.resumed_at)
    with _lock:
        if key not in _windows:
            while len(_windows) >= WINDOWS_KEPT:
                _windows.pop(next(iter(_windows)))
            _windows[key] = deque(maxlen=max(1, settings.OTT_AUTO_PAUSE_WINDOW))
        return _windows[key]


def _percent(share: float) -> int:
    return round(share * 100)


def spike(send: Send, results: list[Result]) -> bool:
    """Pause the send when the share of errors in its window passes OTT_AUTO_PAUSE_ERROR_RATE."""
    window = _window(send)
    for result in results:
        if (answer := _answer(result)) is not None:
            window.append(answer)
    limit = float(settings.OTT_AUTO_PAUSE_ERROR_RATE)
    if len(window) < window.maxlen or limit <= 0:
        return False
    errors = Counter(text for ok, text in window if not ok)
    failed = sum(errors.values())
    if failed / len(window) <= limit:
        return False
    common = "; ".join(f"{text} ({count:,})" for text, count in errors.most_common(3))
    # Stored as an English msgid and its values (messages/stored_words.py), translated when shown.
    reason_text = gettext_noop(
        "Paused by the portal: %(errors)s of the last %(answers)s answers were errors (%(share)s%%), more than "
        "the %(limit)s%% allowed. Most common: %(common)s. Resume it once the cause is fixed, or cancel it."
    )
    args = {
        "errors": failed,
        "answers": len(window),
        "share": _percent(failed / len(window)),
        "limit": _percent(limit),
        "common": common,
    }
    try:
        lifecycle.pause(send, reason=reason_text, args=args)
    except lifecycle.TransitionRefused:
        return False  # paused or canceled by a person meanwhile
    window.clear()
    return True


def canary(send: Send, enqueue) -> None:
    """Once every delivery of the canary has finished: pause the send if too many of them failed or
    were refused, otherwise queue the rest of it."""
    if not send.canary_last_id or send.canary_passed:
        return
    deliveries = Delivery.objects.filter(send_id=send.pk, id__lte=send.canary_last_id)
    if deliveries.filter(status__in=Delivery.PENDING).exists():
        return
    answered = deliveries.filter(status__in=Delivery.POSTED).count()
    failed = deliveries.filter(status__in=(Delivery.Status.REJECTED, Delivery.Status.FAILED)).count()
    limit = float(settings.OTT_AUTO_PAUSE_ERROR_RATE)
    if answered and failed / answered > limit:
        reason_text = gettext_noop(
            "Paused by the portal: the canary failed: %(failed)s of its %(answered)s deliveries failed or were "
            "refused (%(share)s%%, more than the %(limit)s%% allowed). The rest was not sent."
        )
        args = {"failed": failed, "answered": answered, "share": _percent(failed / answered), "limit": _percent(limit)}
        lifecycle.pause(send, reason=reason_text, args=args)
        return
    if Send.objects.filter(pk=send.pk, canary_passed=False).update(canary_passed=True):
        detail, args = gettext_noop("%(failed)s of %(answered)s failed"), {"failed": failed, "answered": answered}
        lifecycle.note(send.pk, SendEvent.Event.CANARY_PASSED, detail=detail, detail_args=args)
        rest = Delivery.objects.filter(send_id=send.pk, id__gt=send.canary_last_id, status=Delivery.Status.QUEUED)
        enqueue(send.pk, list(rest.order_by("id").values_list("id", flat=True)))


# What `watch` reads of the send.
WATCHED = ("status", "resumed_at", "canary_last_id", "canary_passed")


def watch(send: Send, results: list[Result], enqueue) -> None:
    """After a batch of outcomes of `send` (its WATCHED fields read in the batch's transaction): pause
    it on a spike of errors, or judge its canary."""
    if not spike(send, results):
        canary(send, enqueue)
