"""The background worker (django-tasks DatabaseBackend) runs enqueued work, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus, task

DONE: list[int] = []


@task()
def add_to_done(value: int) -> int:
    DONE.append(value)
    return value * 2


@pytest.mark.django_db(transaction=True)
def test_db_worker_runs_an_enqueued_task_in_batch_mode():
    DONE.clear()
    result = add_to_done.enqueue(21)
    assert result.status == TaskResultStatus.READY
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 42
    assert DONE == [21]


def test_an_idle_worker_looks_for_tasks_five_times_a_second():
    from messages.management.commands.db_worker import Command

    parser = Command().create_parser("manage.py", "db_worker")
    assert parser.parse_args([]).interval == 0.2  # a send confirmed while it is idle starts at once
    assert parser.parse_args(["--interval", "2"]).interval == 2  # the stock option still works
