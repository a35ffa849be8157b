"""/readyz with a real worker process: ready while it runs, not ready once work is queued and no worker
has been seen for 60 s (at once when it stopped cleanly, 60 s after its last heartbeat when it was
killed), ready again when a worker starts; /metrics says the same."""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from messages.models import Send, WorkerHeartbeat
from messages.services import send_create
from messages.workers import WORKER_GONE_SECONDS
from tests.conftest import start_worker, stop_worker
from tests.messages.test_workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def readyz() -> tuple[int, dict]:
    response = Client().get("/readyz")
    return response.status_code, response.json()


def metric(name: str) -> float:
    body = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    return float(next(line.split()[-1] for line in body.splitlines() if line.startswith(f"{name} ")))


def finish(send: Send) -> None:
    wait_for(lambda: Send.objects.get(pk=send.pk).is_finished, 60, f"send {send.pk} to finish")


def test_readiness_follows_a_real_worker(live_sandbox, settings, marketer, line_draft):
    settings.METRICS_TOKEN = "t"
    worker = start_worker(live_sandbox)
    try:
        wait_for(lambda: WorkerHeartbeat.objects.exists(), 30, "the worker's first heartbeat")
        finish(send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer))
        status, body = readyz()
        assert status == 200 and body["worker"]["status"] == "ok" and body["worker"]["alive"] == 1
    finally:
        stop_worker(worker)  # SIGTERM: it finishes, and says goodbye

    # No worker, nothing waiting: ready (a portal without work does not need one).
    status, body = readyz()
    assert status == 200 and body["worker"]["status"] == "idle"
    # Work queued with no worker: not ready, at once, because the worker said it stopped.
    waiting = send_create(draft=line_draft, recipients=[("U-2", "")], user=marketer)
    status, body = readyz()
    assert status == 503 and body["worker"] == {**body["worker"], "status": "missing", "sends_waiting": 1}
    assert metric("ottportal_worker_missing") == 1

    # A worker starts: ready again, and the waiting send goes out.
    worker = start_worker(live_sandbox)
    try:
        wait_for(lambda: readyz()[0] == 200, 30, "/readyz to pass once the worker runs")
        finish(waiting)
        assert metric("ottportal_worker_missing") == 0 and metric("ottportal_workers_alive") == 1
    finally:
        worker.send_signal(signal.SIGKILL)  # dies without a word: its heartbeat row stays
        worker.wait()

    queued = send_create(draft=line_draft, recipients=[("U-3", "")], user=marketer)
    assert readyz()[0] == 200  # seen less than a minute ago: it may be busy, not gone
    beat = WorkerHeartbeat.objects.get()
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(seconds=WORKER_GONE_SECONDS - 2))
    assert readyz()[0] == 200
    WorkerHeartbeat.objects.update(last_seen=beat.last_seen - timedelta(seconds=WORKER_GONE_SECONDS + 1))
    status, body = readyz()
    assert status == 503 and body["worker"]["status"] == "missing" and body["worker"]["alive"] == 0
    assert metric("ottportal_worker_last_heartbeat_age_seconds") > WORKER_GONE_SECONDS

    worker = start_worker(live_sandbox)
    try:
        wait_for(lambda: readyz()[0] == 200, 30, "/readyz to pass after the restart")
        finish(queued)
    finally:
        stop_worker(worker)
