"""LOCAL_LOGIN=false: no password form, and every way a password could be checked refuses it with a
message saying why (the login page, the admin site's login, the API token endpoint, authenticate())."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from ottportal.sso.config import oidc_config_from_env
from tests.conftest import PASSWORD
from tests.oidc_provider.harness import CLIENT_ID, GROUP_MAP

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_settings(settings):
    """Single sign-on configured (at an address nothing answers: these pages must not need it)."""
    settings.OIDC = oidc_config_from_env(
        {
            "OIDC_ISSUER": "https://login.example.com/realms/staff",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": "s3cret",
            "OIDC_GROUP_MAP": GROUP_MAP,
            "OIDC_PROVIDER_NAME": "Example Login",
        }
    )
    settings.LOCAL_LOGIN = True
    return settings


@pytest.fixture
def passwords_off(sso_settings):
    sso_settings.LOCAL_LOGIN = False
    return sso_settings


def test_without_sso_the_login_page_is_the_password_form(client):
    page = client.get("/login/").content.decode()
    assert 'name="password"' in page and "Sign in with" not in page


def test_with_sso_the_login_page_offers_it_and_keeps_the_local_form(client, sso_settings):
    page = client.get("/login/?next=/drafts/").content.decode()
    assert 'href="/oidc/authenticate/?next=%2Fdrafts%2F"' in page
    assert "Sign in with Example Login" in page
    assert "Local account" in page and 'name="password"' in page


def test_passwords_off_hides_the_form(client, passwords_off):
    page = client.get("/login/").content.decode()
    assert "Sign in with Example Login" in page
    assert 'name="password"' not in page and "Passwords are turned off here" in page


def test_passwords_off_refuses_a_posted_password_with_a_reason(client, passwords_off, admin):
    response = client.post("/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "Signing in with a password is turned off on this portal" in response.content.decode()
    assert client.get("/").status_code == 302  # not signed in


def test_passwords_off_refuses_the_admin_site_login(passwords_off, admin):
    client = Client()
    response = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "turned off" in response.content.decode()
    redirect = client.get("/admin/login/?next=/admin/")
    assert redirect.status_code == 302 and redirect["Location"] == "/login/?next=%2Fadmin%2F"


def test_passwords_off_refuses_the_api_token_endpoint(passwords_off, marketer):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": marketer.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert "LOCAL_LOGIN=false" in response.json()["detail"]


def test_passwords_off_closes_authenticate_itself(passwords_off, marketer):
    request = RequestFactory().post("/elsewhere/")
    assert authenticate(request, username=marketer.username, password=PASSWORD) is None


def test_the_admin_site_login_still_takes_passwords_when_they_are_on(admin):
    admin.is_staff = True
    admin.save()
    client = Client()
    assert client.get("/admin/login/").status_code == 200
    response = client.post("/admin/login/?next=/admin/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_with_sso_the_admin_site_login_sends_people_to_the_portal_login(sso_settings):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fadmin%2F"


def test_sso_addresses_are_not_found_when_sso_is_off(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=a&state=b").status_code == 404


def test_an_unreachable_provider_is_explained_on_the_login_page(settings):
    settings.OIDC = oidc_config_from_env(
        {
            "OIDC_ISSUER": "http://127.0.0.1:9/nothing-listens-here",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": "s3cret",
            "OIDC_GROUP_MAP": GROUP_MAP,
            "OIDC_PROVIDER_NAME": "Example Login",
        }
    )
    response = Client().get("/oidc/authenticate/?next=/drafts/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=%2Fdrafts%2F"
    assert "Example Login did not answer" in response.content.decode()


def _policy(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


def test_the_content_security_policy_lets_the_logout_reach_the_provider(client, sso_settings, admin):
    client.force_login(admin)
    policy = _policy(client.get("/"))
    assert policy["form-action"] == "'self' https://login.example.com"
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"  # nothing else loosened


def test_without_sso_the_policy_allows_forms_to_this_site_only(client, admin):
    client.force_login(admin)
    assert _policy(client.get("/"))["form-action"] == "'self'"
