"""PostgreSQL restarts while a real worker sends: the worker reconnects and finishes the send, and no
messageKey is accepted twice. (SQLite has no server to restart.)"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError, connection

from messages.models import Send
from messages.services import send_create
from sandbox.models import SandboxMessage
from tests.conftest import start_worker, stop_worker
from tests.messages.test_workers import assert_each_key_accepted_once, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def restart_postgresql() -> None:
    clusters = sorted(p.name for p in Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").exists() else []
    if not clusters or not shutil.which("pg_ctlcluster"):
        pytest.fail("restarting PostgreSQL needs pg_ctlcluster and a cluster under /etc/postgresql")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def reconnect() -> None:
    connection.close()  # this test's own connection died with the server


def test_the_worker_survives_a_database_restart(live_sandbox, marketer, line_draft):
    if connection.vendor != "postgresql":
        pytest.skip("a database server restart applies to PostgreSQL only")
    send = send_create(
        draft=line_draft, recipients=[("sandbox-slow-20", f"ref-{n}") for n in range(1500)], user=marketer
    )
    worker = start_worker(live_sandbox, OTT_DELIVERY_LEASE_SECONDS="4")
    try:
        wait_for(lambda: SandboxMessage.objects.count() >= 200, 60, "the worker to be well into the send")
        restart_postgresql()
        reconnect()
        assert SandboxMessage.objects.count() < 1500  # the restart came in the middle of the send

        def finished() -> bool:
            try:
                return Send.objects.get(pk=send.pk).is_finished
            except (OperationalError, InterfaceError):  # the server may still be starting
                reconnect()
                return False

        wait_for(finished, 180, "the send to finish after the restart")
        send.refresh_from_db()
        assert_each_key_accepted_once(send)

        # Again while the worker is idle, polling for work: the stock worker would exit here.
        restart_postgresql()
        reconnect()
        later = send_create(draft=line_draft, recipients=[("U-after", "")], user=marketer)
        wait_for(lambda: Send.objects.get(pk=later.pk).is_finished, 60, "a send queued after the second restart")
        assert worker.poll() is None, "the worker exited when the database went away"
    finally:
        stop_worker(worker)
