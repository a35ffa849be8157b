"""Real worker processes: a worker killed mid-send, and two workers sharing one send.

The sandbox's store is the witness: every messageKey accepted exactly once, every delivery terminal."""

from __future__ import annotations

import signal
import time

import pytest
from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from messages import tasks
from messages.models import Attempt, Delivery, Send, WorkerHeartbeat
from messages.services import send_create
from messages.tasks import deliver
from sandbox.models import SandboxMessage
from tests.conftest import start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def assert_each_key_accepted_once(send: Send) -> None:
    assert set(send.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    keys = {str(k) for k in send.deliveries.values_list("message_key", flat=True)}
    witnessed = dict(SandboxMessage.objects.values_list("message_key", "accepted_count"))
    assert set(witnessed) == keys
    assert set(witnessed.values()) == {1}


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(live_sandbox, marketer, line_draft):
    recipients = [("sandbox-slow-40", f"ref-{n}") for n in range(2000)]
    send = send_create(draft=line_draft, recipients=recipients, user=marketer)
    lease = {"OTT_DELIVERY_LEASE_SECONDS": "3"}
    first = start_worker(live_sandbox, **lease)
    try:
        wait_for(lambda: SandboxMessage.objects.count() >= 300, 60, "the first worker to be well into the send")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    stranded = send.deliveries.filter(status=Delivery.Status.SENDING).count()
    assert stranded > 0  # it died holding deliveries
    second = start_worker(live_sandbox, **lease)
    try:
        wait_for(lambda: Send.objects.get(pk=send.pk).is_finished, 180, "the second worker to finish the send")
    finally:
        stop_worker(second)
    send.refresh_from_db()
    assert send.status == Send.Status.DONE
    assert_each_key_accepted_once(send)


def test_two_workers_share_a_send_without_touching_the_same_delivery(
    live_sandbox, marketer, line_draft, settings, monkeypatch
):
    # Prepared here, in two chunks of 1,500 (tasks of the usual size would need a much longer test).
    settings.OTT_PREPARE_INLINE_MAX = 3000
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 1500)
    recipients = [("sandbox-slow-20", f"ref-{n}") for n in range(3000)]
    # Four posts at a time each: the test's live server accepts at most 10 waiting connections, and
    # both workers start posting at the same moment.
    workers = [start_worker(live_sandbox, OTT_SEND_CONCURRENCY="4") for _ in range(2)]
    try:
        # Both wait for work before the send's two chunks are queued, so each takes one.
        wait_for(lambda: WorkerHeartbeat.objects.count() == 2, 60, "both workers to start")
        send = send_create(draft=line_draft, recipients=recipients, user=marketer)
        wait_for(lambda: Send.objects.get(pk=send.pk).is_finished, 180, "the workers to finish the send")
    finally:
        for process in workers:
            stop_worker(process)
    send.refresh_from_db()
    assert_each_key_accepted_once(send)
    posts = Attempt.objects.filter(delivery__send=send, kind="send").values("delivery").annotate(n=Count("id"))
    assert {row["n"] for row in posts} == {1}  # no delivery was posted twice
    assert send.deliveries.filter(attempts=1).count() == 3000
    # Both workers took part: the send's chunks ran in two different worker processes.
    chunks = DBTaskResult.objects.filter(task_path=deliver.module_path).values_list("worker_ids", flat=True)
    assert len(chunks) == 2 and len({worker for ids in chunks for worker in ids}) == 2
