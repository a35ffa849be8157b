"""The per-sender gate: a 429 holds the whole sender (longer for 50200), the breaker opens after
failures in a row and probes with one request, and a failing sender does not slow another one
(the real worker against this test server's sandbox, whose per-messageKey counter sees every post)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from messages.engine.gate import SHORT_WAIT, SenderGate
from messages.models import Attempt, Delivery, Send, SenderHold
from messages.services import draft_create, send_create
from ott.client import Accepted, Failed
from ott.payloads import Block, Message
from sandbox.models import SandboxAttempt, SandboxRegistration
from senders.models import Sender
from tests.messages.conftest import run_worker

GO = threading.Event()


def _gate(**kw) -> SenderGate:
    return SenderGate(kw.get("rate", 0), kw.get("failures", 3), kw.get("cooldown", 5.0), kw.get("block", 10.0))


def _limited(code: int, retry_after: float | None) -> Failed:
    return Failed("rate limited (HTTP 429)", True, 429, retry_after=retry_after, errorcode=code)


def test_a_429_holds_every_thread_of_the_sender_and_not_the_others():
    gate = _gate()
    gate.report(1, _limited(50100, 30))
    hold = gate.held(1)
    assert hold.kind == "rate_limited" and "rate limit" in hold.reason
    assert gate.enter(1, GO) == hold  # not posted: held far longer than a short wait
    assert gate.held(2) is None and gate.enter(2, GO) is None
    assert set(gate.changes()) == {1}


def test_a_block_holds_at_least_the_block_time_even_when_marketing_cloud_says_less():
    gate = _gate(block=10.0)
    gate.report(1, _limited(50200, 1))
    hold = gate.held(1)
    assert hold.kind == "blocked" and gate.enter(1, GO) is hold


def test_a_429_without_retry_after_backs_off_longer_each_time():
    gate = _gate()
    gate.report(1, _limited(50100, None))
    first = gate.held(1)  # 1 s: a short wait, not a hold that gives deliveries back
    assert first is None
    for _ in range(3):
        gate.report(1, _limited(50100, None))
    assert gate.held(1).kind == "rate_limited"  # 8 s now


def test_the_breaker_opens_after_failures_in_a_row_then_one_probe_closes_it():
    gate = _gate(failures=3, cooldown=SHORT_WAIT + 0.3)
    server_error = Failed("server error (HTTP 500)", True, 500)
    for _ in range(2):
        gate.report(1, server_error)
    gate.report(1, Accepted(202, {}, 5))  # a success in between: the count starts again
    for _ in range(3):
        gate.report(1, server_error)
    assert gate.held(1).kind == "breaker" and "3 failures in a row" in gate.held(1).reason
    time.sleep(SHORT_WAIT + 0.4)
    assert gate.enter(1, GO) is None  # the probe
    waiting = threading.Event()
    results = []
    second = threading.Thread(target=lambda: results.append(gate.enter(1, GO)))
    second.start()
    time.sleep(0.3)
    assert results == []  # a second thread waits for what the probe finds
    gate.report(1, Accepted(202, {}, 5))
    second.join(2)
    assert results == [None] and gate.held(1) is None and not waiting.is_set()
    assert gate.changes()[1] is None  # the hold ended: the page stops showing it


def test_a_stopped_send_waits_no_longer():
    gate = _gate()
    stop = threading.Event()
    stop.set()
    assert gate.enter(1, stop).kind == "stopped"


@pytest.mark.django_db(transaction=True)
def test_a_sender_failing_every_post_does_not_slow_another_sender(settings, live_sandbox, marketer, line_draft):
    settings.OTT_BREAKER_FAILURES = 5
    settings.OTT_BREAKER_COOLDOWN_SECONDS = 120
    settings.OTT_SEND_CONCURRENCY = 4
    settings.OTT_AUTO_PAUSE_ERROR_RATE = 0  # the breaker, not the error spike, is under test
    SandboxRegistration.register("line", {"channelId": "2000000002", "channelName": "Other", "active": True})
    other = Sender.objects.create(network="line", sender_id="2000000002", name="Other LINE")
    healthy_draft = draft_create(
        owner=marketer, name="Healthy", sender=other, message=Message(blocks=(Block("text", text="hi"),))
    )
    failing = send_create(
        draft=line_draft, recipients=[("sandbox-fail-500", f"r-{n}") for n in range(200)], user=marketer
    )
    healthy = send_create(draft=healthy_draft, recipients=[(f"U-{n}", "") for n in range(200)], user=marketer)
    healthy = run_worker(healthy, timeout=60)  # it finishes while the failing sender is held for 2 minutes
    assert healthy.status == Send.Status.DONE
    failing.refresh_from_db()
    assert failing.status == Send.Status.RUNNING  # waiting for the cool-down, nothing lost
    keys = [str(k) for k in failing.deliveries.values_list("message_key", flat=True)]
    posts = sum(SandboxAttempt.objects.filter(message_key__in=keys).values_list("count", flat=True))
    assert 5 <= posts <= 5 + 2 * 4  # the breaker's five, plus what was already on its way: no retry storm
    hold = SenderHold.objects.get(sender=line_draft.sender)
    assert hold.kind == SenderHold.Kind.BREAKER and "5 failures in a row" in hold.reason
    queued = failing.deliveries.filter(status=Delivery.Status.QUEUED)
    assert queued.count() >= 200 - posts and not failing.deliveries.filter(status=Delivery.Status.SENDING).exists()
    assert not queued.filter(attempts__gt=1).exists()  # given back without counting a try


@pytest.mark.django_db(transaction=True)
def test_a_block_is_shown_as_a_block_and_the_rest_waits_for_it(settings, live_sandbox, marketer, line_draft):
    settings.OTT_BLOCK_HOLD_SECONDS = 120
    recipients = [("sandbox-blocked", "first")] + [(f"U-{n}", "") for n in range(50)]
    send = send_create(draft=line_draft, recipients=recipients, user=marketer)
    from django.core.management import call_command

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    hold = SenderHold.objects.get(sender=line_draft.sender)
    assert hold.kind == SenderHold.Kind.BLOCKED
    posts = sum(SandboxAttempt.objects.values_list("count", flat=True))
    sent = send.deliveries.filter(status=Delivery.Status.SENT).count()
    assert posts == sent + 1  # one post was blocked, none was posted twice
    assert send.deliveries.filter(status=Delivery.Status.QUEUED).count() == 51 - sent
    # Once the block's answer was in, nothing more started, except what a pool thread had already let
    # through the gate (at most one per thread); how many went out before that answer is the machine's pace.
    blocked = Attempt.objects.get(delivery__user_reference="first")
    answered = blocked.at + timedelta(milliseconds=blocked.latency_ms)
    started_later = Attempt.objects.filter(delivery__send=send, kind=Attempt.Kind.SEND, at__gt=answered).count()
    assert started_later <= settings.OTT_SEND_CONCURRENCY


@pytest.mark.django_db(transaction=True)
def test_a_429_makes_the_next_post_of_the_sender_wait_for_retry_after(settings, live_sandbox, marketer, line_draft):
    settings.OTT_SEND_CONCURRENCY = 1
    settings.OTT_SEND_MAX_ATTEMPTS = 1
    recipients = [("sandbox-fail-429", "first")] + [(f"U-{n}", "") for n in range(3)]
    send = run_worker(send_create(draft=line_draft, recipients=recipients, user=marketer))
    limited = Attempt.objects.get(delivery__user_reference="first")
    after = Attempt.objects.filter(delivery__send=send).exclude(pk=limited.pk).order_by("at").first()
    assert limited.http_status == 429
    # sandbox-fail-429 says Retry-After: 1; the whole sender waited, not only that delivery.
    assert (after.at - limited.at).total_seconds() >= 1.0
    assert send.deliveries.filter(status=Delivery.Status.SENT).count() == 3
