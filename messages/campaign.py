"""A prepared send on its way to the worker: approval, schedule, the start, and what is enqueued
then. Every send goes out through `go`, at its time, which checks once more that its sender is
active and its approval still holds. Worker side as much as web side: no import of the tasks (the
callers hand their enqueue functions in: `enqueue_start(send_id, at)`, `enqueue(send_id, ids, run_after=None)`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from messages import lifecycle
from messages.models import Delivery, Send, SendEvent
from messages.stored_words import iso

EARLY = timedelta(seconds=1)  # a start task may run this much before its time


def start_words(send: Send) -> tuple[str, dict]:
    """The timeline's detail for a start time: stored in English, shown in the reader's language and zone."""
    if send.scheduled_at:
        return gettext_noop("To start at %(at)s"), {"at": iso(send.scheduled_at)}
    return gettext_noop("To start now"), {}


def ready(send: Send, *, enqueue_start: Callable, enqueue: Callable, user=None, rescheduled: bool = False) -> None:
    """After preparation (or a change of schedule, by `user`): wait for approval, or for the start
    time, or go now. `go` runs inline when the send is due, so a small send is queued before the
    request ends."""
    later = send.scheduled_at and send.scheduled_at > timezone.now() + EARLY
    # Timeline details are stored as English msgids and their values, translated when shown.
    detail, args = start_words(send) if later else (gettext_noop("To start now"), {})
    if rescheduled:
        lifecycle.note(send.pk, SendEvent.Event.RESCHEDULED, user=user, detail=detail, detail_args=args)
    if not lifecycle.approval_holds(send):
        why = gettext_noop("The start time changed after it was approved") if rescheduled else ""
        lifecycle.move(send, "ask_approval", detail=why)
        return
    line = SendEvent.Event.SCHEDULED if later and not rescheduled else ""
    lifecycle.move(send, "schedule", timeline=line, detail=detail, detail_args=args)
    if later:
        enqueue_start(send.pk, send.scheduled_at)
    else:
        go(send.pk, enqueue=enqueue)


def waiting_ids(send: Send) -> tuple[list[int], list[int], object]:
    """The queued deliveries to hand to the worker: (due now, waiting for a retry, when the last
    retry is due). While a canary runs, only the canary's."""
    queued = Delivery.objects.filter(send_id=send.pk, status=Delivery.Status.QUEUED)
    if send.canary_last_id and not send.canary_passed:
        queued = queued.filter(id__lte=send.canary_last_id)
    now = timezone.now()
    due, later, last = [], [], None
    for pk, next_at in queued.order_by("id").values_list("id", "next_attempt_at").iterator(chunk_size=5000):
        if next_at and next_at > now:
            later.append(pk)
            last = max(last or next_at, next_at)
        else:
            due.append(pk)
    return due, later, last


def go(send_id: int, *, enqueue: Callable) -> str:
    """The start task: a scheduled send whose time has come is queued and its deliveries enqueued.
    A send whose sender was deactivated meanwhile is paused (saying so), one whose approval no
    longer holds goes back for approval. Returns what happened, in words (for the task's result)."""
    with transaction.atomic():
        send = Send.objects.select_for_update().select_related("sender").filter(pk=send_id).first()
        if send is None or send.status != Send.Status.SCHEDULED:
            return "not scheduled"
        if send.scheduled_at and send.scheduled_at > timezone.now() + EARLY:
            return "not due yet"  # rescheduled later: the task for the new time starts it
        if not send.sender.is_active:
            reason = gettext_noop(
                "Not started: the sender %(sender)s was deactivated. Ask an admin to activate it again, then "
                "resume, or cancel the send."
            )
            lifecycle.pause(send, reason=reason, args={"sender": send.sender.name})
            return "sender inactive"
        if not lifecycle.approval_holds(send):
            detail = gettext_noop("What was approved changed: it needs approving again")
            lifecycle.move(send, "ask_approval", timeline=SendEvent.Event.APPROVAL_REQUESTED, detail=detail)
            return "approval needed"
        lifecycle.move(send, "queue", timeline="")
        due, later, last = waiting_ids(send)
        enqueue(send.pk, due)
        if later:
            enqueue(send.pk, later, run_after=last)
        if not due and not later:
            lifecycle.finish_if_done(send.pk)  # every recipient was left out (suppressed, capped): nothing to post
    return f"queued {len(due) + len(later)}"
