"""An auditor reads the audit trail at a desk and on a phone: what a marketer did, filtered to drafts,
with the field that changed; the page never scrolls sideways; the export downloads and is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from messages.services import draft_update
from ott.payloads import Block, Message
from ottportal.models import AuditEntry
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_controls_labelled, login, screenshot
from tests.e2e.test_lists_layout import MEASURE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_an_auditor_filters_the_trail_and_exports_it(page, live_server, auditor, marketer, line_draft, width):
    message = Message(blocks=(Block("text", text="Autumn prices"),))
    draft_update(draft=line_draft, name="Autumn sale", sender=line_draft.sender, message=message, user=marketer)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, auditor.username, PASSWORD)
    page.goto(f"{live_server.url}/audit/")
    expect(page.get_by_role("cell", name="Login").first).to_be_visible()
    assert_controls_labelled(page)
    page.get_by_label("Kind").select_option(label="Drafts")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(2)  # created (by the fixture), then changed
    expect(rows.first).to_contain_text("Draft changed")
    expect(rows.first).to_contain_text("name: Spring sale → Autumn sale")
    expect(rows.first).to_contain_text(marketer.username)
    page.wait_for_load_state("load")  # the stylesheet applied before measuring (a busy machine is slow)
    measured = page.evaluate(MEASURE)
    screenshot(page, f"audit-drafts-{width}")
    assert measured["pageOverflow"] <= 0, f"the audit page scrolls sideways by {measured['pageOverflow']} px"
    assert len(measured["controlTops"]) == 1, f"filter boxes out of line: {measured}"

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("id,at_utc,username,") and text.count("draft.") == 2
    export = AuditEntry.objects.get(action="export.audit")
    assert export.username == auditor.username and export.detail == "Filter: kind=draft; 2 rows"
