"""What a person does to a send after confirming it (approve or reject, pause, resume, a new start time,
retry the failed), the list of what starts in the next days, and the words the confirm page uses
about approval and what happens next.

Each action is a POST from the send page that calls one service of messages.send_actions. A role
without the capability gets the "no access" page (403), and so does a person the service refuses
for who they are (NotAllowed: approving their own send, changing the time of someone else's); a
send whose status does not allow the action (SendRefused) gets the reason as a message on its page,
or, for the two forms with input (reject, reschedule), the page again with the error at its field.
"""

from __future__ import annotations

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from messages import send_actions
from messages.models import Send
from messages.schedule import StartTime, StartTimeForm, zoned_text
from messages.selectors import sends_ahead
from messages.services import NotAllowed, SendRefused, needs_approval
from messages.views.send_page import RejectForm, render_send_page
from ottportal.roles import capability_required, users_with

SS = Send.Status
DAYS_AHEAD = 7
APPROVERS_NAMED = 10  # the confirm page names this many who can approve, then says how many more


def approval_notice(sender, total: int, user) -> dict | None:
    """Whether a send of `total` recipients from `sender` will wait for approval, why, and who can
    give it (anyone with the approve capability but the person sending)."""
    if not needs_approval(sender, total):
        return None
    if sender.requires_approval:
        why = f"the sender {sender.name} requires approval for every send"
    else:
        why = (
            f"it goes to {total:,} recipients, and every send of {settings.OTT_APPROVAL_MIN_RECIPIENTS:,} "
            "or more needs approval"
        )
    approvers = [other.get_username() for other in users_with("approve") if other.pk != user.pk]
    return {"why": why, "approvers": approvers[:APPROVERS_NAMED], "more": max(0, len(approvers) - APPROVERS_NAMED)}


def _start_words(send: Send) -> str:
    if send.scheduled_at and send.scheduled_at > timezone.now():
        return f"starts at {zoned_text(send.scheduled_at, send.schedule_time_zone)}"
    return "starts at once"


def what_next(send: Send, start: StartTime | None = None) -> str:
    """The confirm's success message: what happens to the send now, in words."""
    deliveries = f"{send.total:,} {'delivery' if send.total == 1 else 'deliveries'}"
    if send.status == SS.PREPARING:
        then = "waits for approval" if send.needs_approval else _start_words(send)
        text = f"Preparing {deliveries} in the background (the page shows how far it is); then it {then}."
    elif send.status == SS.PENDING_APPROVAL:
        text = (
            f"Waiting for approval by an approver or an admin: nothing is sent until one approves it. "
            f"Once approved, it {_start_words(send)}."
        )
    elif send.status == SS.SCHEDULED:
        text = f"Scheduled for {zoned_text(send.scheduled_at, send.schedule_time_zone)}: {deliveries} start then."
    else:
        text = f"Queued {deliveries}."
    if start is not None and start.repeated:
        text += " " + start.repeated_note()
    return text


def _send(pk: int) -> Send:
    return get_object_or_404(Send.objects.select_related("sender", "created_by", "draft"), pk=pk)


def _act(request, pk: int, action, said) -> object:
    """Run `action(send)`; say `said(result)` on success, the reason otherwise; back to the send."""
    send = _send(pk)
    try:
        result = action(send)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except SendRefused as exc:
        messages.error(request, str(exc))
        return redirect("messages:send-detail", pk=send.pk)
    messages.success(request, said(result))
    return redirect("messages:send-detail", pk=getattr(result, "pk", send.pk))


def _approved(send: Send) -> str:
    send.refresh_from_db()
    return f"Approved: it {_start_words(send)}."


@require_POST
@capability_required("approve")
def send_approve_view(request, pk: int):
    return _act(request, pk, lambda send: send_actions.send_approve(send, request.user), _approved)


@require_POST
@capability_required("approve")
def send_reject_view(request, pk: int):
    send = _send(pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            send_actions.send_reject(send, request.user, form.cleaned_data["reason"])
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except SendRefused as exc:
            if exc.field not in form.fields:
                messages.error(request, str(exc))
                return redirect("messages:send-detail", pk=send.pk)
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, "Rejected: nothing of it is sent. Its author sees your reason on its page.")
            return redirect("messages:send-detail", pk=send.pk)
    return render_send_page(request, send, reject_form=form, status=400)


@require_POST
@capability_required("send")
def send_pause_view(request, pk: int):
    said = "Paused: nothing more is posted until someone resumes it (deliveries being posted finish)."
    return _act(request, pk, lambda send: send_actions.send_pause(send, request.user), lambda _: said)


def _resumed(send: Send) -> str:
    send.refresh_from_db()
    if send.started_at is None and send.scheduled_at and send.scheduled_at > timezone.now():
        return f"Resumed: it {_start_words(send)}."
    return "Resumed: it goes on where it stopped."


@require_POST
@capability_required("send")
def send_resume_view(request, pk: int):
    return _act(request, pk, lambda send: send_actions.send_resume(send, request.user), _resumed)


@require_POST
@capability_required("send")
def send_reschedule_view(request, pk: int):
    send = _send(pk)
    form = StartTimeForm(request.POST, user=request.user)
    if form.is_valid():
        start = form.cleaned_data["start"]
        try:
            send_actions.send_reschedule(send, request.user, start.at, start.zone)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except SendRefused as exc:
            if exc.field != "scheduled_at":
                messages.error(request, str(exc))
                return redirect("messages:send-detail", pk=send.pk)
            form.refused(str(exc))
        else:
            send.refresh_from_db()
            text = f"New start time: it {_start_words(send)}." if start.at else "It starts as soon as it can."
            if send.status == SS.PENDING_APPROVAL and send.approved_at:
                text += " It needs approving again: the start time is part of what was approved."
            messages.success(request, " ".join(filter(None, (text, start.repeated_note()))))
            return redirect("messages:send-detail", pk=send.pk)
    return render_send_page(request, send, reschedule_form=form, status=400)


def _retrying(retry: Send) -> str:
    return (
        f"Retrying the failed deliveries of send #{retry.retry_of_id} as this send. The portal first asks "
        "Marketing Cloud about each one and leaves out any it has after all, so nobody receives it twice."
    )


@require_POST
@capability_required("send")
def send_retry_failed_view(request, pk: int):
    return _act(request, pk, lambda send: send_actions.send_retry_failed(send, request.user), _retrying)


@capability_required("view_history")
def send_scheduled(request):
    """What starts in the next DAYS_AHEAD days, by day in the viewer's zone; and what waits for approval
    with no start time (it starts once approved). A time already passed is due: shown today."""
    now = timezone.now()
    timed, untimed = sends_ahead(now, DAYS_AHEAD)
    today = timezone.localdate(now)
    days = [
        (day, list(rows))
        for day, rows in groupby(timed, key=lambda send: max(timezone.localdate(send.scheduled_at), today))
    ]
    context = {"days": days, "untimed": untimed, "days_ahead": DAYS_AHEAD, "now": now, "today": today}
    return render(request, "messages/send_scheduled.html", context)
