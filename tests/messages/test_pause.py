"""Pause and resume under a real worker process posting to a slow sandbox: nothing is posted while
paused but what was in flight, and after the resume every delivery is posted exactly once (the
sandbox's own counter of 201 answers per messageKey is the witness)."""

from __future__ import annotations

import time

import pytest

from messages import send_actions
from messages.models import Delivery, Send
from messages.services import send_create
from messages.stored_words import shown
from sandbox.models import SandboxMessage
from tests.conftest import start_worker, stop_worker
from tests.messages.test_workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TOTAL = 300
CONCURRENCY = 8


def test_pause_holds_a_running_send_and_resume_finishes_it_exactly_once(live_sandbox, marketer, line_draft):
    send = send_create(
        draft=line_draft, recipients=[("sandbox-slow-300", f"r-{n}") for n in range(TOTAL)], user=marketer
    )
    worker = start_worker(live_sandbox, OTT_SEND_CONCURRENCY=str(CONCURRENCY))
    try:
        wait_for(lambda: SandboxMessage.objects.count() >= 20, 60, "the worker to be well into the send")
        posted_before = SandboxMessage.objects.count()
        send_actions.send_pause(send, marketer)
        wait_for(
            lambda: not Delivery.objects.filter(send=send, status=Delivery.Status.SENDING).exists(),
            30,
            "what was in flight to finish",
        )
        posted_paused = SandboxMessage.objects.count()
        time.sleep(1.5)
        assert SandboxMessage.objects.count() == posted_paused  # nothing more while paused
        assert posted_paused - posted_before <= 2 * CONCURRENCY  # only what was in flight
        send.refresh_from_db()
        assert send.status == Send.Status.PAUSED
        assert shown(send.paused_reason, send.paused_reason_args) == f"Paused by {marketer.username}."
        assert send.deliveries.filter(status=Delivery.Status.QUEUED).count() == TOTAL - posted_paused
        send_actions.send_resume(send, marketer)
        wait_for(lambda: Send.objects.get(pk=send.pk).is_finished, 90, "the resumed send to finish")
    finally:
        stop_worker(worker)
    send.refresh_from_db()
    assert send.status == Send.Status.DONE
    assert SandboxMessage.objects.count() == TOTAL
    assert not SandboxMessage.objects.filter(accepted_count__gt=1).exists()
    assert list(send.timeline.values_list("event", flat=True)) == [
        "created",
        "prepared",
        "started",
        "paused",
        "resumed",
        "finished",
    ]
    assert send.deliveries.filter(attempts=1).count() == TOTAL  # a held-back try was not counted
