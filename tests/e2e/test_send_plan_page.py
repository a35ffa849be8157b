"""In a browser on a phone (375 px): a marketer chooses a saved audience for a personalized draft,
reads the plan (the first recipient's message filled in, who is suppressed, the allowance, the quiet
hours with their zone) and sends up to the remaining allowance."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audiences.loading import audience_from_rows
from audiences.models import Suppression
from messages.models import Send
from messages.services import draft_create
from ott.payloads import Block, Message
from tests.conftest import PASSWORD
from tests.e2e.conftest import login, screenshot
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

# What sticks out past the right edge of the window (to say which element, should the page scroll sideways).
WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => `${e.tagName}.${e.className} ${(e.textContent || '').slice(0, 60)}`)"""


def test_a_marketer_reads_the_plan_and_sends_up_to_the_allowance(page, live_server, marketer, line_sender):
    hour = timezone.now().astimezone(ZoneInfo("Asia/Tokyo")).hour
    line_sender.time_zone = "Asia/Tokyo"
    line_sender.quiet_hours_start, line_sender.quiet_hours_end = time((hour - 1) % 24), time((hour + 2) % 24)
    line_sender.daily_allowance = 2
    line_sender.save()
    message = Message(blocks=(Block("text", text="こんにちは {{ first_name }} 🌸"),))
    draft = draft_create(owner=marketer, name="Greeting", sender=line_sender, message=message)
    recipients = [{"ott_id": f"U-{n}", "vars": {"first_name": name}} for n, name in enumerate(["花子", "Ben", "Cy"])]
    audience_from_rows(name="Tokyo fans", network="line", user=marketer, recipients=recipients)
    Suppression.objects.create(network="line", ott_id="U-1", reason="opt_out")

    page.set_viewport_size({"width": 375, "height": 800})
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{draft.pk}/send/")
    page.get_by_label("A saved audience").select_option(label="Tokyo fans (3 recipients; columns: first_name)")
    page.get_by_role("button", name="Check recipients").click()

    expect(page.get_by_test_id("plan-sendable")).to_contain_text("2 of 3 recipients")
    expect(page.get_by_test_id("plan-suppressed")).to_have_text("1 opted out")
    expect(page.get_by_test_id("confirm-json")).to_contain_text('"text": "こんにちは 花子 🌸"')
    preview = page.get_by_test_id("confirm-preview")
    expect(preview).to_contain_text("As the first recipient (line 1) will see it")
    expect(preview.locator(".phone .bubble")).to_have_text(["こんにちは 花子 🌸"])  # filled, as the JSON
    quiet = f"{(hour - 1) % 24:02d}:00-{(hour + 2) % 24:02d}:00 Asia/Tokyo"
    expect(page.get_by_test_id("plan-quiet")).to_contain_text(f"Overlaps quiet hours {quiet}")
    expect(page.get_by_test_id("allowance-problem")).to_contain_text("this send has 3: 2 left")
    page.wait_for_load_state("load")  # the stylesheet applied before anything is measured
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, page.evaluate(WIDER)
    assert serious_violations(page) == []
    screenshot(page, "send-plan-375")
    page.get_by_label("Send up to the remaining allowance (2 messages)").check()
    page.get_by_role("button", name="Send to 3 recipients").click()
    expect(page.get_by_test_id("status-words")).to_be_visible()
    assert Send.objects.get().send_limit == 2


def test_a_big_lists_plan_replaces_the_message_as_written_with_the_first_recipients(
    page, live_server, marketer, line_sender, monkeypatch
):
    monkeypatch.setattr("messages.views.sends.PLAN_INLINE_MAX", 1)  # as for a list over 5,000: a second request
    message = Message(blocks=(Block("text", text="こんにちは {{ first_name }} 🌸"),))
    draft = draft_create(owner=marketer, name="Greeting", sender=line_sender, message=message)
    recipients = [{"ott_id": f"U-{n}", "vars": {"first_name": name}} for n, name in enumerate(["花子", "Ben"])]
    audience_from_rows(name="Tokyo fans", network="line", user=marketer, recipients=recipients)

    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{draft.pk}/send/")
    page.get_by_label("A saved audience").select_option(label="Tokyo fans (2 recipients; columns: first_name)")
    page.get_by_role("button", name="Check recipients").click()

    expect(page.get_by_test_id("plan-sendable")).to_contain_text("2 of 2 recipients")
    preview = page.get_by_test_id("confirm-preview")
    expect(preview).to_have_count(1)  # the message as written is gone with the waiting card
    expect(preview).to_contain_text("As the first recipient (line 1) will see it")
    expect(preview.locator(".phone .bubble")).to_have_text(["こんにちは 花子 🌸"])
    assert serious_violations(page) == []
