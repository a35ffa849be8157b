"""In the browser: a marketer uploads an audience and sees what was kept, refused and collapsed; an
auditor sees it with ids masked; an admin adds a recipient to the suppression list, imports a file
and removes an entry, and the log shows who did it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_controls_labelled, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

LINE_ID = "U4af4980629e2a3ed0b16dbc7e4a9a87e"


def nav(page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def test_a_marketer_uploads_an_audience_and_an_auditor_reads_it_masked(page, live_server, marketer, auditor, tmp_path):
    upload = tmp_path / "spring.csv"
    upload.write_bytes(
        "\ufeffott_id,user_reference,first_name,coupon\r\n"
        f'{LINE_ID},cust-1001,"Lee, Jo",SPRING10\r\n'
        f"{LINE_ID},cust-1001,Lee,SPRING10\r\n"
        ",cust-1002,Aiko,\r\n".encode()
    )
    login(page, live_server, marketer.username, PASSWORD)
    nav(page, "Audiences")
    expect(page.get_by_test_id("empty-state")).to_contain_text("No audiences yet")
    page.get_by_role("link", name="Upload an audience").first.click()
    assert_controls_labelled(page)
    page.get_by_label("Name").fill("Spring sale")
    page.get_by_label("Network").select_option("line")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "“Spring sale” is saved: 1 recipient, 1 refused line, 1 repeated recipient collapsed."
    )
    expect(page.get_by_test_id("size")).to_have_text("1")
    expect(page.get_by_test_id("columns")).to_contain_text("{{ first_name }}")
    expect(page.get_by_test_id("rows")).to_contain_text("Lee, Jo")
    expect(page.get_by_text("LINE needs an ottId")).to_be_visible()
    screenshot(page, "audience-detail-marketer")
    page.get_by_role("link", name="Upload a new version").click()
    expect(page.get_by_label("Name")).to_have_value("Spring sale")

    page.context.clear_cookies()
    login(page, live_server, auditor.username, PASSWORD)
    nav(page, "Audiences")
    page.get_by_role("link", name="Spring sale").click()
    expect(page.get_by_test_id("rows")).to_contain_text("U4•••7e")
    expect(page.get_by_test_id("rows")).not_to_contain_text(LINE_ID)
    expect(page.get_by_role("button", name="Rename")).to_have_count(0)


def test_an_admin_keeps_the_suppression_list(page, live_server, admin, line_sender, tmp_path):
    login(page, live_server, admin.username, PASSWORD)
    nav(page, "Suppressions")
    page.get_by_role("link", name="Add a recipient").click()
    assert_controls_labelled(page)
    page.get_by_label("Network").select_option("line")
    page.get_by_label("Recipient ID (ottId)").fill(LINE_ID)
    page.get_by_label("Reason").select_option("complaint")
    page.get_by_role("button", name="Add to the list").click()
    expect(page.locator(".flash-success")).to_contain_text("is on the suppression list")

    upload = tmp_path / "opt-outs.csv"
    upload.write_text("ott_id,reason\nU2,opt_out\nU3,bored\n")
    page.get_by_role("link", name="Import a CSV file").click()
    page.get_by_label("Network").select_option("line")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".flash-success")).to_contain_text("1 added, 0 changed, 0 already on the list, 1 refused")
    expect(page.get_by_text("reason: give opt_out, complaint, blocked, manual.")).to_be_visible()
    expect(page.get_by_test_id("match-count")).to_have_text("2 entries")

    page.get_by_role("link", name="Remove…").first.click()
    page.get_by_role("button", name="Remove from the list").click()
    expect(page.get_by_test_id("match-count")).to_have_text("1 entry")
    expect(page.get_by_test_id("changes")).to_contain_text("Removed")
    expect(page.get_by_test_id("changes")).to_contain_text(admin.username)
    screenshot(page, "suppression-list-admin")
