"""A marketer on a phone makes an API token for a pipeline, copies it, uses it, and revokes it."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_controls_labelled, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_marketer_makes_uses_and_revokes_a_token_at_phone_width(page, live_server, marketer):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_text("You have no API tokens")).to_be_visible()

    page.get_by_label("Name").fill("CI pipeline for the spring campaign")
    assert_controls_labelled(page)
    page.get_by_role("button", name="Make token").click()
    new = page.get_by_test_id("new-token")
    expect(new).to_contain_text("shown only this once")
    key = page.get_by_label("The new token").input_value()
    assert key.startswith("ottp_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "phone-api-token-made")

    drafts = f"{live_server.url}/api/v1/drafts/"
    assert requests.get(drafts, headers={"Authorization": f"Token {key}"}, timeout=10).status_code == 200

    page.goto(f"{live_server.url}/account/tokens/")
    assert key not in page.content()  # shown once
    row = page.get_by_test_id("token-row")
    expect(row).to_contain_text("CI pipeline for the spring campaign")
    expect(row).to_contain_text(key[:15])
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    row.get_by_role("button", name="Revoke “CI pipeline for the spring campaign”").click()
    expect(page.locator(".flash")).to_contain_text("is revoked")
    expect(page.get_by_text("You have no API tokens")).to_be_visible()
    assert requests.get(drafts, headers={"Authorization": f"Token {key}"}, timeout=10).status_code == 401
