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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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
        why = _("the sender %(name)s requires approval for every send") % {"name": sender.name}
    else:
        why = ngettext(
            "it goes to %(total)s recipient, and every send of %(min)s or more needs approval",
            "it goes to %(total)s recipients, and every send of %(min)s or more needs approval",
            total,
        ) % {"total": f"{total:,}", "min": f"{settings.OTT_APPROVAL_MIN_RECIPIENTS:,}"}
    approvers = [other.get_username() for other in users_with("approve") if other.pk != user.pk]
    return {"why": why, "approvers": approvers[:APPROVERS_NAMED], "more": max(0, len(approvers) - APPROVERS_NAMED)}


def _start_words(send: Send) -> str:
    """How a sentence about when the send starts ends, after "it": "starts at ..." or "starts at once"."""
    if send.scheduled_at and send.scheduled_at > timezone.now():
        return _("starts at %(time)s") % {"time": zoned_text(send.scheduled_at, send.schedule_time_zone)}
    return _("starts at once")


def what_next(send: Send, start: StartTime | None = None) -> str:
    """The confirm's success message: what happens to the send now, in words."""
    n, values = send.total, {"n": f"{send.total:,}"}
    if send.status == SS.PREPARING and send.needs_approval:
        text = (
            ngettext(
                "Preparing %(n)s delivery in the background (the page shows how far it is); "
                "then it waits for approval.",
                "Preparing %(n)s deliveries in the background (the page shows how far it is); "
                "then it waits for approval.",
                n,
            )
            % values
        )
    elif send.status == SS.PREPARING:
        text = ngettext(
            "Preparing %(n)s delivery in the background (the page shows how far it is); then it %(start)s.",
            "Preparing %(n)s deliveries in the background (the page shows how far it is); then it %(start)s.",
            n,
        ) % {**values, "start": _start_words(send)}
    elif send.status == SS.PENDING_APPROVAL:
        text = _(
            "Waiting for approval by an approver or an admin: nothing is sent until one approves it. "
            "Once approved, it %(start)s."
        ) % {"start": _start_words(send)}
    elif send.status == SS.SCHEDULED:
        text = ngettext(
            "Scheduled for %(time)s: %(n)s delivery starts then.",
            "Scheduled for %(time)s: %(n)s deliveries start then.",
            n,
        ) % {**values, "time": zoned_text(send.scheduled_at, send.schedule_time_zone)}
    else:
        text = ngettext("Queued %(n)s delivery.", "Queued %(n)s deliveries.", n) % values
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
    return _("Approved: it %(start)s.") % {"start": _start_words(send)}


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
            messages.success(request, _("Rejected: nothing of it is sent. Its author sees your reason on its page."))
            return redirect("messages:send-detail", pk=send.pk)
    return render_send_page(request, send, reject_form=form, status=400)


@require_POST
@capability_required("send")
def send_pause_view(request, pk: int):
    said = _("Paused: nothing more is posted until someone resumes it (deliveries being posted finish).")
    return _act(request, pk, lambda send: send_actions.send_pause(send, request.user), lambda result: said)


def _resumed(send: Send) -> str:
    send.refresh_from_db()
    if send.started_at is None and send.scheduled_at and send.scheduled_at > timezone.now():
        return _("Resumed: it %(start)s.") % {"start": _start_words(send)}
    return _("Resumed: it goes on where it stopped.")


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
            if start.at:
                text = _("New start time: it %(start)s.") % {"start": _start_words(send)}
            else:
                text = _("It starts as soon as it can.")
            if send.status == SS.PENDING_APPROVAL and send.approved_at:
                text += " " + _("It needs approving again: the start time is part of what was approved.")
            messages.success(request, " ".join(filter(None, (text, start.repeated_note()))))
            return redirect("messages:send-detail", pk=send.pk)
    return render_send_page(request, send, reschedule_form=form, status=400)


def _retrying(retry: Send) -> str:
    return _(
        "Retrying the failed deliveries of send #%(pk)s as this send. The portal first asks "
        "Marketing Cloud about each one and leaves out any it has after all, so nobody receives it twice."
    ) % {"pk": retry.retry_of_id}


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
