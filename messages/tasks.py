"""Background work, run by `manage.py db_worker` (django-tasks, DatabaseBackend). Thin: each task
calls the engine (imported in its body, so importing this module to enqueue stays light).

- `deliver(send_id, ids)`: one chunk of a send's deliveries (and later, the retries of a chunk);
- `housekeeping()`: takes up deliveries whose worker stopped (and marks its tasks failed), asks the
  status endpoint for the network events of recent sends, drops confirm-page recipient lists nobody
  confirmed and API idempotency keys older than a day. It re-enqueues itself while there is something
  to watch, and every new send starts it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from messages.models import Delivery, RecipientList

CHUNK_SIZE = 2000  # deliveries per task
HOUSEKEEPING_INTERVAL = timedelta(seconds=5)
RECIPIENT_LIST_TTL = timedelta(days=1)


@task()
def deliver(send_id: int, ids: list[int]) -> None:
    from messages import engine

    engine.deliver_chunk(send_id, ids, enqueue=enqueue_deliveries)


@task()
def housekeeping() -> dict:
    from messages import engine, workers
    from ottportal.idempotency import idempotency_keys_expire

    # The next run is queued before this one works, so a worker that dies in the middle of it does not
    # break the chain (its own row would stay "running" forever).
    if Delivery.objects.filter(status__in=Delivery.PENDING).exists() or engine.follow_up_due().exists():
        schedule_housekeeping(after=HOUSEKEEPING_INTERVAL)
    recovered = engine.recover_expired_leases(enqueue_deliveries)
    orphaned = workers.fail_orphaned_tasks()
    followed = engine.follow_up()
    RecipientList.objects.filter(created_at__lt=timezone.now() - RECIPIENT_LIST_TTL).delete()
    idempotency_keys_expire()
    return {"recovered": recovered, "orphaned_tasks": orphaned, "followed_up": followed}


def enqueue_deliveries(send_id: int, ids: list[int], run_after: datetime | None = None) -> None:
    """One `deliver` task per CHUNK_SIZE deliveries (run in the caller's transaction)."""
    queue = deliver.using(run_after=run_after) if run_after else deliver
    for start in range(0, len(ids), CHUNK_SIZE):
        queue.enqueue(send_id, ids[start : start + CHUNK_SIZE])


def schedule_housekeeping(*, after: timedelta = timedelta(0)) -> None:
    """Enqueue housekeeping unless one is already waiting."""
    waiting = DBTaskResult.objects.filter(task_path=housekeeping.module_path, status=TaskResultStatus.READY)
    if not waiting.exists():
        housekeeping.using(run_after=timezone.now() + after).enqueue()
