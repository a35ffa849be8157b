"""The campaign lifecycle through the services and the real worker (`db_worker --batch`, in this
process, against this test server's sandbox): background preparation, schedule, approval, reject,
the error spike, the canary, retrying the failed, and the start task taken up after a lost worker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from messages import send_actions
from messages.models import Delivery, Send, SendEvent
from messages.services import NotAllowed, SendRefused, send_create
from messages.stored_words import shown
from messages.tasks import start_send, take_up_lost_sends
from sandbox.models import SandboxMessage
from tests.messages.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

SS = Send.Status


def _events(send: Send) -> list[str]:
    return list(send.timeline.values_list("event", flat=True))


def _worker_once() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_a_big_send_is_prepared_by_the_worker_and_the_confirm_writes_no_delivery(
    settings, live_sandbox, marketer, line_draft
):
    settings.OTT_PREPARE_INLINE_MAX = 5
    send = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(30)], user=marketer)
    assert send.status == SS.PREPARING and send.deliveries.count() == 0 and send.total == 30
    send = run_worker(send)
    assert send.status == SS.DONE and send.prepared == 30
    assert send.deliveries.filter(status=Delivery.Status.SENT).count() == 30
    assert _events(send) == ["created", "prepared", "started", "finished"]
    assert len(send.audience_digest) == 64


def test_a_scheduled_send_waits_for_its_time_then_starts(live_sandbox, marketer, line_draft):
    at = timezone.now() + timedelta(seconds=2)
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=at, time_zone="UTC")
    assert send.status == SS.SCHEDULED
    _worker_once()
    send.refresh_from_db()
    assert send.status == SS.SCHEDULED and SandboxMessage.objects.count() == 0
    time.sleep(2.2)
    send = run_worker(send)
    assert send.status == SS.DONE and send.started_at >= at
    assert _events(send) == ["created", "prepared", "scheduled", "started", "finished"]


@pytest.mark.parametrize(
    ("when", "says"),
    [
        (timedelta(minutes=-5), "in the past"),
        (timedelta(days=400), "more than a year ahead"),
    ],
)
def test_a_start_time_in_the_past_or_too_far_ahead_is_refused_naming_the_field(marketer, line_draft, when, says):
    with pytest.raises(SendRefused, match=says) as refused:
        send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=timezone.now() + when)
    assert refused.value.field == "scheduled_at"
    assert not Send.objects.exists()


def test_a_start_time_without_its_zone_is_refused(marketer, line_draft):
    naive = timezone.make_naive(timezone.now() + timedelta(hours=1))
    with pytest.raises(SendRefused, match="time zone"):
        send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=naive)


def test_a_send_whose_sender_was_deactivated_does_not_start_and_says_why(live_sandbox, marketer, line_draft):
    at = timezone.now() + timedelta(seconds=2)
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=at)
    assert send.status == SS.SCHEDULED
    line_draft.sender.is_active = False
    line_draft.sender.save()
    time.sleep(2.2)
    _worker_once()
    send.refresh_from_db()
    assert send.status == SS.PAUSED
    assert "the sender Demo LINE was deactivated" in shown(send.paused_reason, send.paused_reason_args)
    assert SandboxMessage.objects.count() == 0
    with pytest.raises(SendRefused, match="inactive"):
        send_actions.send_resume(send, marketer)


def test_a_send_that_needs_approval_waits_and_only_another_approver_can_approve_it(
    live_sandbox, marketer, approver, admin, line_draft
):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    send = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer)
    assert send.status == SS.PENDING_APPROVAL and send.needs_approval
    _worker_once()
    assert SandboxMessage.objects.count() == 0  # nothing goes out while it waits
    with pytest.raises(NotAllowed, match="Only approvers"):
        send_actions.send_approve(send, marketer)
    admin_send = send_create(draft=line_draft, recipients=[("U-3", "")], user=admin)
    with pytest.raises(NotAllowed, match="a different person"):
        send_actions.send_approve(admin_send, admin)
    send_actions.send_approve(send, approver)
    send = run_worker(send)
    assert send.status == SS.DONE and send.approved_by == approver and send.approved_at
    assert _events(send) == ["created", "prepared", "approval_requested", "approved", "started", "finished"]
    with pytest.raises(SendRefused, match="This send is done, so it cannot be approved"):
        send_actions.send_approve(send, approver)


def test_sends_at_or_above_the_approval_size_need_approval(settings, marketer, line_draft):
    settings.OTT_APPROVAL_MIN_RECIPIENTS = 3
    small = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer)
    big = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(3)], user=marketer)
    assert small.status == SS.QUEUED and big.status == SS.PENDING_APPROVAL


def test_a_new_start_time_sends_an_approved_send_back_for_approval(marketer, approver, line_draft):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    at = timezone.now() + timedelta(hours=2)
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=at)
    send_actions.send_approve(send, approver)
    send.refresh_from_db()
    assert send.status == SS.SCHEDULED
    with pytest.raises(NotAllowed, match="Only the person who created"):
        send_actions.send_reschedule(send, approver, at + timedelta(hours=1))
    send_actions.send_reschedule(send, marketer, at + timedelta(hours=1))
    send.refresh_from_db()
    assert send.status == SS.PENDING_APPROVAL
    assert _events(send)[-2:] == ["rescheduled", "approval_requested"]
    send_actions.send_approve(send, approver)  # approved again, for the new time
    send.refresh_from_db()
    assert send.status == SS.SCHEDULED and send.scheduled_at == at + timedelta(hours=1)


def test_reject_needs_a_reason_and_sends_nothing(marketer, approver, line_draft):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    send = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer)
    with pytest.raises(SendRefused, match="Say why") as refused:
        send_actions.send_reject(send, approver, "  ")
    assert refused.value.field == "reason"
    send_actions.send_reject(send, approver, "The coupon code is wrong")
    send.refresh_from_db()
    assert send.status == SS.REJECTED and send.finished_at
    assert set(send.deliveries.values_list("status", flat=True)) == {Delivery.Status.CANCELED}
    line = send.timeline.get(event=SendEvent.Event.REJECTED)
    assert line.user == approver and line.detail == "The coupon code is wrong"


def test_an_error_spike_pauses_the_send_saying_why(settings, live_sandbox, marketer, line_draft):
    settings.OTT_AUTO_PAUSE_WINDOW = 20
    settings.OTT_BREAKER_FAILURES = 0  # the spike, not the breaker, is under test here
    settings.OTT_SEND_MAX_ATTEMPTS = 1
    settings.OTT_SEND_CONCURRENCY = 4
    recipients = [(f"U-{n}", "") for n in range(20)] + [("sandbox-fail-500", f"r-{n}") for n in range(300)]
    send = send_create(draft=line_draft, recipients=recipients, user=marketer)
    _worker_once()
    send.refresh_from_db()
    assert send.status == SS.PAUSED
    reason = shown(send.paused_reason, send.paused_reason_args)
    assert reason.startswith("Paused by the portal: 20 of the last 20 answers were errors (100%), more than")
    assert "500" in reason  # the most common error, in Marketing Cloud's words
    queued = send.deliveries.filter(status=Delivery.Status.QUEUED).count()
    assert queued > 200  # most of the send is still waiting for a person to decide
    assert not send.deliveries.filter(status=Delivery.Status.SENDING).exists()
    assert not send.deliveries.filter(lease_until__isnull=False).exists()  # nothing held for a worker
    send_actions.send_resume(send, marketer)
    _worker_once()
    send.refresh_from_db()
    assert send.status == SS.PAUSED  # still failing: paused again after a fresh window
    assert send.deliveries.filter(status=Delivery.Status.QUEUED).count() < queued


def test_a_failed_canary_holds_the_rest_and_a_good_one_lets_it_go(settings, live_sandbox, marketer, line_draft):
    settings.OTT_SEND_MAX_ATTEMPTS = 1
    bad = send_create(
        draft=line_draft, recipients=[("sandbox-fail-500", f"r-{n}") for n in range(300)], user=marketer, canary=True
    )
    assert bad.canary == 10
    _worker_once()
    bad.refresh_from_db()
    reason = shown(bad.paused_reason, bad.paused_reason_args)
    assert bad.status == SS.PAUSED and "the canary failed: 10 of its 10 deliveries failed or were refused" in reason
    assert bad.deliveries.filter(status=Delivery.Status.FAILED).count() == 10
    assert bad.deliveries.filter(status=Delivery.Status.QUEUED).count() == 290
    good = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(300)], user=marketer, canary=True)
    good = run_worker(good)
    assert good.status == SS.DONE and good.canary_passed
    assert "canary_passed" in _events(good)


def test_retry_failed_sends_only_what_marketing_cloud_never_accepted(settings, live_sandbox, marketer, line_draft):
    settings.OTT_SEND_MAX_ATTEMPTS = 1
    recipients = [("U-ok", ""), ("sandbox-fail-500", "a"), ("sandbox-fail-500", "b"), ("sandbox-fail-500", "c")]
    first = run_worker(send_create(draft=line_draft, recipients=recipients, user=marketer))
    assert first.status == SS.DONE_WITH_ERRORS
    with pytest.raises(SendRefused, match="queued: retry its failures once it ends"):
        send_actions.send_retry_failed(send_create(draft=line_draft, recipients=[("U-x", "")], user=marketer), marketer)
    # Marketing Cloud did take "a" in the end (its answer was lost): the lookup finds it.
    landed = first.deliveries.get(user_reference="a")
    SandboxMessage.objects.create(
        message_key=str(landed.message_key), ott_request_id="late-1", request_body=landed.payload
    )
    retry = send_actions.send_retry_failed(first, marketer)
    assert retry.status == SS.PREPARING and retry.retry_of == first
    with pytest.raises(SendRefused, match=f"already retried, as send #{retry.pk}"):
        send_actions.send_retry_failed(first, marketer)
    retry = run_worker(retry)
    assert sorted(retry.deliveries.values_list("user_reference", flat=True)) == ["b", "c"]
    landed.refresh_from_db()
    assert landed.status == Delivery.Status.SENT  # found_later
    line = first.timeline.get(event=SendEvent.Event.RETRIED)
    assert shown(line.detail, line.detail_args) == (
        f"As send #{retry.pk}: 2 never reached Marketing Cloud and are sent again; "
        "1 had reached it after all (now marked sent)"
    )
    # Nobody received the message twice.
    assert not SandboxMessage.objects.filter(accepted_count__gt=1).exists()


def test_a_due_send_whose_start_task_was_lost_is_taken_up_by_housekeeping(live_sandbox, marketer, line_draft):
    at = timezone.now() + timedelta(seconds=5)
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=at)
    DBTaskResult.objects.filter(task_path=start_send.module_path).update(status=TaskResultStatus.FAILED)
    Send.objects.filter(pk=send.pk).update(scheduled_at=timezone.now() - timedelta(seconds=30))
    assert take_up_lost_sends() == 1
    assert take_up_lost_sends() == 0  # its task is waiting now
    send = run_worker(send)
    assert send.status == SS.DONE
