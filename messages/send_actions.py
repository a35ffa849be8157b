"""What a person can do to a send after confirming it: approve or reject it (a second person), pause
and resume it, change its start time, and retry what failed. Each is one event of the send state
machine (messages.lifecycle); a refused one raises SendRefused (or NotAllowed) saying why in words.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from messages import campaign, lifecycle
from messages.models import Delivery, Send, SendEvent
from messages.services import NotAllowed, SendRefused, check_schedule, needs_approval
from messages.tasks import enqueue_deliveries, enqueue_start, prepare, schedule_housekeeping
from ottportal import audit
from ottportal.roles import ADMINS, has_capability, user_roles

REASON_MAX = 1000


def _locked(send: Send) -> Send:
    return Send.objects.select_for_update().select_related("sender").get(pk=send.pk)


def _refused(exc: lifecycle.TransitionRefused) -> SendRefused:
    return SendRefused(str(exc))


def _name(user) -> str:
    return user.get_username() if user else "the portal"


def send_approve(send: Send, user) -> Send:
    """A second person approves the send exactly as it is now (its message, recipients and time)."""
    if not has_capability(user, "approve"):
        raise NotAllowed(_("Only approvers and admins can approve a send."))
    if send.created_by_id == user.pk:
        raise NotAllowed(_("You created this send: a different person must approve it."))
    with transaction.atomic():
        send = _locked(send)
        try:
            lifecycle.move(
                send,
                "approve",
                user=user,
                approved_by=user,
                approved_at=timezone.now(),
                approval_fingerprint=lifecycle.fingerprint(send),
            )
        except lifecycle.TransitionRefused as exc:
            raise _refused(exc) from exc
        enqueue_start(send.pk, send.scheduled_at)
    return send


def send_reject(send: Send, user, reason: str) -> Send:
    if not has_capability(user, "approve"):
        raise NotAllowed(_("Only approvers and admins can reject a send."))
    reason = (reason or "").strip()
    if not reason:
        raise SendRefused(_("Say why the send is rejected: its author reads it."), "reason")
    if len(reason) > REASON_MAX:
        raise SendRefused(_("The reason is at most %(max)s characters.") % {"max": f"{REASON_MAX:,}"}, "reason")
    with transaction.atomic():
        send = _locked(send)
        try:
            lifecycle.reject(send, user, reason)
        except lifecycle.TransitionRefused as exc:
            raise _refused(exc) from exc
    return send


def send_pause(send: Send, user) -> Send:
    """Deliveries not yet started stay queued; those being posted finish."""
    try:
        lifecycle.pause(send, user=user, reason=gettext_noop("Paused by %(user)s."), args={"user": _name(user)})
    except lifecycle.TransitionRefused as exc:
        raise _refused(exc) from exc
    return send


def send_resume(send: Send, user) -> Send:
    """Go on where it stopped (at its start time, if that is still ahead)."""
    with transaction.atomic():
        send = _locked(send)
        if send.status == Send.Status.PAUSED and not send.sender.is_active:
            raise SendRefused(
                _("The sender %(name)s is inactive: ask an admin to activate it before resuming, or cancel the send.")
                % {"name": send.sender.name}
            )
        try:
            lifecycle.move(
                send, "resume", user=user, resumed_at=timezone.now(), paused_reason="", paused_reason_args={}
            )
        except lifecycle.TransitionRefused as exc:
            raise _refused(exc) from exc
        enqueue_start(send.pk, send.scheduled_at if send.started_at is None else None)
    return send


def _may_reschedule(send: Send, user) -> None:
    if send.created_by_id != user.pk and ADMINS not in user_roles(user):
        raise NotAllowed(_("Only the person who created this send, or an admin, can change its start time."))


def send_reschedule(send: Send, user, scheduled_at: datetime | None, time_zone: str = "") -> Send:
    """A new start time (None: as soon as it can), until the send starts. A send that needs approval
    and was approved goes back for approval: the time is part of what was approved."""
    _may_reschedule(send, user)
    scheduled_at = check_schedule(scheduled_at)
    with transaction.atomic():
        send = _locked(send)
        not_started = send.status in Send.WAITING or (send.status == Send.Status.PAUSED and not send.started_at)
        if not not_started:
            raise _refused(lifecycle.TransitionRefused.of(send, "schedule"))
        send.scheduled_at, send.schedule_time_zone = scheduled_at, time_zone if scheduled_at else ""
        send.save(update_fields=["scheduled_at", "schedule_time_zone"])
        if send.status == Send.Status.SCHEDULED:
            campaign.ready(send, enqueue_start=enqueue_start, enqueue=enqueue_deliveries, user=user, rescheduled=True)
        else:
            detail, args = campaign.start_words(send)
            lifecycle.note(send.pk, SendEvent.Event.RESCHEDULED, user=user, detail=detail, detail_args=args)
    return send


def send_retry_failed(send: Send, user) -> Send:
    """A new send, linked to this one, to the recipients whose delivery ended `failed` (never the
    `rejected`: Marketing Cloud refused those, and would again). The worker first asks Marketing Cloud
    about each one and leaves out any it has after all, so nobody receives the message twice."""
    with transaction.atomic():
        send = _locked(send)
        if send.status not in Send.FINISHED:
            status = send.get_status_display().lower()
            raise SendRefused(_("This send is %(status)s: retry its failures once it ends.") % {"status": status})
        failed = Delivery.objects.filter(send=send, status=Delivery.Status.FAILED).count()
        if not failed:
            raise SendRefused(_("No delivery of this send failed: there is nothing to retry."))
        live = send.retries.exclude(status__in=(Send.Status.CANCELED, Send.Status.REJECTED)).first()
        if live is not None:
            raise SendRefused(_("Its failures were already retried, as send #%(pk)s.") % {"pk": live.pk})
        retry = Send.objects.create(
            draft=send.draft,
            draft_name=send.draft_name,
            sender=send.sender,
            sender_name=send.sender_name,
            network=send.network,
            template=send.template,
            status=Send.Status.PREPARING,
            total=failed,
            created_by=user,
            needs_approval=needs_approval(send.sender, failed),
            retry_of=send,
        )
        detail, args = gettext_noop("Retrying the failed of send #%(send)s"), {"send": str(send.pk)}
        lifecycle.note(retry.pk, SendEvent.Event.CREATED, user=user, detail=detail, detail_args=args)
        audit.record("send.retry_failed", user=user, obj=send, detail=f"As send #{retry.pk}: {failed:,} to retry")
        prepare.enqueue(retry.pk)
        schedule_housekeeping()
    return retry
