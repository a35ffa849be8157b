"""Sending through the real worker (`db_worker --batch`) against this server's sandbox: every outcome,
retries with the same messageKey, the status lookup before a resend, lease recovery, cancel.

The sandbox's store is the witness: `SandboxMessage.accepted_count` counts how often Marketing Cloud
accepted each messageKey."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from messages.engine import events, follow_up, recover_expired_leases
from messages.models import Attempt, Delivery, Send
from messages.sending_input import RecipientsInvalid, send_from_recipients
from messages.services import SendRefused, send_cancel, send_create
from messages.tasks import enqueue_deliveries, housekeeping
from sandbox.models import SandboxMessage, SandboxRegistration
from tests.messages.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fast_retries(settings, live_sandbox):
    settings.OTT_RETRY_BACKOFF_SECONDS = 0.05
    settings.OTT_READ_TIMEOUT = 1.0
    return live_sandbox


def statuses(send: Send) -> dict[str, str]:
    return dict(send.deliveries.values_list("ott_id", "status"))


def assert_counters_match_rows(send: Send) -> None:
    counts = dict(send.deliveries.values_list("status").annotate(n=Count("id")))
    assert sum(counts.values()) == send.total
    assert not set(counts) & set(Delivery.PENDING)


def test_every_outcome_type_ends_terminal_and_nothing_is_accepted_twice(fast_retries, marketer, line_draft):
    recipients = [("U-ok-1", ""), ("U-ok-2", ""), ("sandbox-fail-500", ""), ("sandbox-flaky-2", "")]
    send = run_worker(send_create(draft=line_draft, recipients=recipients, user=marketer))
    assert statuses(send) == {
        "U-ok-1": "sent",
        "U-ok-2": "sent",
        "sandbox-fail-500": "failed",
        "sandbox-flaky-2": "sent",
    }
    assert send.status == Send.Status.DONE_WITH_ERRORS
    assert_counters_match_rows(send)
    failed = send.deliveries.get(ott_id="sandbox-fail-500")
    assert failed.attempts == 5 and failed.http_status == 500
    assert "gave up after 5 attempts" in failed.error_message
    flaky = send.deliveries.get(ott_id="sandbox-flaky-2")
    assert flaky.attempts == 3 and flaky.ott_request_id
    # The same messageKey on every attempt: the sandbox saw one key, accepted once.
    witness = SandboxMessage.objects.get(message_key=str(flaky.message_key))
    assert witness.accepted_count == 1
    assert list(flaky.attempt_log.values_list("outcome", flat=True)) == ["failed", "failed", "accepted"]
    assert all(m.accepted_count == 1 for m in SandboxMessage.objects.all())


def test_a_validation_refusal_is_rejected_and_never_retried(live_sandbox, marketer, line_draft):
    SandboxRegistration.objects.all().delete()  # Marketing Cloud no longer knows the sender
    send = run_worker(send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer))
    delivery = send.deliveries.get()
    assert delivery.status == Delivery.Status.REJECTED
    assert delivery.attempts == 1 and delivery.attempt_log.count() == 1
    assert (delivery.http_status, delivery.error_code) == (400, 10006)
    assert delivery.validation_errors[0]["message"] == "Sender Id provided is either unregistered or inactive"
    assert send.status == Send.Status.DONE_WITH_ERRORS


def test_recipients_that_break_a_rule_are_refused_before_anything_is_queued(marketer, line_draft):
    # Rows are checked once, where they are read (here the API's list); send_create trusts them.
    with pytest.raises(RecipientsInvalid) as refused:
        send_from_recipients(draft=line_draft, rows=[("U-1", ""), ("U" * 300, "")], user=marketer)
    assert refused.value.problems == {1: ["ottId is 300 characters; at most 256 are allowed."]}
    assert not Send.objects.exists()


def test_retry_after_is_honoured(fast_retries, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("sandbox-fail-429", "")], user=marketer)
    run_worker(send, timeout=30)
    times = list(Attempt.objects.filter(delivery__send=send).values_list("at", flat=True))
    assert len(times) == 5
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.9  # Retry-After: 1, far above the 0.05 s backoff


def test_an_ambiguous_attempt_is_looked_up_not_resent(fast_retries, marketer, line_draft, settings):
    # The first try times out on the client (0.5 s) while the sandbox still accepts it (at 0.8 s).
    settings.OTT_READ_TIMEOUT = 0.5
    send = send_create(draft=line_draft, recipients=[("sandbox-slow-800", "")], user=marketer)
    run_worker(send)
    delivery = send.deliveries.get()
    assert delivery.status == Delivery.Status.SENT
    kinds = list(delivery.attempt_log.values_list("kind", "outcome"))
    assert kinds[0] == ("send", "failed")
    assert ("lookup", "found") in kinds
    assert SandboxMessage.objects.get(message_key=str(delivery.message_key)).accepted_count == 1


def test_an_expired_lease_is_taken_up_and_looked_up_first(live_sandbox, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer)
    run_worker(send)
    # Pretend a worker died after sending U-1 and before recording it.
    gone = send.deliveries.get(ott_id="U-1")
    Delivery.objects.filter(pk=gone.pk).update(
        status=Delivery.Status.SENDING, lease_until=timezone.now() - timedelta(1)
    )
    Send.objects.filter(pk=send.pk).update(status=Send.Status.RUNNING)
    assert recover_expired_leases(enqueue_deliveries) == 1
    send = run_worker(send)
    gone.refresh_from_db()
    assert gone.status == Delivery.Status.SENT
    assert gone.attempt_log.filter(kind="lookup", outcome="found").exists()
    assert SandboxMessage.objects.get(message_key=str(gone.message_key)).accepted_count == 1


def test_cancel_stops_what_has_not_started(live_sandbox, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(20)], user=marketer)
    canceled = send_cancel(send, marketer)
    assert canceled.not_sent == 20 and canceled.in_flight == 0
    run_worker(send)
    assert send.status == Send.Status.CANCELED and send.finished_at
    assert set(statuses(send).values()) == {"canceled"}
    assert not SandboxMessage.objects.exists()
    with pytest.raises(SendRefused, match="already finished"):
        send_cancel(send, marketer)


def test_a_deactivated_sender_starts_no_new_send(marketer, line_draft):
    line_draft.sender.is_active = False
    line_draft.sender.save()
    with pytest.raises(SendRefused, match="inactive"):
        send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    assert not Send.objects.exists()


def test_queued_sends_from_a_sender_deactivated_later_still_finish(live_sandbox, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    line_draft.sender.is_active = False
    line_draft.sender.save()
    assert run_worker(send).status == Send.Status.DONE


def test_the_rate_cap_spaces_requests_per_sender(live_sandbox, marketer, line_draft, settings):
    settings.OTT_SENDER_RATE_LIMIT = 10
    send = run_worker(send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(6)], user=marketer))
    times = sorted(Attempt.objects.filter(delivery__send=send).values_list("at", flat=True))
    assert (times[-1] - times[0]).total_seconds() >= 0.45  # 6 requests at 10/s span at least 0.5 s


def test_follow_up_records_network_events(live_sandbox, marketer, line_draft, settings):
    settings.SANDBOX_EVENT_STEP_SECONDS = 0
    send = run_worker(
        send_create(draft=line_draft, recipients=[("U-1", ""), ("sandbox-network-error", "")], user=marketer)
    )
    Delivery.objects.update(finished_at=timezone.now() - timedelta(seconds=5))
    assert follow_up() == 2
    ok = send.deliveries.get(ott_id="U-1")
    broken = send.deliveries.get(ott_id="sandbox-network-error")
    assert [e["event"] for e in ok.network_events] == ["Created", "Queued", "Sent"] and ok.events_final
    assert broken.network_events[-1]["event"] == "Error" and broken.network_events[-1]["reason"]
    assert follow_up() == 0  # final events are not asked about again


def test_while_deliveries_wait_to_be_posted_the_follow_up_runs_once_a_minute(
    live_sandbox, marketer, line_draft, settings, monkeypatch
):
    settings.SANDBOX_EVENT_STEP_SECONDS = 0
    run_worker(send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer))
    Delivery.objects.update(finished_at=timezone.now() - timedelta(seconds=5))
    Delivery.objects.filter(ott_id="U-2").update(status=Delivery.Status.QUEUED)  # still waits to be posted
    clock = [1000.0]
    monkeypatch.setattr(events.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(events, "_last_follow_up_while_sending", [float("-inf")])

    def due_again():
        Delivery.objects.filter(ott_id="U-1").update(events_checked_at=None, events_final=False)

    assert housekeeping.call()["followed_up"] == 1
    due_again()
    clock[0] += 30
    assert housekeeping.call()["followed_up"] == 0  # posting comes first
    clock[0] += 31
    assert housekeeping.call()["followed_up"] == 1
    Delivery.objects.filter(ott_id="U-2").update(status=Delivery.Status.SENT)
    due_again()
    assert housekeeping.call()["followed_up"] == 2  # nothing waits: every run follows up, both are due
