"""An import from Marketing Cloud leaves an admin's decisions alone: a deactivated sender stays
inactive, a deleted one stays deleted, and the report says so in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sandbox.models import SandboxRegistration
from senders.models import Sender
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_controls_labelled, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_leaves_a_deactivated_sender_inactive_and_a_deleted_one_out(page, live_server, live_sandbox, admin):
    SandboxRegistration.register("line", {"channelId": "2000000901", "channelName": "Harbour shop", "isActive": 1})
    SandboxRegistration.register("line", {"channelId": "2000000902", "channelName": "Old kiosk", "isActive": 1})
    login(page, live_server, admin.username, PASSWORD)
    page.get_by_role("link", name="Senders").first.click()
    page.get_by_role("button", name="Import from Marketing Cloud").click()
    expect(page.locator(".flash")).to_contain_text("2 created")

    # Deactivate one: a change in the portal only.
    page.get_by_role("link", name="Harbour shop").click()
    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("registration")).to_contain_text("Inactive")
    expect(page.get_by_role("table")).to_contain_text("Active: Yes → No")

    # Delete the other, confirming first; the page says Marketing Cloud keeps it.
    page.get_by_role("link", name="Senders").first.click()
    page.get_by_role("link", name="Old kiosk").click()
    page.get_by_role("link", name="Delete this sender…").click()
    expect(page.get_by_role("heading", name="Delete Old kiosk?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Its registration stays in Marketing Cloud.")
    assert Sender.objects.filter(sender_id="2000000902").exists()  # nothing happens before confirming
    assert_controls_labelled(page)
    page.get_by_role("button", name="Delete from the portal").click()
    expect(page.locator(".flash")).to_contain_text("Its registration stays in Marketing Cloud")

    # Import again: nothing the admin decided is undone, and the report says why.
    page.get_by_role("button", name="Import from Marketing Cloud").click()
    expect(page.locator(".flash")).to_contain_text("0 created, 0 updated, 1 unchanged")
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("Left as the portal has it (2 senders)")
    expect(report).to_contain_text("Harbour shop (LINE 2000000901): kept inactive. An admin deactivated it")
    expect(report).to_contain_text("Old kiosk (LINE 2000000902): not imported. An admin deleted it from the portal")
    expect(page.get_by_role("link", name="Old kiosk")).to_have_count(0)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Harbour shop"))
    expect(row).to_contain_text("Inactive")
    screenshot(page, "sender-import-report")
    assert not Sender.objects.get(sender_id="2000000901").is_active
    assert not Sender.objects.filter(sender_id="2000000902").exists()
