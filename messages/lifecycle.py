"""The send and delivery state machines.

Every allowed status change is one row of `SEND_TRANSITIONS` or `DELIVERY_TRANSITIONS` (event, from,
to), and every change is made by one guarded, set-based update here: the update names the statuses
it may leave, so a row that has moved on meanwhile (another worker, a person canceling) is left as it
is. The worker, the services and the views change statuses only through these functions.
docs/sending.md shows the same tables in words.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from messages import bulk
from messages.models import Delivery, Send, SendEvent
from messages.stored_words import english
from ottportal import audit

DS, SS = Delivery.Status, Send.Status


@dataclass(frozen=True)
class Transition:
    event: str
    source: tuple[str, ...]
    target: str
    meaning: str


def _table(*rows: Transition) -> dict[str, Transition]:
    return {row.event: row for row in rows}


DELIVERY_TRANSITIONS = _table(
    Transition("claim", (DS.QUEUED,), DS.SENDING, "a worker takes it to post it, under a lease"),
    Transition("mark_sent", (DS.SENDING,), DS.SENT, "Marketing Cloud accepted it (or a lookup found it)"),
    Transition("mark_rejected", (DS.SENDING,), DS.REJECTED, "Marketing Cloud refused it: never retried"),
    Transition("mark_failed", (DS.SENDING,), DS.FAILED, "a failure that is final, or the last attempt failed"),
    Transition("schedule_retry", (DS.SENDING,), DS.QUEUED, "a transient failure: tried again after a wait"),
    Transition("drop", (DS.SENDING,), DS.CANCELED, "its send was canceled before it was posted or retried"),
    Transition("release", (DS.SENDING,), DS.QUEUED, "its send was paused before it was posted: back in the queue"),
    Transition("recover", (DS.SENDING,), DS.QUEUED, "its worker died: back to the queue, asking before resending"),
    Transition("cancel", (DS.QUEUED,), DS.CANCELED, "a person canceled (or an approver rejected) its send"),
    Transition("suppress", (DS.SENDING,), DS.SUPPRESSED, "just before its post, its recipient was found suppressed"),
    Transition("found_later", (DS.FAILED,), DS.SENT, "a retry's status lookup found Marketing Cloud had it"),
)

SEND_TRANSITIONS = _table(
    Transition("ask_approval", (SS.PREPARING, SS.SCHEDULED), SS.PENDING_APPROVAL, "it needs a second person's yes"),
    Transition("schedule", (SS.PREPARING, SS.SCHEDULED), SS.SCHEDULED, "ready (or rescheduled): waits for its time"),
    Transition("approve", (SS.PENDING_APPROVAL,), SS.SCHEDULED, "a second person approved it: it waits for its time"),
    Transition("reject", (SS.PENDING_APPROVAL,), SS.REJECTED, "the approver refused it, saying why: nothing is sent"),
    Transition("queue", (SS.SCHEDULED,), SS.QUEUED, "its time came: the worker takes it up"),
    Transition("start", (SS.QUEUED,), SS.RUNNING, "a worker claimed its first delivery"),
    Transition(
        "pause", (SS.SCHEDULED, SS.QUEUED, SS.RUNNING), SS.PAUSED, "a person paused it, or the portal did, saying why"
    ),
    Transition("resume", (SS.PAUSED,), SS.SCHEDULED, "a person resumed it: it goes on when its time has come"),
    Transition(
        "cancel",
        (SS.PREPARING, SS.PENDING_APPROVAL, SS.SCHEDULED, SS.QUEUED, SS.RUNNING, SS.PAUSED),
        SS.CANCELED,
        "a person canceled it",
    ),
    Transition("finish", (SS.QUEUED, SS.RUNNING, SS.PAUSED), SS.DONE, "every delivery was sent"),
    Transition(
        "finish_with_errors",
        (SS.QUEUED, SS.RUNNING, SS.PAUSED),
        SS.DONE_WITH_ERRORS,
        "all finished, some rejected or failed",
    ),
)

# The statuses in which a send's deliveries may be posted; in any other the worker stops posting it.
RUNNABLE = (SS.QUEUED, SS.RUNNING)

# The refusal of each send event, naming the status the send is in: "This send is done, so it cannot be paused."
_STARTED = gettext_lazy("This send is %(status)s, so it cannot be started.")
_FINISHED = gettext_lazy("This send is %(status)s, so it cannot be finished.")
_REFUSALS = {
    "ask_approval": gettext_lazy("This send is %(status)s, so it cannot be sent for approval."),
    "schedule": gettext_lazy("This send is %(status)s, so it cannot be rescheduled."),
    "approve": gettext_lazy("This send is %(status)s, so it cannot be approved."),
    "reject": gettext_lazy("This send is %(status)s, so it cannot be rejected."),
    "queue": _STARTED,
    "start": _STARTED,
    "pause": gettext_lazy("This send is %(status)s, so it cannot be paused."),
    "resume": gettext_lazy("This send is %(status)s, so it cannot be resumed."),
    "cancel": gettext_lazy("This send is %(status)s, so it cannot be canceled."),
    "finish": _FINISHED,
    "finish_with_errors": _FINISHED,
}

_E = SendEvent.Event
_TIMELINE = {
    "ask_approval": _E.APPROVAL_REQUESTED,
    "schedule": _E.SCHEDULED,
    "approve": _E.APPROVED,
    "reject": _E.REJECTED,
    "queue": _E.STARTED,
    "start": _E.STARTED,
    "pause": _E.PAUSED,
    "resume": _E.RESUMED,
    "cancel": _E.CANCELED,
    "finish": _E.FINISHED,
    "finish_with_errors": _E.FINISHED,
}


class TransitionRefused(Exception):
    """The send is not in a status this event may leave; the message says which status it is in."""

    @classmethod
    def of(cls, send: Send, event: str) -> TransitionRefused:
        send.refresh_from_db(fields=["status"])
        status = send.get_status_display().lower()
        return cls(_REFUSALS[event] % {"status": status})


def lease_seconds() -> float:
    return float(settings.OTT_DELIVERY_LEASE_SECONDS)


def _lease(now):
    return now + timedelta(seconds=lease_seconds())


def _guarded(transitions: dict[str, Transition], event: str, queryset):
    """`queryset` narrowed to the rows `event` may leave."""
    return queryset.filter(status__in=transitions[event].source)


# --- Deliveries -----------------------------------------------------------------------------------


def reserve(send_id: int, ids: list[int]) -> int:
    """A worker announces it will work through `ids`: their queued rows get a lease (status unchanged),
    so that if the worker dies the rest of the chunk is taken up again. Returns how many it holds."""
    return Delivery.objects.filter(send_id=send_id, id__in=ids, status=DS.QUEUED).update(
        lease_until=_lease(timezone.now())
    )


def renew(ids: list[int]) -> None:
    """Renew the lease of the rows a living worker still holds (claimed or reserved)."""
    if ids:
        Delivery.objects.filter(id__in=ids, status__in=Delivery.PENDING, lease_until__isnull=False).update(
            lease_until=_lease(timezone.now())
        )


def claim(send_id: int, ids: list[int]) -> list[Claimed]:
    """`claim`: the queued deliveries among `ids` become `sending` for this worker, one more attempt
    each, under a lease; the send starts. Rows canceled or taken by another worker are skipped."""
    if not ids:
        return []
    now = timezone.now()
    if claimed := _mark_claimed(send_id, ids, _lease(now), while_running=True):
        return claimed  # the usual case, in one round trip to the database: the send is running
    status = Send.objects.filter(pk=send_id).values_list("status", flat=True).first()
    if status not in RUNNABLE:
        return []  # paused, canceled (or not started yet) since the worker last looked
    if status == SS.RUNNING:
        return _mark_claimed(send_id, ids, _lease(now))  # (none left, or it was resumed just now)
    with transaction.atomic():  # its first claim, or the first after a pause: the send starts with it
        claimed = _mark_claimed(send_id, ids, _lease(now))
        if claimed:
            starting = _guarded(SEND_TRANSITIONS, "start", Send.objects.filter(pk=send_id))
            if starting.filter(started_at__isnull=True).update(status=SS.RUNNING, started_at=now):
                note(send_id, SendEvent.Event.STARTED, at=now)
            else:
                starting.update(status=SS.RUNNING)
    return claimed


def _mark_claimed(send_id: int, ids: list[int], lease, *, while_running: bool = False) -> list[Claimed]:
    """The queued rows of `send_id` among `ids` become `sending` under `lease`, one more attempt each,
    and come back as they are now, in one statement (the worker claims a few dozen rows many times a
    second, and its main thread waits for each round trip). `while_running`: only if the send is
    running. On PostgreSQL rows another worker is claiming are skipped, not waited for; SQLite runs one
    writer at a time."""
    table, send_table = (connection.ops.quote_name(model._meta.db_table) for model in (Delivery, Send))
    names = ("status", "lease_until", "attempts", "id", "send_id")
    status, lease_until, attempts, pk, send = bulk.columns(Delivery, names)
    transition = DELIVERY_TRANSITIONS["claim"]
    marks, sources = ", ".join(["%s"] * len(ids)), ", ".join(["%s"] * len(transition.source))
    chosen = f"{send} = %s AND {pk} IN ({marks}) AND {status} IN ({sources})"
    params = [send_id, *ids, *(str(source) for source in transition.source)]
    if while_running:
        chosen += f" AND EXISTS (SELECT 1 FROM {send_table} WHERE {pk} = %s AND {status} = %s)"  # noqa: S608
        params += [send_id, SS.RUNNING.value]
    if connection.features.has_select_for_update_skip_locked:
        chosen = f"{pk} IN (SELECT {pk} FROM {table} WHERE {chosen} FOR UPDATE OF {table} SKIP LOCKED)"  # noqa: S608
    sql = (
        f"UPDATE {table} SET {status} = %s, {lease_until} = %s, {attempts} = {attempts} + 1 "  # noqa: S608
        f"WHERE {chosen} RETURNING {', '.join(bulk.columns(Delivery, CLAIM_FIELDS))}"
    )
    lease = connection.ops.adapt_datetimefield_value(lease)
    with connection.cursor() as cursor:
        cursor.execute(sql, [transition.target.value, lease, *params])
        rows = bulk.returned(Delivery, CLAIM_FIELDS, cursor.fetchall())
    return sorted((Claimed(row) for row in rows), key=lambda delivery: delivery.id)


OUTCOME_FIELDS = [
    "status",
    "attempts",
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


# What the engine reads of a claimed delivery, and what it writes back: nothing else is loaded.
CLAIM_FIELDS = ("id", "send_id", "sender_id", "message_key", "ott_id", "user_reference", "message", *OUTCOME_FIELDS)


class Claimed:
    """A claimed delivery as the engine works on it: the fields it reads and writes (CLAIM_FIELDS) as
    plain attributes. Not a model instance: building one (its signals, every field's default) cost a
    fifth of the worker's time."""

    __slots__ = CLAIM_FIELDS

    def __init__(self, values) -> None:
        for name, value in zip(CLAIM_FIELDS, values, strict=True):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"Claimed(id={self.id}, status={self.status!r})"


def settle(settled: list[tuple[Delivery | Claimed, str]]) -> None:
    """Write the outcome of claimed deliveries, each with the event it went through (`mark_sent`,
    `mark_rejected`, `mark_failed`, `schedule_retry`, `drop`, `release`): the delivery objects carry the new
    field values. One prepared UPDATE for every row (executemany, far cheaper than bulk_update's CASE
    expressions), each guarded by the status its event leaves."""
    rows = []
    for delivery, event in settled:
        transition = DELIVERY_TRANSITIONS[event]
        if transition.source != (DS.SENDING,):
            raise ValueError(f"{event} does not settle a claimed delivery")
        delivery.status = transition.target
        rows.append([*(getattr(delivery, name) for name in OUTCOME_FIELDS), delivery.pk, DS.SENDING])
    bulk.update(Delivery, OUTCOME_FIELDS, ("id", "status"), rows)


def unreserve(ids: list[int]) -> None:
    """A worker that stops early (its send was paused) lets go of the queued rows it had reserved, so
    nobody waits for their lease: they stay queued until the send is resumed."""
    if ids:
        Delivery.objects.filter(id__in=ids, status=DS.QUEUED).update(lease_until=None)


def found_later(ids: list[int]) -> int:
    """`found_later`: failed deliveries that a status lookup found Marketing Cloud has after all."""
    return _guarded(DELIVERY_TRANSITIONS, "found_later", Delivery.objects.filter(id__in=ids)).update(
        status=DELIVERY_TRANSITIONS["found_later"].target
    )


def expired_leases(now, limit: int):
    """The (send id, id, status) of pending deliveries whose lease ran out before `now`: found through
    the lease index, which holds only the rows that have a lease."""
    expired = Delivery.objects.filter(status__in=Delivery.PENDING, lease_until__lt=now)
    if connection.features.has_select_for_update_skip_locked:
        expired = expired.select_for_update(skip_locked=True)
    return expired.values_list("send_id", "id", "status")[:limit]


def recover(limit: int = 10_000) -> list[tuple[int, int]]:
    """Deliveries whose worker died: `recover` the claimed ones whose lease expired (back to `queued`,
    marked to ask Marketing Cloud before any resend: the dead worker may have posted them), and release
    the reserved ones it never reached. Returns their (send id, id) to enqueue again."""
    with transaction.atomic():
        stale = list(expired_leases(timezone.now(), limit))
        ids = [pk for _, pk, _ in stale]
        _guarded(DELIVERY_TRANSITIONS, "recover", Delivery.objects.filter(id__in=ids)).update(
            status=DELIVERY_TRANSITIONS["recover"].target, needs_lookup=True, lease_until=None
        )
        Delivery.objects.filter(id__in=ids, status=DS.QUEUED).update(lease_until=None)
    return [(send_id, pk) for send_id, pk, _ in stale]


# --- Sends ----------------------------------------------------------------------------------------


def note(
    send_id: int, event: str, *, user=None, detail: str = "", detail_args: dict | None = None, at=None
) -> SendEvent:
    """Add a line to the send's timeline; one a person caused goes into the audit trail too. `detail`
    is an English msgid with named placeholders, `detail_args` their values (messages/stored_words.py):
    the line is put together, in the reader's language, where it is shown."""
    args = detail_args or {}
    line = SendEvent.objects.create(
        send_id=send_id, event=event, user=user, detail=detail, detail_args=args, at=at or timezone.now()
    )
    if user is not None:
        _audit(send_id, event, user, english(detail, args))  # the trail keeps finished English text
    return line


def _audit(send_id: int, event: str, user, detail: str) -> None:
    send = Send.objects.only("id", "draft_name", "status", "scheduled_at", "total", "is_test").get(pk=send_id)
    after = {"status": send.status, "scheduled_at": send.scheduled_at, "total": send.total, "is_test": send.is_test}
    audit.record(audit.action_of("send", event), user=user, obj=send, detail=detail, after=after)


def move(
    send: Send,
    event: str,
    *,
    user=None,
    detail: str = "",
    detail_args: dict | None = None,
    timeline: str | None = None,
    **fields,
) -> None:
    """Make `event` happen to the send (a guarded update that also sets `fields`) and add it to the
    timeline (as `timeline`, by default the event's own line; "" adds none), saying `detail` (see
    `note`). Raises TransitionRefused, naming the status the send is in, when the event may not leave it."""
    target = SEND_TRANSITIONS[event].target
    with transaction.atomic():
        if not _guarded(SEND_TRANSITIONS, event, Send.objects.filter(pk=send.pk)).update(status=target, **fields):
            raise TransitionRefused.of(send, event)
        if timeline != "":
            note(send.pk, timeline or _TIMELINE[event], user=user, detail=detail, detail_args=detail_args)
    send.status = target
    for name, value in fields.items():
        setattr(send, name, value)


def send_halted(send_id: int) -> str | None:
    """The status of a send whose deliveries may not be posted now (paused, canceled, ...), or None
    while it may run."""
    return halted(Send.objects.filter(pk=send_id).values_list("status", flat=True).first())


def halted(status: str | None) -> str | None:
    """`status` if a send in it may not be posted now, None if it may run."""
    return None if status in RUNNABLE else status


def fingerprint(send: Send) -> str:
    """What an approval is bound to: the frozen message, the recipients and the schedule. Anything
    else about the send can change without asking again; these cannot."""
    when = send.scheduled_at.isoformat() if send.scheduled_at else "as soon as approved"
    text = json.dumps([send.template, send.audience_digest, when, send.canary], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def approval_holds(send: Send) -> bool:
    return not send.needs_approval or (bool(send.approved_at) and send.approval_fingerprint == fingerprint(send))


@dataclass(frozen=True)
class Canceled:
    not_sent: int  # deliveries that will not be posted
    in_flight: int  # deliveries being posted at that moment; they finish and are recorded


def _cancel_deliveries(send: Send, now) -> tuple[int, int]:
    deliveries = Delivery.objects.filter(send=send)
    not_sent = _guarded(DELIVERY_TRANSITIONS, "cancel", deliveries).update(
        status=DS.CANCELED, finished_at=now, next_attempt_at=None, lease_until=None
    )
    return not_sent, deliveries.filter(status=DS.SENDING).count()


def cancel(send: Send, user) -> Canceled:
    """`cancel` the send and every delivery of it still queued (retries waiting included), in one
    transaction. Workers see it within a second and post nothing more of it."""
    now = timezone.now()
    with transaction.atomic():
        if not _guarded(SEND_TRANSITIONS, "cancel", Send.objects.filter(pk=send.pk)).update(
            status=SS.CANCELED, canceled_by=user
        ):
            send.refresh_from_db()
            status = send.get_status_display().lower()
            raise TransitionRefused(_("This send has already finished (%(status)s).") % {"status": status})
        not_sent, in_flight = _cancel_deliveries(send, now)
        detail, args = gettext_noop("%(count)s not sent"), {"count": not_sent}
        note(send.pk, SendEvent.Event.CANCELED, user=user, detail=detail, detail_args=args, at=now)
    finish_if_done(send.pk)
    send.refresh_from_db()
    return Canceled(not_sent=not_sent, in_flight=in_flight)


def reject(send: Send, user, reason: str) -> None:
    """`reject`: nothing of the send goes out; the reason is on its timeline."""
    now = timezone.now()
    with transaction.atomic():
        move(send, "reject", user=user, detail=reason, finished_at=now)
        _cancel_deliveries(send, now)


def pause(send: Send, *, user=None, reason: str, args: dict | None = None) -> None:
    """`pause`: queued deliveries stay queued, those being posted finish; `reason` says why (who
    paused it, or what made the portal pause it): an English msgid, `args` its values (see `note`)."""
    args = args or {}
    move(send, "pause", user=user, detail=reason, detail_args=args, paused_reason=reason, paused_reason_args=args)


def finish_if_done(send_id: int) -> None:
    """`finish` (or `finish_with_errors`) a send once none of its deliveries is queued or sending; a
    canceled send gets its finishing time then."""
    deliveries = Delivery.objects.filter(send_id=send_id)
    if deliveries.filter(status__in=Delivery.PENDING).exists():
        return
    now = timezone.now()
    unhappy = deliveries.filter(status__in=(DS.REJECTED, DS.FAILED)).exists()
    event = "finish_with_errors" if unhappy else "finish"
    with transaction.atomic():
        if _guarded(SEND_TRANSITIONS, event, Send.objects.filter(pk=send_id)).update(
            status=SEND_TRANSITIONS[event].target, finished_at=now, paused_reason="", paused_reason_args={}
        ):
            # Stored in English whoever's request finished it; the timeline translates it when shown.
            with translation.override(None):
                detail = str(SEND_TRANSITIONS[event].target.label)
            note(send_id, SendEvent.Event.FINISHED, detail=detail, at=now)
    Send.objects.filter(pk=send_id, status=SS.CANCELED, finished_at__isnull=True).update(finished_at=now)
