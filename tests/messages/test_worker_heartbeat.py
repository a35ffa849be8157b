"""No worker, no word no more: heartbeats, the banner, the send page, /readyz, and the tasks a dead
worker left running."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from messages import workers
from messages.models import Send, WorkerHeartbeat
from messages.services import send_create
from messages.tasks import deliver
from tests.conftest import client_for, start_worker, stop_worker
from tests.messages.test_workers import wait_for


@pytest.mark.django_db
def test_banner_readyz_and_send_page_say_when_work_waits_without_a_worker(marketer, admin, auditor, line_draft, client):
    assert client.get("/readyz").json()["worker"]["status"] == "idle"
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)

    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["worker"]["status"] == "missing"
    marketer_page = client_for(marketer).get(reverse("messages:send-detail", args=[send.pk])).content.decode()
    assert "No worker is running" in marketer_page and "Ask an administrator" in marketer_page
    assert "Waiting for a worker" in marketer_page
    assert "manage.py db_worker" in client_for(admin).get("/").content.decode()
    assert "No worker is running" not in client_for(auditor).get("/").content.decode()

    workers.beat("w-1", timezone.now())
    assert client.get("/readyz").status_code == 200
    page = client_for(marketer).get(reverse("messages:send-detail", args=[send.pk])).content.decode()
    assert "No worker is running" not in page and "Waiting for a worker" not in page

    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(seconds=workers.WORKER_GONE_SECONDS + 1))
    assert client.get("/readyz").status_code == 503
    assert "No worker is running" in client_for(marketer).get("/").content.decode()


@pytest.mark.django_db
def test_a_send_waiting_for_its_time_or_an_approval_needs_no_worker_until_it_is_due(marketer, line_draft, client):
    later = send_create(
        draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=timezone.now() + timedelta(hours=1)
    )
    assert client.get("/readyz").status_code == 200  # nothing to do before its time
    page = client_for(marketer).get(reverse("messages:send-detail", args=[later.pk])).content.decode()
    assert "Waiting for a worker" not in page and "No worker is running" not in page and ">Scheduled<" in page
    Send.objects.filter(pk=later.pk).update(scheduled_at=timezone.now() - timedelta(seconds=5))  # now due
    assert client.get("/readyz").status_code == 503
    page = client_for(marketer).get(reverse("messages:send-detail", args=[later.pk])).content.decode()
    assert "Waiting for a worker" in page and "No worker is running" in page


@pytest.mark.django_db
def test_tasks_of_a_worker_that_is_gone_are_marked_failed(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    long_ago = timezone.now() - timedelta(minutes=5)
    task = DBTaskResult.objects.filter(task_path=deliver.module_path).get()
    DBTaskResult.objects.filter(pk=task.pk).update(
        status=TaskResultStatus.RUNNING, started_at=long_ago, worker_ids=["gone"]
    )
    alive = DBTaskResult.objects.create(
        task_path=deliver.module_path,
        status=TaskResultStatus.RUNNING,
        started_at=long_ago,
        worker_ids=["here"],
        args_kwargs={"args": [send.pk, []], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        priority=0,
    )
    workers.beat("here", long_ago)

    assert workers.fail_orphaned_tasks() == 1
    task.refresh_from_db()
    alive.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED and "no heartbeat" in task.traceback
    assert alive.status == TaskResultStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_beats_while_it_runs_and_says_goodbye(live_sandbox):
    worker = start_worker(live_sandbox)
    try:
        wait_for(lambda: WorkerHeartbeat.objects.exists(), 30, "the worker's first heartbeat")
        beat = WorkerHeartbeat.objects.get()
        assert beat.pid == worker.pid
        wait_for(
            lambda: WorkerHeartbeat.objects.get().last_seen > beat.last_seen,
            3 * workers.HEARTBEAT_SECONDS,
            "a second heartbeat",
        )
    finally:
        stop_worker(worker)
    assert not WorkerHeartbeat.objects.exists()
