"""The campaign lifecycle in the browser, with a real worker process and this server's sandbox: a
marketer (in Tokyo) schedules a send from a sender that requires approval, an approver (in New York)
approves it, it starts on time, the marketer pauses it (nothing more is posted) and resumes it, and
it finishes with every recipient sent exactly once. Screenshots at 1280 and 375 px."""

from __future__ import annotations

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from messages.models import Delivery, Send
from ottportal.models import settings_of
from sandbox.models import SandboxMessage
from tests.conftest import PASSWORD, start_worker, stop_worker
from tests.e2e.conftest import assert_controls_labelled, login, screenshot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

TOTAL = 120
TOKYO = ZoneInfo("Asia/Tokyo")
LEAD = timedelta(seconds=30)  # time for the approver to sign in and approve before the start


def _both_widths(page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 375 px"


def _zone(user, zone: str) -> None:
    user_settings = settings_of(user)
    user_settings.time_zone = zone
    user_settings.save()


def _switch_user(page, live_server, user) -> None:
    page.get_by_role("button", name="Log out").click()
    login(page, live_server, user.username, PASSWORD)


def test_scheduled_approved_started_on_time_paused_resumed_and_finished(
    page, live_server, live_sandbox, marketer, approver, line_draft
):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    _zone(marketer, "Asia/Tokyo")
    _zone(approver, "America/New_York")
    worker = start_worker(live_sandbox, OTT_SEND_CONCURRENCY="2")
    try:
        # The marketer schedules the send for the first whole minute at least LEAD ahead, Tokyo time.
        login(page, live_server, marketer.username, PASSWORD)
        page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
        page.get_by_role("link", name="Send…").click()
        page.get_by_label("Or paste a list").fill("\n".join(f"sandbox-slow-400,ref-{n}" for n in range(TOTAL)))
        page.get_by_role("button", name="Check recipients").click()
        expect(page.get_by_test_id("recipient-count")).to_have_text(str(TOTAL))
        notice = page.get_by_test_id("approval-notice")
        expect(notice).to_contain_text("This send will wait for approval")
        expect(notice).to_contain_text(approver.username)
        start = (timezone.now() + LEAD).astimezone(TOKYO)
        start = (start + timedelta(minutes=1)).replace(second=0, microsecond=0)
        page.get_by_label("At a date and time").check()
        page.get_by_label("Date", exact=True).fill(f"{start:%Y-%m-%d}")
        page.get_by_label("Time", exact=True).fill(f"{start:%H:%M}")
        expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")  # the marketer's own zone
        assert_controls_labelled(page)
        _both_widths(page, "lifecycle-confirm")
        page.get_by_role("button", name=f"Send to {TOTAL} recipients").click()
        expect(page.locator(".flash")).to_contain_text("Waiting for approval by an approver or an admin")
        expect(page.get_by_test_id("send-status")).to_have_text("Waiting for approval")
        send = Send.objects.get()
        assert send.scheduled_at == start and send.status == Send.Status.PENDING_APPROVAL
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # not for its own creator

        # The approver finds it on the home page, checks what will go out, and approves it.
        _switch_user(page, live_server, approver)
        page.get_by_test_id("awaiting-me").get_by_role("link").first.click()
        expect(page.get_by_test_id("review-json")).to_contain_text('"ottId": "sandbox-slow-400"')
        expect(page.get_by_test_id("review").locator(".phone")).to_contain_text("セール")
        _both_widths(page, "lifecycle-approve")
        page.get_by_role("button", name="Approve").click()
        expect(page.locator(".flash")).to_contain_text("Approved: it starts at")
        expect(page.get_by_test_id("send-status")).to_have_text("Scheduled")
        new_york = start.astimezone(ZoneInfo("America/New_York"))
        expect(page.get_by_test_id("starts")).to_contain_text(f"{new_york:%Y-%m-%d %H:%M} {new_york:%Z}")
        expect(page.get_by_test_id("starts")).to_contain_text(f"{start.astimezone(ZoneInfo('UTC')):%H:%M} UTC")
        page.get_by_role("link", name="Scheduled", exact=True).click()
        expect(page.get_by_test_id(f"scheduled-{send.pk}")).to_contain_text("Scheduled")
        _both_widths(page, "lifecycle-scheduled")
        assert timezone.now() < start, "the approval came after the start time: raise LEAD"

        # The marketer watches it start on time, pauses it, then resumes it.
        _switch_user(page, live_server, marketer)
        page.goto(f"{live_server.url}/sends/{send.pk}/")
        expect(page.get_by_test_id("send-status")).to_have_text("Running", timeout=90_000)
        send.refresh_from_db()
        assert start <= send.started_at < start + timedelta(seconds=10)
        wait_until(lambda: SandboxMessage.objects.count() >= 10, what="some deliveries to be posted")
        page.get_by_role("button", name="Pause").click()
        expect(page.locator(".flash")).to_contain_text("Paused: nothing more is posted")
        expect(page.get_by_test_id("paused-reason")).to_contain_text(f"Paused by {marketer.username}.")
        wait_until(lambda: not send.deliveries.filter(status=Delivery.Status.SENDING).exists(), 30, "in-flight posts")
        posted = SandboxMessage.objects.count()
        time.sleep(2)
        assert SandboxMessage.objects.count() == posted < TOTAL  # paused: nothing more goes out
        _both_widths(page, "lifecycle-paused")
        page.get_by_role("button", name="Resume").click()
        expect(page.locator(".flash")).to_contain_text("Resumed")
        expect(page.get_by_test_id("send-status")).to_have_text("Done", timeout=90_000)
        timeline = page.get_by_test_id("timeline")
        for line in ("Approved", "Started", "Paused", "Resumed", "Finished"):
            expect(timeline).to_contain_text(line)
        _both_widths(page, "lifecycle-done")
    finally:
        stop_worker(worker)
    send.refresh_from_db()
    assert send.status == Send.Status.DONE and send.approved_by == approver
    assert send.deliveries.filter(status=Delivery.Status.SENT).count() == TOTAL == SandboxMessage.objects.count()
    assert not SandboxMessage.objects.filter(accepted_count__gt=1).exists()  # nobody got it twice
