"""Is a worker running? Each `db_worker` process writes a heartbeat every HEARTBEAT_SECONDS from a
thread of its own (a long chunk does not stop it). A worker not seen for WORKER_GONE_SECONDS is gone:
pages say so when work is waiting, /readyz answers 503, and housekeeping marks the tasks it was
running as failed (their deliveries are taken up again through their leases)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from messages.models import Send, WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
WORKER_GONE_SECONDS = 60


def beat(worker_id: str, started_at: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:64],
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen": timezone.now(),
        },
    )


def start_heartbeat(worker_id: str) -> threading.Event:
    """Beat now and then every HEARTBEAT_SECONDS in a daemon thread until the returned event is set."""
    stop = threading.Event()
    started_at = timezone.now()
    beat(worker_id, started_at)

    def run() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                close_old_connections()
                beat(worker_id, started_at)
            except Exception as exc:
                logger.warning("heartbeat not written: %s", exc)
        connection.close()

    threading.Thread(target=run, name="worker-heartbeat", daemon=True).start()
    return stop


def stop_heartbeat(worker_id: str, stop: threading.Event) -> None:
    """A worker that stops cleanly says so at once instead of fading out after a minute."""
    stop.set()
    WorkerHeartbeat.objects.filter(worker_id=worker_id[:64]).delete()


def _alive_since(now=None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=WORKER_GONE_SECONDS)


@dataclass(frozen=True)
class WorkerState:
    alive: int  # workers seen in the last minute
    last_seen: datetime | None
    waiting: int  # sends that need a worker now: being prepared, queued, running, or due to start

    @property
    def missing(self) -> bool:
        """Work is waiting and no worker has been seen for a minute."""
        return self.waiting > 0 and self.alive == 0


def workers_alive() -> int:
    """How many workers were seen in the last minute."""
    return WorkerHeartbeat.objects.filter(last_seen__gte=_alive_since()).count()


def worker_state() -> WorkerState:
    busy = Q(status__in=(Send.Status.PREPARING, Send.Status.QUEUED, Send.Status.RUNNING))
    due = Q(status=Send.Status.SCHEDULED) & (Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=timezone.now()))
    waiting = Send.objects.filter(busy | due).count()
    last = WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()
    alive = workers_alive() if last else 0
    return WorkerState(alive=alive, last_seen=last, waiting=waiting)


def fail_orphaned_tasks() -> int:
    """Tasks left `running` by workers that are gone are marked failed (their deliveries come back
    through their leases). Returns how many."""
    since = _alive_since()
    alive = set(WorkerHeartbeat.objects.filter(last_seen__gte=since).values_list("worker_id", flat=True))
    orphaned = [
        task.pk
        for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=since).only(
            "id", "worker_ids"
        )
        if not task.worker_ids or task.worker_ids[-1] not in alive
    ]
    if orphaned:
        DBTaskResult.objects.filter(pk__in=orphaned, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path="messages.workers.WorkerGone",
            traceback=f"Its worker sent no heartbeat for {WORKER_GONE_SECONDS} s; its deliveries are taken up again.",
        )
        logger.warning("marked %d tasks of stopped workers as failed", len(orphaned))
    WorkerHeartbeat.objects.filter(last_seen__lt=since - timedelta(days=1)).delete()
    return len(orphaned)
