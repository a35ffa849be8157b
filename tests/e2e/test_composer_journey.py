"""Journey 2: a marketer composes a LINE draft with three blocks, watches the preview and the count,
switches to Messenger, fixes the limit and the tag, and saves. Then the composer at 1280 and 375 px
(sticky preview, long text inside the phone, the busy indicator, the unsaved-changes warning), text
typed on several lines reaching the sandbox with \n line breaks, and an auditor's read-only page."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from messages.models import Draft
from messages.services import send_create
from sandbox.models import SandboxMessage
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_controls_labelled, login, screenshot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

BUTTONS = {
    "type": "template",
    "altText": "Menu",
    "template": {
        "type": "buttons",
        "title": "Spring menu",
        "text": "Pick one",
        "actions": [{"type": "uri", "label": "Open the shop", "uri": "https://example.com/shop"}],
    },
}


def test_marketer_composes_switches_network_and_saves(page, live_server, marketer, line_sender, messenger_sender):
    login(page, live_server, marketer.username, PASSWORD)
    page.get_by_role("link", name="Drafts").first.click()
    page.get_by_role("link", name="New draft").click()
    page.get_by_label("Name").fill("Spring sale")
    page.get_by_label("Sender").select_option(label=f"{line_sender.name} (LINE {line_sender.sender_id})")

    first = page.locator("[data-block]").nth(0)
    first.get_by_label("Text").fill("セール 😀")
    expect(first.locator("[data-counter-for]")).to_have_text("6 / 5,000 characters")
    expect(first.locator("[data-count-hint]")).to_have_text("(LINE counts an emoji as 2)")
    expect(page.locator(".phone .bubble").first).to_have_text("セール 😀")

    page.get_by_role("button", name="Add a block").click()
    second = page.locator("[data-block]").nth(1)
    second.get_by_label("Type").select_option("image")
    second.get_by_label("URL", exact=True).fill("https://example.com/a.jpg")
    second.get_by_label("Preview URL (altUrl)").fill("https://example.com/a-preview.jpg")
    expect(page.locator(".phone img").first).to_have_attribute("src", "https://example.com/a-preview.jpg")

    page.get_by_role("button", name="Add a block").click()
    third = page.locator("[data-block]").nth(2)
    third.get_by_label("Type").select_option("native")
    third.get_by_label("Native payload (JSON)").fill('{"type": "template",')
    # One message for a syntax error: the server's, beside the field, naming line and column.
    expect(page.locator("#err-blocks-2-native_payload")).to_contain_text("not valid JSON")
    expect(page.locator("#err-blocks-2-native_payload")).to_contain_text("line 1")
    expect(third.locator("[data-json-status-for]")).to_be_empty()
    third.get_by_label("Native payload (JSON)").fill(json.dumps(BUTTONS))
    third.get_by_role("button", name="Pretty-print").click()
    expect(third.get_by_label("Native payload (JSON)")).to_have_value(json.dumps(BUTTONS, indent=2))
    expect(page.locator(".phone .template-action")).to_have_text("Open the shop")
    expect(page.locator("#summary .error-summary")).to_have_count(0)
    body = json.loads(page.locator("#body-json").text_content())
    assert [c["type"] for c in body["message"]["contents"]] == ["text", "image", "native"]
    assert_controls_labelled(page)
    screenshot(page, "composer-line")
    page.get_by_role("button", name="Copy as curl").click()
    copied = page.evaluate("window.lastCopiedText")
    assert copied.startswith('curl -X POST "$OTT_REST_URL/ott/v1/send"') and "Bearer $OTT_TOKEN" in copied
    assert json.loads(copied.split("-d '", 1)[1].rstrip("'")) == body

    # Messenger allows one block: the limit error shows at once, nothing is lost.
    page.get_by_label("Sender").select_option(label=f"{messenger_sender.name} (Messenger {messenger_sender.sender_id})")
    expect(page.locator("#summary")).to_contain_text("cannot contain more than 1")
    expect(page.get_by_role("button", name="Add a block")).to_be_disabled()
    expect(second.get_by_label("Preview URL (altUrl)")).to_have_value("https://example.com/a-preview.jpg")
    third.get_by_role("button", name="Remove block").click()
    second.get_by_role("button", name="Remove block").click()
    expect(page.locator("#summary")).not_to_contain_text("cannot contain more than 1")
    expect(first.locator("[data-counter-for]")).to_have_text("5 / 2,000 characters")

    page.get_by_label("Messaging type").select_option("MESSAGE_TAG")
    tag = page.get_by_label("Tag")
    expect(tag).to_be_visible()
    expect(page.locator("#err-draft-tag")).to_contain_text("Tag must be provided")
    tag.select_option("ACCOUNT_UPDATE")
    expect(page.locator("#err-draft-tag")).to_be_empty()
    expect(page.locator("#summary .error-summary")).to_have_count(0)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash")).to_contain_text("Saved “Spring sale”")

    draft = Draft.objects.get()
    assert draft.sender == messenger_sender and (draft.messaging_type, draft.tag) == ("MESSAGE_TAG", "ACCOUNT_UPDATE")
    assert [b.text for b in draft.blocks.all()] == ["セール 😀"]
    screenshot(page, "composer-messenger")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 375])
def test_composer_layout_busy_indicator_and_unsaved_changes(page, live_server, marketer, line_draft, width):
    page.set_viewport_size({"width": width, "height": 800})
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    text = page.locator("[data-block]").first.get_by_label("Text")
    expect(page.locator(".phone .bubble").first).to_have_text("セール 😀")
    assert no_sideways_scroll(page)

    # A busy indicator while the server checks the page (the answer is held back to see it).
    release = []
    page.route("**/drafts/validate/", lambda route: release.append(route))
    text.fill("Line one\n" + "A long message. " * 400)
    expect(page.locator("#checking")).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("aria-busy", "true")
    wait_until(lambda: bool(release) or page.wait_for_timeout(50), timeout=10, what="the validate request")
    page.unroute("**/drafts/validate/")
    release[0].continue_()
    expect(page.locator("#checking")).to_be_hidden()
    expect(page.locator(".phone .bubble").first).to_contain_text("A long message.")
    expect(page.locator("[data-counter-for]").first).to_have_text("6,409 / 5,000 characters")

    # Long text scrolls inside the phone; the page never scrolls sideways.
    chat = page.locator(".phone-chat")
    assert chat.evaluate("el => el.scrollHeight > el.clientHeight + 100")
    assert no_sideways_scroll(page)
    if width == 1280:  # beside the form, the preview stays in view while the form scrolls
        page.locator("#add-block").scroll_into_view_if_needed()
        box = page.locator(".phone").bounding_box()
        assert box is not None and 0 <= box["y"] < 800
    screenshot(page, f"composer-{width}")

    # Leaving with unsaved changes asks first (and staying keeps them).
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="← Drafts").click()
    wait_until(lambda: bool(dialogs) or page.wait_for_timeout(50), timeout=10, what="the leave warning")
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/drafts/{line_draft.pk}/")
    expect(text).to_have_value(re.compile("^Line one"))


def test_text_typed_on_several_lines_reaches_the_sandbox_with_lf(page, live_server, worker, marketer, line_sender):
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/new/")
    page.get_by_label("Name").fill("Two lines")
    page.get_by_label("Sender").select_option(label=f"{line_sender.name} (LINE {line_sender.sender_id})")
    page.locator("[data-block]").first.get_by_label("Text").fill("Spring sale\nstarts today")
    expect(page.locator("[data-counter-for]").first).to_have_text("24 / 5,000 characters")
    page.get_by_role("button", name="Save draft").click()  # the browser posts the break as \r\n
    expect(page.locator(".flash")).to_contain_text("Saved “Two lines”")
    draft = Draft.objects.get()
    assert draft.blocks.get().text == "Spring sale\nstarts today"
    send = send_create(draft=draft, recipients=[("U1", "")], user=marketer)
    wait_until(lambda: SandboxMessage.objects.exists(), timeout=60, what="the sandbox to receive the send")
    body = SandboxMessage.objects.get(message_key=str(send.deliveries.get().message_key)).request_body
    assert body["message"]["contents"][0]["text"] == "Spring sale\nstarts today"


def test_auditor_reads_a_draft_without_controls(page, live_server, auditor, line_draft):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, live_server, auditor.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    expect(page.locator(".phone .bubble").first).to_have_text("セール 😀")
    for name in ("Save draft", "Delete", "Duplicate", "Remove block", "Add a block", "Send…"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    assert no_sideways_scroll(page)
    screenshot(page, "draft-read-only-375")
