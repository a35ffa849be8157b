"""Senders, drafts and a worker run for the messages tests."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from messages.models import Send
from messages.services import draft_create
from sandbox.models import SandboxRegistration
from senders.models import Sender


@pytest.fixture
def line_sender(db) -> Sender:
    """A LINE channel, registered in the sandbox too so sends from it are accepted there."""
    SandboxRegistration.register("line", {"channelId": "2000000001", "channelName": "Demo LINE", "active": True})
    return Sender.objects.create(network="line", sender_id="2000000001", name="Demo LINE")


@pytest.fixture
def messenger_sender(db) -> Sender:
    SandboxRegistration.register("messenger", {"pageId": "1000000001", "pageName": "Demo page", "active": True})
    return Sender.objects.create(network="messenger", sender_id="1000000001", name="Demo page")


@pytest.fixture
def line_draft(marketer, line_sender):
    return draft_create(
        owner=marketer, name="Spring sale", sender=line_sender, blocks=[{"type": "text", "text": "セール 😀"}]
    )


@pytest.fixture
def messenger_draft(marketer, messenger_sender):
    return draft_create(
        owner=marketer,
        name="Page news",
        sender=messenger_sender,
        blocks=[{"type": "text", "text": "Hello 👋"}],
        messaging_type="UPDATE",
    )


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
