"""Single sign-on in Chromium, through a real OpenID Connect provider (tests/oidc_provider/, its own
server process): the provider's login page and back, roles from its groups, a logout that ends the
provider's session too (through the Content Security Policy), and a login page without passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
IDP_PASSWORD = "idp-pass-2026"


def _sign_in_at_the_provider(page, username: str) -> None:
    expect(page.get_by_role("heading", name="Test IdP")).to_be_visible()
    page.get_by_label("IdP username").fill(username)
    page.get_by_label("IdP password").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Sign in at the IdP").click()


def test_sign_in_with_the_provider_log_out_and_come_back_with_new_roles(page, live_server, sso, settings):
    sso.set_user("hana", IDP_PASSWORD, ["ott-marketing"], first_name="Hana")

    page.goto(f"{live_server.url}/drafts/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/drafts/")
    expect(page.get_by_label("Password")).to_be_visible()  # the local (break-glass) form stays
    screenshot(page, "sso-login")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    assert page.url.startswith(sso.url)  # the provider's own login page
    _sign_in_at_the_provider(page, "hana")

    page.wait_for_url(f"{live_server.url}/drafts/")  # back where she was going
    expect(page.locator(".nav-user")).to_contain_text("hana")
    expect(page.locator(".nav-user .badge")).to_have_text("Marketers")
    hana = User.objects.get(username="hana")
    assert set(hana.groups.values_list("name", flat=True)) == {"Marketers"}

    # Logging out ends the provider's session too: the next sign-in asks for the password again.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/login/")
    sso.set_user("hana", IDP_PASSWORD, ["ott-audit"])  # moved to the auditors at the provider
    page.get_by_role("link", name="Sign in with Test IdP").click()
    _sign_in_at_the_provider(page, "hana")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(".nav-user .badge")).to_have_text("Auditors")
    assert set(hana.groups.values_list("name", flat=True)) == {"Auditors"}
    assert User.objects.filter(username="hana").count() == 1

    # Passwords turned off: the login page offers single sign-on only, and fits a phone.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/login/")
    settings.LOCAL_LOGIN = False
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("link", name="Sign in with Test IdP")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_text("Passwords are turned off here")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "sso-login-passwords-off")
