"""The lists on a phone (375 px): each row is a card whose cells say their column's name (history and
sends in English and in Japanese; drafts, senders, audiences and the suppression list too); nothing
scrolls sideways; at a desk (1,280 px) they stay tables."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from audiences.loading import audience_from_csv
from audiences.suppressions import suppression_add
from tests.conftest import PASSWORD
from tests.e2e.conftest import LONG_ID, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


# Each row's box and what overflows sideways; each cell's label (data-label), its column's header, and
# the heights of the cell and of the label shown beside it (a label on two lines must not run into the
# next cell).
MEASURE = """() => {
  const headers = row => [...row.closest('table').tHead.rows[0].cells].map(th => th.textContent.trim());
  return {
    viewport: window.innerWidth,
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    lists: [...document.querySelectorAll('.table-wrap')].map(box => box.scrollWidth - box.clientWidth),
    headerHeight: document.querySelector('table.table-cards thead').getBoundingClientRect().height,
    rows: [...document.querySelectorAll('table.table-cards tbody tr')].map(row => ({
      display: getComputedStyle(row).display,
      width: row.getBoundingClientRect().width,
      overflow: row.scrollWidth - row.clientWidth,
      cells: [...row.cells].map((cell, column) => {
        const label = getComputedStyle(cell, '::before');
        // A cell with only a link (Send…, Remove…) needs no label; its column's header is hidden too.
        const action = !cell.dataset.label && cell.children.length === 1 && cell.firstElementChild.tagName === 'A'
          && cell.textContent.trim() === cell.firstElementChild.textContent.trim();
        return {
          action, label: cell.dataset.label, header: headers(row)[column],
          shown: label.display !== 'none' && label.content !== 'none',
          height: cell.getBoundingClientRect().height, labelHeight: parseFloat(label.height) || 0,
        };
      }),
    })),
  };
}"""


def _assert_cards(measured: dict, path: str) -> None:
    assert measured["pageOverflow"] <= 0, f"{path} scrolls sideways by {measured['pageOverflow']} px"
    assert all(box <= 0 for box in measured["lists"]), f"{path}: a list scrolls sideways in its box: {measured}"
    assert measured["headerHeight"] <= 1, "the header row is for screen readers only at this width"
    assert measured["rows"], f"{path} lists nothing"
    for row in measured["rows"]:
        assert row["display"] == "flex" and row["width"] < measured["viewport"], f"{path}: not a card: {row}"
        assert row["overflow"] <= 0, f"{path}: a card scrolls sideways: {row}"
        for cell in row["cells"]:
            assert cell["action"] or (cell["label"] == cell["header"] and cell["shown"]), f"{path}: {cell}"
            assert cell["height"] >= cell["labelHeight"] - 0.5, f"{path}: a label runs into the next cell: {cell}"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_on_a_phone_history_and_sends_are_cards_with_labels(page, live_server, marketer, crowded_lists, language):
    page.set_viewport_size({"width": 375, "height": 900})
    login(page, live_server, marketer.username, PASSWORD)
    if language == "ja":
        page.set_extra_http_headers({"Accept-Language": "ja"})  # the marketer has not picked a language
    for path in ("/history/", "/sends/"):
        page.goto(f"{live_server.url}{path}")
        measured = page.evaluate(MEASURE)
        screenshot(page, f"cards-{path.strip('/')}-375-{language}")
        _assert_cards(measured, path)
    if language == "en":  # what a marketer reads on the failed delivery's card and on the first send's
        page.goto(f"{live_server.url}/history/")
        failed = page.locator("table.table-cards tbody tr", has_text="Failed")
        expect(failed.locator('td[data-label="Error"]')).to_contain_text("server error (HTTP 500)")
        expect(failed.locator('td[data-label="Recipient"]')).to_contain_text(LONG_ID[:39] + "…")
        expect(failed.locator('td[data-label="When"]')).to_contain_text("UTC")
        expect(page.get_by_role("columnheader", name="Error")).to_have_count(1)  # still a table to a screen reader
        page.goto(f"{live_server.url}/sends/")
        first = page.locator("table.table-cards tbody tr").last  # newest first: the LINE send, one failed
        expect(first.locator('td[data-label="Failed or rejected"]')).to_have_text("1")
        expect(first.locator('td[data-label="Total"]')).to_have_text("2")
    else:
        expect(page.locator('td[data-label="失敗・拒否"]')).to_have_count(2)


def test_at_a_desk_history_and_sends_stay_tables(page, live_server, marketer, crowded_lists):
    login(page, live_server, marketer.username, PASSWORD)  # 1,280 px
    for path in ("/history/", "/sends/"):
        page.goto(f"{live_server.url}{path}")
        measured = page.evaluate(MEASURE)
        assert measured["headerHeight"] > 10, f"{path}: the header row is shown at a desk"
        assert {row["display"] for row in measured["rows"]} == {"table-row"}, path
        assert all(not cell["shown"] or cell["labelHeight"] == 0 for row in measured["rows"] for cell in row["cells"])


def test_on_a_phone_drafts_senders_audiences_and_suppressions_are_cards(
    page, live_server, admin, line_draft, line_sender
):
    audience_from_csv(
        file=io.BytesIO(b"ott_id,user_reference,a_rather_long_column_name_for_a_coupon_code\nU1,ref-1,SPRING\n"),
        name="Spring " * 8,
        network="line",
        user=admin,
    )
    suppression_add(network="line", sender=line_sender, ott_id=LONG_ID, user_reference="", reason="opt_out", user=admin)
    page.set_viewport_size({"width": 375, "height": 900})
    login(page, live_server, admin.username, PASSWORD)
    for path in ("/drafts/", "/senders/", "/audiences/", "/suppressions/", "/suppressions/changes/"):
        page.goto(f"{live_server.url}{path}")
        measured = page.evaluate(MEASURE)
        screenshot(page, f"cards-{path.strip('/').replace('/', '-')}-375")
        _assert_cards(measured, path)
