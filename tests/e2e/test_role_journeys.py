"""Journeys 1, 3, 4, 5 and 6: an admin manages senders, a marketer sends to a pasted list and watches
it finish, an auditor investigates a failure and exports, strangers get nowhere, phones work."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from messages.models import Delivery, Send
from messages.services import send_create
from sandbox.models import SandboxMessage, SandboxRegistration
from senders.models import Sender
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_controls_labelled, login, screenshot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

LINE_SECRET = "line-channel-secret-e2e-7731"
PAGE_TOKEN = "page-access-token-e2e-9902"
APP_SECRET = "app-secret-e2e-4410"


def test_admin_registers_imports_and_deactivates(page, live_server, live_sandbox, admin):
    login(page, live_server, admin.username, PASSWORD)
    page.get_by_role("link", name="Senders").first.click()
    page.get_by_role("link", name="Register a LINE channel").click()
    page.get_by_label("Channel ID").fill("2000000777")
    page.get_by_label("LINE channel name").fill("Spring shop")
    page.get_by_label("Channel secret").fill(LINE_SECRET)
    assert_controls_labelled(page)
    page.get_by_role("button", name="Register with Marketing Cloud").click()
    expect(page.locator(".flash")).to_contain_text("registered with Marketing Cloud")

    page.get_by_role("link", name="Senders").first.click()
    page.get_by_role("link", name="Register a Messenger page").click()
    page.get_by_label("Facebook app ID").fill("55501")
    page.get_by_label("Facebook app secret").fill(APP_SECRET)
    page.get_by_label("Page ID").fill("1000000777")
    page.get_by_label("Messenger page name").fill("Spring page")
    page.get_by_label("Page access token").fill(PAGE_TOKEN)
    page.get_by_role("button", name="Register with Marketing Cloud").click()
    expect(page.locator(".flash")).to_contain_text("registered with Marketing Cloud")

    # Marketing Cloud also knows a channel the portal does not: importing brings it in.
    SandboxRegistration.register("line", {"channelId": "2000000888", "channelName": "Made elsewhere"})
    page.get_by_role("link", name="Senders").first.click()
    page.get_by_role("button", name="Import from Marketing Cloud").click()
    expect(page.locator(".flash")).to_contain_text("1 created")
    expect(page.get_by_role("link", name="Made elsewhere")).to_be_visible()

    page.get_by_role("link", name="Spring shop").click()
    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("registration")).to_contain_text("Inactive")
    assert not Sender.objects.get(sender_id="2000000777").is_active

    for url in ("/senders/", f"/senders/{Sender.objects.get(sender_id='1000000777').pk}/"):
        page.goto(f"{live_server.url}{url}")
        html = page.content()
        assert LINE_SECRET not in html and PAGE_TOKEN not in html and APP_SECRET not in html
    screenshot(page, "sender-detail")


def test_marketer_sends_to_a_pasted_list_and_watches_it_finish(page, live_server, worker, marketer, line_draft):
    recipients = [f"U{n:04d}" for n in range(46)] + ["sandbox-fail-500", "sandbox-flaky-2"]
    pasted = "\n".join([*recipients[:20], ",only-a-reference", *recipients[20:], "bad\tid\x07"])
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    page.get_by_role("link", name="Send…").click()
    page.get_by_label("Or paste a list").fill(pasted)
    assert_controls_labelled(page)
    page.get_by_role("button", name="Check recipients").click()

    expect(page.get_by_test_id("recipient-count")).to_have_text("48")
    expect(page.get_by_test_id("refused-count")).to_contain_text("2 lines")
    expect(page.locator("table")).to_contain_text("LINE needs an ottId")
    expect(page.locator("table")).to_contain_text("control characters")
    assert not Send.objects.exists()
    page.get_by_role("button", name="Send to 48 recipients").click()

    progress = page.get_by_role("progressbar")
    expect(page.get_by_test_id("send-status")).to_have_text("Done with errors", timeout=60_000)
    expect(progress).to_have_attribute("aria-valuenow", "48")
    expect(page.get_by_test_id("count-sent")).to_have_text("47")
    expect(page.get_by_test_id("count-failed")).to_have_text("1")
    screenshot(page, "send-progress")

    send = Send.objects.get()
    assert send.deliveries.get(ott_id="sandbox-flaky-2").status == Delivery.Status.SENT
    assert send.deliveries.filter(status=Delivery.Status.SENT).count() == SandboxMessage.objects.count() == 47
    assert all(m.accepted_count == 1 for m in SandboxMessage.objects.all())


def test_auditor_investigates_a_failure_and_exports(page, live_server, worker, auditor, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U1", ""), ("sandbox-fail-500", ""), ("U2", "")], user=marketer)
    wait_until(lambda: Send.objects.get(pk=send.pk).is_finished, what="the send to finish")
    login(page, live_server, auditor.username, PASSWORD)
    page.get_by_role("link", name="History").first.click()
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    assert_controls_labelled(page)
    screenshot(page, "history")
    rows.first.get_by_role("link").first.click()
    expect(page.get_by_test_id("delivery-status")).to_have_text("Failed")
    expect(page.locator("pre").first).to_contain_text('"ottId": "sandbox-fail-500"')
    expect(page.locator("pre").nth(1)).to_contain_text("Internal Server Error")
    expect(page.locator("table")).to_contain_text("server error (HTTP 500)")

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as downloaded:
        text = downloaded.read()
    table = list(csv.DictReader(io.StringIO(text)))
    assert [(row["ott_id"], row["status"]) for row in table] == [("sandbox-fail-500", "failed")]

    for url in ("/", "/drafts/", f"/sends/{send.pk}/", "/history/", "/senders/"):
        page.goto(f"{live_server.url}{url}")
        main = page.locator("main")
        for control in ("Send…", "New draft", "Save draft", "Cancel what has not started", "Delete", "Register"):
            expect(main.get_by_role("button", name=control)).to_have_count(0)
            expect(main.get_by_role("link", name=control)).to_have_count(0)


def test_strangers_get_nowhere(page, live_server, outsider):
    page.goto(f"{live_server.url}/history/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/history/")
    page.get_by_label("Username").fill(outsider.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("No access")


@pytest.mark.parametrize("path", ["/", "/senders/", "/drafts/", "/drafts/{draft}/", "/sends/", "/history/"])
def test_pages_fit_a_phone(page, live_server, marketer, line_draft, path):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}{path.format(draft=line_draft.pk)}")
    overflow = page.evaluate("document.querySelector('main').scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375 px"
