"""A marketer previews a LINE draft with real rows of a saved audience, by keyboard: choose the
audience, step next to the last row, back, and to a line by number; edit the text and see the row
filled again; the same at 375 px."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from audiences.loading import audience_from_csv
from messages.services import draft_create
from ott.payloads import Block, Message
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_controls_labelled, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

CSV = f"ott_id,user_reference,first_name\nU{1:032x},ref-1,花子\nU{2:032x},ref-2,😀 Zoë\nU{3:032x},ref-3,\n"


def test_marketer_steps_through_an_audiences_rows_by_keyboard(page, live_server, marketer, line_sender):
    audience_from_csv(file=io.BytesIO(CSV.encode()), name="Spring list", network="line", user=marketer)
    audience_from_csv(
        file=io.BytesIO(b"ott_id,user_reference\n1234,\n"), name="Page fans", network="messenger", user=marketer
    )
    text = 'Hi {{ first_name | default: "friend" }}'
    draft = draft_create(
        owner=marketer, name="Hello", sender=line_sender, message=Message(blocks=(Block("text", text=text),))
    )
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{draft.pk}/")
    expect(page.get_by_test_id("placeholders")).to_contain_text("first_name")
    audience = page.get_by_label("Audience", exact=True)
    expect(audience.locator("option", has_text="Page fans")).to_be_disabled()  # a Messenger audience

    audience.focus()
    audience.select_option(label="Spring list (LINE, 3 recipients)")
    bubble = page.locator("#live .phone .bubble").first
    expect(bubble).to_have_text("Hi 花子")
    expect(page.locator("#body-json")).to_contain_text('"userReference": "ref-1"')
    expect(page.locator("#body-heading")).to_have_text("Request body (line 2 of “Spring list”)")

    page.get_by_role("button", name="Next").focus()
    page.keyboard.press("Enter")
    expect(bubble).to_have_text("Hi 😀 Zoë")
    page.keyboard.press("Enter")
    expect(bubble).to_have_text("Hi friend")
    expect(page.locator("#row-status")).to_contain_text("Empty in this row; its default “friend” is used.")
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    expect(page.get_by_role("button", name="Previous")).to_be_focused()  # the focus is not lost
    page.keyboard.press("Enter")
    expect(bubble).to_have_text("Hi 😀 Zoë")

    page.get_by_label("Line", exact=True).fill("2")
    page.keyboard.press("Enter")
    expect(bubble).to_have_text("Hi 花子")
    page.get_by_label("Line", exact=True).fill("")
    page.keyboard.press("Enter")
    expect(page.locator("#row-status .error")).to_have_text("Give a line number: a whole number such as 2.")

    # (A line beyond the end is the server's 404, named: tests/messages/test_preview_rows.py.)
    # Editing the message keeps the row: the check re-draws the preview, filled for line 2 again.
    page.locator("[data-block]").first.get_by_label("Text").fill("Bye {{ first_name }}")
    expect(bubble).to_have_text("Bye 花子")
    assert_controls_labelled(page)

    screenshot(page, "composer-row-preview")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "composer-row-preview-phone")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
