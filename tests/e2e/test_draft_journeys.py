"""Team drafts in the browser: a colleague changes a marketer's draft and the owner, on a phone
(375 px), is told who changed what and reads the change history; and "Send a test" from the draft
page to the test recipients saved in Your settings, through a real worker to the sandbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messages.models import Send
from ottportal.roles import MARKETERS
from sandbox.models import SandboxMessage
from senders.models import Sender
from tests.conftest import PASSWORD, _persona
from tests.e2e.conftest import assert_controls_labelled, login, screenshot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

LONG_LINK = "https://example.com/spring/" + "x" * 90  # one unbroken word, longer than a phone is wide


def test_the_owner_sees_what_a_colleague_changed_on_a_phone(page, live_server, marketer, line_draft):
    Sender.objects.create(network="line", sender_id="2000000002", name="Spring shop")
    colleague = _persona("ben-marketer", MARKETERS)
    login(page, live_server, colleague.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    expect(page.get_by_test_id("last-edited")).to_contain_text("Last edited by mark-marketer")
    page.get_by_label("Sender").select_option(label="Spring shop (LINE 2000000002)")
    page.locator("[data-block]").nth(0).get_by_label("Text").fill(f"Sale ends Sunday {LONG_LINK}")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash")).to_contain_text("Saved")
    expect(page.get_by_test_id("changed-notice")).to_have_count(0)  # not the owner

    page.goto("about:blank")  # leave the composer (and its live checks) before signing in as the owner
    page.context.clear_cookies()
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    notice = page.get_by_test_id("changed-notice")
    expect(notice).to_contain_text("Others changed this draft since you last opened it")
    expect(notice).to_contain_text("ben-marketer")
    expect(notice).to_contain_text("Sender: Demo LINE → Spring shop")
    expect(notice).to_contain_text("Block 1 text changed: “セール 😀” → “Sale ends Sunday https://")
    expect(page.get_by_test_id("last-edited")).to_contain_text("Last edited by ben-marketer at")
    expect(page.get_by_test_id("last-edited").locator("time")).to_contain_text(" UTC")  # the portal's zone
    history = page.locator("#changes tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("ben-marketer")
    expect(history.nth(0)).to_contain_text("Sender: Demo LINE → Spring shop")
    expect(history.nth(1)).to_contain_text("Created")
    assert_controls_labelled(page)
    screenshot(page, "draft-changed-by-colleague-375")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"

    page.reload()  # seen: the notice does not come back, and the history folds away above the form
    expect(page.get_by_test_id("last-edited")).to_be_visible()
    expect(page.get_by_test_id("changed-notice")).to_have_count(0)
    expect(history.nth(0)).to_be_hidden()
    page.get_by_test_id("last-edited").get_by_role("link", name="the change history").click()
    expect(history.nth(0)).to_be_visible()


def test_send_a_test_from_the_draft_page(page, live_server, worker, marketer, line_draft):
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    expect(page.locator("#test-hint")).to_contain_text("No test recipients on LINE yet")
    page.locator("#test-hint").get_by_role("link", name="add them in Your settings").click()
    page.get_by_label("Test recipients on LINE").fill("U-test-1\nU-test-2,ref-2")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Your settings are saved")

    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    expect(page.locator("#test-hint")).to_have_text("Goes at once to your 2 test recipients on LINE")
    screenshot(page, "draft-send-a-test")
    page.get_by_role("button", name="Send a test").click()
    page.wait_for_url(f"{live_server.url}/sends/*/")
    expect(page.get_by_test_id("test-badge")).to_have_text("Test")
    expect(page.get_by_test_id("send-status")).to_have_text("Done", timeout=30_000)
    screenshot(page, "send-a-test-done")
    send = Send.objects.get()
    assert send.is_test and send.total == 2
    wait_until(lambda: SandboxMessage.objects.count() == 2, 10, "both test messages in the sandbox")
    assert sorted(message.request_body["to"]["ottId"] for message in SandboxMessage.objects.all()) == [
        "U-test-1",
        "U-test-2",
    ]
