"""Background work, run by `manage.py db_worker` (django-tasks, DatabaseBackend).

- `deliver(send_id, ids)`: one chunk of a send's deliveries (and later, the retries of a chunk);
- `housekeeping()`: takes up deliveries whose lease expired, asks the status endpoint for the network
  events of recent sends, and drops confirm-page recipient lists nobody confirmed. It re-enqueues
  itself while there is something to watch, and every new send starts it.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from messages import delivery
from messages.models import Delivery, RecipientList

HOUSEKEEPING_INTERVAL = timedelta(seconds=5)
RECIPIENT_LIST_TTL = timedelta(days=1)


@task()
def deliver(send_id: int, ids: list[int]) -> None:
    delivery.deliver_chunk(send_id, ids)


@task()
def housekeeping() -> dict:
    # The next run is queued before this one works, so a worker that dies in the middle of it does not
    # break the chain (its own row would stay "running" forever).
    if Delivery.objects.filter(status__in=Delivery.PENDING).exists() or delivery.follow_up_due().exists():
        schedule_housekeeping(after=HOUSEKEEPING_INTERVAL)
    recovered = delivery.recover_expired_leases()
    followed = delivery.follow_up()
    RecipientList.objects.filter(created_at__lt=timezone.now() - RECIPIENT_LIST_TTL).delete()
    return {"recovered": recovered, "followed_up": followed}


def schedule_housekeeping(*, after: timedelta = timedelta(0)) -> None:
    """Enqueue housekeeping unless one is already waiting."""
    waiting = DBTaskResult.objects.filter(task_path=housekeeping.module_path, status=TaskResultStatus.READY)
    if not waiting.exists():
        housekeeping.using(run_after=timezone.now() + after).enqueue()
