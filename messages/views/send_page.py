"""The send page: its live part (status, progress, counters; htmx polls it), what a person may do to
the send now (by its status and their role), what will go out while it waits for approval, and its
timeline. The action views (messages/views/campaign.py) draw it again with their form's errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messages.bodies import Bodies, delivery_body
from messages.models import Delivery, Send, SenderHold
from messages.preview import template_bubbles
from messages.progress import send_progress
from messages.schedule import StartTimeForm, zone_label
from messages.selectors import send_errors
from messages.send_actions import REASON_MAX
from ottportal.roles import ADMINS, has_capability, user_roles

SS = Send.Status
PAUSABLE = (SS.SCHEDULED, SS.QUEUED, SS.RUNNING)
# How often the live part asks again: every second while deliveries move, less while the send waits.
BUSY = (SS.PREPARING, SS.QUEUED, SS.RUNNING)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        required=False,  # the service says why a reason is needed, at this field
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. The person who created the send reads it on the send's page."),
    )


@dataclass(frozen=True)
class Actions:
    """What the viewer may do to the send now."""

    pause: bool = False
    resume: bool = False
    cancel: bool = False
    reschedule: bool = False
    approve: bool = False  # approve or reject
    retry_failed: bool = False

    @property
    def any(self) -> bool:
        return any((self.pause, self.resume, self.cancel, self.reschedule, self.approve, self.retry_failed))


def not_started(send: Send) -> bool:
    return send.status in Send.WAITING or (send.status == SS.PAUSED and not send.started_at)


def actions_for(send: Send, user, failed: int, retried: Send | None) -> Actions:
    sends = has_capability(user, "send")
    own_or_admin = send.created_by_id == user.pk or ADMINS in user_roles(user)
    approver = has_capability(user, "approve") and send.created_by_id != user.pk
    return Actions(
        pause=sends and send.status in PAUSABLE,
        resume=sends and send.status == SS.PAUSED,
        cancel=sends and not send.is_finished,
        reschedule=sends and own_or_admin and not_started(send),
        approve=approver and send.status == SS.PENDING_APPROVAL,
        retry_failed=sends and send.status in Send.FINISHED and failed > 0 and retried is None,
    )


def progress_context(request, send: Send) -> dict:
    """The live part's context (also the cancel page's)."""
    progress = send_progress(send)
    return {
        "send": send,
        "progress": progress,
        "errors": [{**error, "label": Delivery.Status(error["status"]).label} for error in send_errors(send)],
        "refused_more": max(0, send.invalid_count - 50),
        "can_cancel": has_capability(request.user, "send") and not send.is_finished,
        "poll": "" if send.is_finished else ("every 1s" if send.status in BUSY else "every 2s"),
        "not_started": send.status in Send.WAITING and not send.started_at,  # nothing to count yet
        "starts_later": bool(send.scheduled_at and send.scheduled_at > timezone.now()),
        "viewer_approves": has_capability(request.user, "approve") and send.created_by_id != request.user.pk,
        "rejection": send.timeline.filter(event="rejected").select_related("user").last()
        if send.status == SS.REJECTED
        else None,
        "hold": SenderHold.objects.filter(sender_id=send.sender_id, until__gt=timezone.now()).first()
        if send.status in BUSY
        else None,
    }


def _first_body(send: Send) -> dict | None:
    """The first delivery's exact body (filled for its recipient), None before any is written."""
    deliveries = Delivery.objects.filter(send=send).order_by("id")
    first = deliveries.only("send_id", "message_key", "ott_id", "user_reference", "message").first()
    return None if first is None else json.loads(delivery_body(first, Bodies(send.template)))


def _schedule_initial(send: Send) -> dict:
    """The reschedule form starts from the current start time, in the zone it was given in."""
    if not send.scheduled_at:
        return {}
    zone = send.schedule_time_zone or settings.TIME_ZONE
    local = send.scheduled_at.astimezone(ZoneInfo(zone))
    return {"when": "at", "date": local.date(), "time": local.time(), "time_zone": zone}


def render_send_page(
    request, send: Send, *, reject_form: RejectForm | None = None, reschedule_form=None, status: int = 200
):
    context = progress_context(request, send)
    failed = context["progress"].counts[Delivery.Status.FAILED]
    retried = send.retries.exclude(status__in=(SS.CANCELED, SS.REJECTED)).order_by("-id").first()
    actions = actions_for(send, request.user, failed, retried)
    if actions.reschedule and reschedule_form is None:
        reschedule_form = StartTimeForm(user=request.user, initial=_schedule_initial(send))
    context.update(
        actions=actions,
        failed=failed,
        retried=retried,
        retries=list(send.retries.order_by("id")),
        reject_form=reject_form or RejectForm(),
        reschedule_form=reschedule_form,
        timeline=list(send.timeline.select_related("user")),
        schedule_zone=zone_label(send.schedule_time_zone) if send.schedule_time_zone else "",
    )
    if send.status == SS.PENDING_APPROVAL:
        # The approver sees what the first recipient gets: the phone and the JSON from the same body.
        first = _first_body(send)
        shown = json.dumps(first, indent=2, ensure_ascii=False) if first else ""
        context.update(bubbles=template_bubbles(first or send.template), first_payload=shown)
    return render(request, "messages/send_detail.html", context, status=status)
