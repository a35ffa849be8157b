"""Cancel that stops: a real worker process posting to a slow sandbox, canceled from the page. The
sandbox's store counts what was posted."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from messages.models import Delivery, Send
from messages.services import send_create
from sandbox.models import SandboxMessage
from tests.conftest import client_for, start_worker, stop_worker
from tests.messages.test_workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TOTAL = 400
CONCURRENCY = 8


def test_cancel_stops_a_running_send_within_two_seconds(live_sandbox, marketer, line_draft):
    send = send_create(
        draft=line_draft, recipients=[("sandbox-slow-500", f"r-{n}") for n in range(TOTAL)], user=marketer
    )
    worker = start_worker(live_sandbox, OTT_SEND_CONCURRENCY=str(CONCURRENCY))
    try:
        wait_for(lambda: SandboxMessage.objects.count() >= 20, 60, "the worker to be well into the send")
        page = client_for(marketer).get(reverse("messages:send-cancel", args=[send.pk])).content.decode()
        assert "will not be sent" in page and "Cancel the send" in page  # a confirmation first
        posted_before = SandboxMessage.objects.count()
        response = client_for(marketer).post(reverse("messages:send-cancel", args=[send.pk]), follow=True)
        said = response.content.decode()
        wait_for(lambda: Send.objects.get(pk=send.pk).finished_at is not None, 30, "the canceled send to settle")
        posted_then = SandboxMessage.objects.count()
        time.sleep(1.5)
        assert SandboxMessage.objects.count() == posted_then  # nothing more is posted
    finally:
        stop_worker(worker)
    send.refresh_from_db()
    statuses = list(send.deliveries.values_list("status", flat=True))
    sent, canceled = statuses.count(Delivery.Status.SENT), statuses.count(Delivery.Status.CANCELED)
    # Every post the sandbox saw is a sent delivery; everything else was canceled, never posted.
    assert sent == posted_then and sent + canceled == TOTAL
    # Only what was in flight at the cancel (at most twice the concurrency) was posted after it.
    assert posted_then - posted_before <= 2 * CONCURRENCY
    assert "will not be sent" in said and "already being posted" in said
    assert send.status == Send.Status.CANCELED


def test_cancel_page_is_refused_to_auditors_and_says_when_there_is_nothing_left(marketer, auditor, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    assert client_for(auditor).get(reverse("messages:send-cancel", args=[send.pk])).status_code == 403
    client_for(marketer).post(reverse("messages:send-cancel", args=[send.pk]))
    page = client_for(marketer).get(reverse("messages:send-cancel", args=[send.pk])).content.decode()
    assert "already finished (canceled)" in page and "Cancel the send" not in page
    again = client_for(marketer).post(reverse("messages:send-cancel", args=[send.pk]), follow=True)
    assert "already finished" in again.content.decode()
