"""The whole of a personalized send, in a browser, with a real worker and the sandbox as Marketing
Cloud: a marketer uploads an audience, writes a LINE draft with a placeholder, steps the preview
through the audience's rows, reads the plan (one recipient opted out), sends, and each recipient gets
their own message exactly once, the opted-out one nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from audiences.models import Suppression
from messages.models import Delivery, Send
from sandbox.models import SandboxMessage
from tests.conftest import PASSWORD
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

CSV = "ott_id,user_reference,first_name\r\nU-hanako,,花子\r\nU-ben,,Ben 😀\r\nU-gone,,Gone\r\nU-none,,\r\n"


def test_a_marketer_personalizes_steps_the_preview_reads_the_plan_and_sends(
    page, live_server, worker, marketer, line_draft, tmp_path
):
    Suppression.objects.create(network="line", ott_id="U-gone", reason="opt_out")
    upload = tmp_path / "spring.csv"
    upload.write_bytes(CSV.encode())
    login(page, live_server, marketer.username, PASSWORD)

    page.goto(f"{live_server.url}/audiences/new/")
    page.get_by_label("Name").fill("Spring fans")
    page.get_by_label("Network").select_option("line")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("size")).to_have_text("4")

    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    page.locator("[data-block]").first.get_by_label("Text").fill('こんにちは {{ first_name | default: "お客様" }}')
    expect(page.get_by_test_id("placeholders")).to_contain_text("first_name")
    page.get_by_label("Audience", exact=True).select_option(label="Spring fans (LINE, 4 recipients)")
    bubble = page.locator("#live .phone .bubble").first
    expect(bubble).to_have_text("こんにちは 花子")
    page.get_by_role("button", name="Next").click()
    expect(bubble).to_have_text("こんにちは Ben 😀")
    page.get_by_label("Line", exact=True).fill("5")
    page.keyboard.press("Enter")
    expect(bubble).to_have_text("こんにちは お客様")  # an empty cell: the default
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash")).to_contain_text("Saved")

    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/send/")
    page.get_by_label("A saved audience").select_option(label="Spring fans (4 recipients; columns: first_name)")
    page.get_by_role("button", name="Check recipients").click()
    expect(page.get_by_test_id("plan-sendable")).to_contain_text("3 of 4 recipients")
    expect(page.get_by_test_id("plan-suppressed")).to_have_text("1 opted out")
    expect(page.get_by_test_id("confirm-json")).to_contain_text('"text": "こんにちは 花子"')
    assert not Send.objects.exists() and not SandboxMessage.objects.exists()  # the plan sends nothing
    screenshot(page, "personalized-plan")
    page.get_by_role("button", name="Send to 4 recipients").click()

    expect(page.get_by_test_id("send-status")).to_have_text("Done", timeout=60_000)
    send = Send.objects.get()
    assert send.audience.name == "Spring fans"
    got = {
        m.request_body["to"]["ottId"]: m.request_body["message"]["contents"][0]["text"]
        for m in SandboxMessage.objects.all()
    }
    assert got == {"U-hanako": "こんにちは 花子", "U-ben": "こんにちは Ben 😀", "U-none": "こんにちは お客様"}
    assert all(m.accepted_count == 1 for m in SandboxMessage.objects.all())
    skipped = send.deliveries.get(ott_id="U-gone")
    assert skipped.status == Delivery.Status.SUPPRESSED and "opt_out" in skipped.error_message
    expect(page.get_by_test_id("count-sent")).to_have_text("3")
