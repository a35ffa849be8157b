"""Background work, run by `manage.py db_worker` (django-tasks, DatabaseBackend). Thin: each task
calls the engine (imported in its body, so importing this module to enqueue stays light).

- `prepare(send_id)`: write the deliveries of a big send (or of a retry of the failed) in batches;
- `start_send(send_id)`: a scheduled (or resumed, or approved) send whose time has come goes to work;
- `deliver(send_id, ids)`: one chunk of a send's deliveries (and later, the retries of a chunk);
- `housekeeping()`: takes up deliveries whose worker stopped (and marks its tasks failed), asks the
  status endpoint for the network events of recent sends, drops confirm-page recipient lists nobody
  confirmed and API idempotency keys older than a day, and takes up sends whose start or preparation
  task was lost with a worker. It re-enqueues itself while there is something to watch, and every new
  send starts it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from messages.models import Delivery, RecipientList, Send
from messages.pending_lists import pending_lists_drop

# Deliveries per task. Between two chunks a worker posts nothing for a moment (the last posts drain,
# the next task starts, its rows are reserved): 5,000 keeps that under 3% of a chunk's time at 1,000/s.
CHUNK_SIZE = 5000
HOUSEKEEPING_INTERVAL = timedelta(seconds=5)
RECIPIENT_LIST_TTL = timedelta(days=1)


@task()
def deliver(send_id: int, ids: list[int]) -> None:
    from messages import engine

    engine.deliver_chunk(send_id, ids, enqueue=enqueue_deliveries)


@task()
def prepare(send_id: int) -> None:
    from messages import preparation

    preparation.prepare(send_id, enqueue_start=enqueue_start, enqueue=enqueue_deliveries)


@task()
def start_send(send_id: int) -> str:
    from messages import campaign

    return campaign.go(send_id, enqueue=enqueue_deliveries)


def _waiting_tasks(task_obj) -> set[int]:
    """The send ids of `task_obj` tasks waiting or running."""
    rows = DBTaskResult.objects.filter(
        task_path=task_obj.module_path, status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
    ).values_list("args_kwargs", flat=True)
    return {args["args"][0] for args in rows if args.get("args")}


def take_up_lost_sends() -> int:
    """Sends due to start, or being prepared, whose task is gone (its worker died while running it)."""
    lost = 0
    late = timezone.now() - HOUSEKEEPING_INTERVAL
    due = Send.objects.filter(status=Send.Status.SCHEDULED).exclude(scheduled_at__gt=late)
    for send_id in set(due.values_list("id", flat=True)) - _waiting_tasks(start_send):
        start_send.enqueue(send_id)
        lost += 1
    preparing = Send.objects.filter(status=Send.Status.PREPARING, created_at__lt=late)
    for send_id in set(preparing.values_list("id", flat=True)) - _waiting_tasks(prepare):
        prepare.enqueue(send_id)
        lost += 1
    return lost


@task()
def housekeeping() -> dict:
    from messages import engine, workers
    from ottportal.idempotency import idempotency_keys_expire

    # The next run is queued before this one works, so a worker that dies in the middle of it does not
    # break the chain (its own row would stay "running" forever).
    waiting = Send.objects.filter(status__in=(Send.Status.PREPARING, Send.Status.SCHEDULED))
    sending = Delivery.objects.filter(status__in=Delivery.PENDING).exists()
    if sending or waiting.exists() or engine.follow_up_due().exists():
        schedule_housekeeping(after=HOUSEKEEPING_INTERVAL)
    recovered = engine.recover_expired_leases(enqueue_deliveries)
    orphaned = workers.fail_orphaned_tasks()
    lost = take_up_lost_sends()
    followed = engine.follow_up() if engine.follow_up_now(sending) else 0
    pending_lists_drop(RecipientList.objects.filter(created_at__lt=timezone.now() - RECIPIENT_LIST_TTL))
    idempotency_keys_expire()
    return {"recovered": recovered, "orphaned_tasks": orphaned, "followed_up": followed, "lost_sends": lost}


def enqueue_deliveries(send_id: int, ids: list[int], run_after: datetime | None = None) -> None:
    """One `deliver` task per CHUNK_SIZE deliveries (run in the caller's transaction)."""
    queue = deliver.using(run_after=run_after) if run_after else deliver
    for start in range(0, len(ids), CHUNK_SIZE):
        queue.enqueue(send_id, ids[start : start + CHUNK_SIZE])


def enqueue_start(send_id: int, at: datetime | None = None) -> None:
    """Start the send at `at` (now when None): the task is a database row, so a worker restart keeps it."""
    (start_send.using(run_after=at) if at else start_send).enqueue(send_id)


def schedule_housekeeping(*, after: timedelta = timedelta(0)) -> None:
    """Enqueue housekeeping unless one is already waiting."""
    waiting = DBTaskResult.objects.filter(task_path=housekeeping.module_path, status=TaskResultStatus.READY)
    if not waiting.exists():
        housekeeping.using(run_after=timezone.now() + after).enqueue()
