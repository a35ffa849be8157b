"""The lists at a desk (1,280 px) and on a phone (375 px): filter bars line up, wide tables scroll in
their own box at a desk and are cards on a phone, the page never scrolls sideways; an upload over the
limit is answered in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messages.views import sends
from tests.conftest import PASSWORD
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


# Tops of the form controls in the first row of the filter bar, and how far the page and each table
# box could scroll sideways.
MEASURE = """() => {
  const controls = [...document.querySelectorAll('.filters-fields .field')].map(field => {
    const box = field.querySelector('input, select').getBoundingClientRect();
    return {row: Math.round(field.getBoundingClientRect().top), top: Math.round(box.top)};
  });
  const firstRow = controls.filter(c => c.row === controls[0].row).map(c => c.top);
  return {
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    controlTops: [...new Set(firstRow)],
    columns: firstRow.length,
    tables: [...document.querySelectorAll('.table-wrap')].map(w => ({
      overflowX: getComputedStyle(w).overflowX, inner: w.scrollWidth, box: w.clientWidth})),
  };
}"""


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize(
    "path", ["/drafts/", "/sends/", "/history/", "/history/?status=failed", "/drafts/{draft}/send/"]
)
def test_lists_line_up_and_never_scroll_sideways(page, live_server, marketer, crowded_lists, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}{path.format(draft=crowded_lists.pk)}")
    measured = page.evaluate(MEASURE)
    name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-").replace("{draft}", "draft")
    screenshot(page, f"list-{name}-{width}")
    assert measured["pageOverflow"] <= 0, f"{path} scrolls sideways by {measured['pageOverflow']} px at {width} px"
    if "send/" not in path:
        assert len(measured["controlTops"]) == 1, f"filter boxes out of line: {measured}"
        assert measured["columns"] >= (4 if width == 1280 else 1)
        for table in measured["tables"]:
            if width == 1280:
                assert table["overflowX"] == "auto"  # a table wider than the window would scroll in its box
            else:
                assert table["inner"] <= table["box"]  # a card per row (test_list_cards.py): nothing to scroll


def test_an_upload_over_the_limit_is_answered_on_the_page(
    page, live_server, marketer, line_draft, tmp_path, monkeypatch
):
    monkeypatch.setattr(sends, "MAX_UPLOAD_BYTES", 64 * 1024)  # the server runs in this process
    big = tmp_path / "recipients.csv"
    big.write_bytes(b"ott_id\n" + b"U1234567\n" * 10_000)  # 90 KB
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/send/")
    page.get_by_label("Or upload a CSV file").set_input_files(str(big))
    page.get_by_role("button", name="Check recipients").click()
    expect(page.locator(".field-error")).to_contain_text("The file is larger than 0.0625 MB")
