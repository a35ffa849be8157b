"""An auditor reads the audit trail at a desk and on a phone: what a marketer did, filtered to drafts,
with the field that changed; the page never scrolls sideways; the export downloads and is recorded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from messages.services import draft_update
from ott.payloads import Block, Message
from ottportal.audit import record
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


# Each audit entry's box and what overflows sideways: the page, each entry, and the list's box.
ENTRY_BOXES = """() => ({
  pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
  entries: [...document.querySelectorAll('table.audit tbody tr')].map(row => ({
    height: Math.round(row.getBoundingClientRect().height),
    overflow: row.scrollWidth - row.clientWidth,
  })),
  lists: [...document.querySelectorAll('.table-wrap')].map(box => box.scrollWidth - box.clientWidth),
})"""


def test_on_a_phone_each_entry_is_a_card_that_reads_down_the_page(page, live_server, auditor, admin, line_sender):
    """At 375 px each entry is a block (when, who, action, object, detail, from address), not a table
    row squeezed into a phone: a long detail and a list of changes keep it short, nothing scrolls sideways."""
    record(
        "sender.update",
        user=admin,
        obj=line_sender,
        detail=(
            "Changed by the weekly import from the Tokyo team's Marketing Cloud account, matched on channel ID "
            "2000000001: the name and the rate limit differ there"
        ),
        before={"name": "Tokyo store", "rate_limit": None},
        after={"name": "Tokyo flagship store (Ginza, opened 2026)", "rate_limit": 25},
    )
    record("auth.login_failed", username="someone-who-typed-a-very-long-address@example.co.jp", detail="")
    page.set_viewport_size({"width": 375, "height": 900})
    login(page, live_server, auditor.username, PASSWORD)
    page.goto(f"{live_server.url}/audit/")
    page.wait_for_load_state("load")
    measured = page.evaluate(ENTRY_BOXES)
    screenshot(page, "audit-cards-375")
    changed = page.locator("table.audit tbody tr", has_text="Sender updated")
    for label, words in (
        ("When", "UTC"),
        ("Who", admin.username),
        ("What", "Sender updated"),
        ("On", line_sender.name),
        ("Detail", "the name and the rate limit differ there"),
        ("From", "—"),  # recorded here, not from a browser
    ):
        expect(changed.locator(f'td[data-label="{label}"]')).to_contain_text(words)
    # Still a table to a screen reader: each cell under its column's header (the cards' labels are not read).
    expect(page.get_by_role("columnheader", name="Detail")).to_have_count(1)
    expect(changed.get_by_role("cell", name=re.compile(r"^Sender updated #\d+$"))).to_be_visible()
    login_row = page.locator("table.audit tbody tr").first  # newest first: the auditor's own login
    expect(login_row.locator('td[data-label="What"]')).to_contain_text("Login")
    expect(login_row.locator('td[data-label="From"]')).to_have_text("127.0.0.1")
    assert measured["pageOverflow"] <= 0, f"the audit page scrolls sideways by {measured['pageOverflow']} px"
    assert measured["lists"] == [0], f"the list scrolls sideways at 375 px: {measured}"
    assert all(entry["overflow"] <= 0 for entry in measured["entries"]), measured
    assert all(entry["height"] < 400 for entry in measured["entries"]), f"entries too tall: {measured['entries']}"
