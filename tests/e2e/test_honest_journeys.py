"""What the portal says is what happens, in the browser: a cancel that stops a running send (counted
in the sandbox), and the banner that says no worker is running until one starts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messages.models import Delivery, Send
from messages.services import send_create
from sandbox.models import SandboxMessage
from tests.conftest import PASSWORD, start_worker, stop_worker
from tests.e2e.conftest import login, screenshot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_marketer_cancels_a_running_send_and_it_stops(page, live_server, live_sandbox, marketer, line_draft):
    recipients = [("sandbox-slow-500", f"ref-{n}") for n in range(300)]
    send = send_create(draft=line_draft, recipients=recipients, user=marketer)
    worker = start_worker(live_sandbox, OTT_SEND_CONCURRENCY="4")
    try:
        login(page, live_server, marketer.username, PASSWORD)
        page.goto(f"{live_server.url}/sends/{send.pk}/")
        expect(page.get_by_test_id("send-status")).to_have_text("Running", timeout=30_000)
        wait_until(lambda: SandboxMessage.objects.count() >= 8, what="some deliveries to be posted")
        page.get_by_role("link", name="Cancel what has not started").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel send")
        screenshot(page, "send-cancel-confirm")
        page.get_by_role("button", name="Cancel the send").click()
        expect(page.locator(".flash")).to_contain_text("will not be sent")
        expect(page.get_by_test_id("send-status")).to_have_text("Canceled")
        wait_until(lambda: Send.objects.get(pk=send.pk).finished_at is not None, 30, "the send to settle")
    finally:
        stop_worker(worker)
    sent = send.deliveries.filter(status=Delivery.Status.SENT).count()
    canceled = send.deliveries.filter(status=Delivery.Status.CANCELED).count()
    assert sent == SandboxMessage.objects.count() and sent + canceled == 300
    assert canceled > 250  # most of the send never went out
    page.reload()
    expect(page.get_by_test_id("count-canceled")).to_have_text(str(canceled))


def test_the_no_worker_banner_appears_and_leaves(page, live_server, live_sandbox, marketer, line_draft):
    login(page, live_server, marketer.username, PASSWORD)
    expect(page.get_by_test_id("worker-banner")).to_have_count(0)  # nothing waits: nothing to say
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    page.goto(f"{live_server.url}/sends/{send.pk}/")
    expect(page.get_by_test_id("worker-banner")).to_contain_text("No worker is running")
    expect(page.get_by_test_id("send-status")).to_have_text("Waiting for a worker")
    screenshot(page, "no-worker-banner")
    worker = start_worker(live_sandbox)
    try:
        expect(page.get_by_test_id("send-status")).to_have_text("Done", timeout=30_000)
        page.reload()
        expect(page.get_by_test_id("worker-banner")).to_have_count(0)
    finally:
        stop_worker(worker)
