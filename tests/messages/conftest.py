"""Senders, drafts and a worker run for the messages tests."""

from __future__ import annotations

import time

from django.core.management import call_command
from rest_framework.test import APIClient

from messages.models import Send


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def run_worker(send: Send, timeout: float = 60.0) -> Send:
    """Run the real worker (`db_worker --batch`) until the send has finished (retries wait their turn)."""
    deadline = time.monotonic() + timeout
    while True:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        send.refresh_from_db()
        if send.is_finished:
            return send
        if time.monotonic() > deadline:
            raise AssertionError(f"send {send.pk} still {send.status} after {timeout} s")
        time.sleep(0.05)
