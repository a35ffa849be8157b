"""Security settings and behaviour: production checks, headers, CSRF on every form, session expiry,
login throttling, and the admin's history being read-only."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, client_for
from tests.urlwalk import iter_urls

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_check_deploy_is_clean_with_production_settings():
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "ott.example.com",
        "OTT_AUTH_URL": "https://mc1.auth.marketingcloudapis.com",
        "OTT_REST_URL": "https://mc1.rest.marketingcloudapis.com",
        "OTT_CLIENT_ID": "client",
        "OTT_CLIENT_SECRET": secrets.token_urlsafe(30),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_pages_carry_the_security_headers(marketer):
    response = client_for(marketer).get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_httponly(settings):
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE == 8 * 3600


def test_every_post_needs_the_csrf_token_with_a_session(admin):
    """Every URL of the URL conf (pages, admin, API with a session) refuses a POST without the token.
    The sandbox is the exception: a machine API that checks its own bearer tokens."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    checked = 0
    for path, name in iter_urls():
        if path.startswith("/sandbox/"):
            continue
        response = client.post(path, {})
        assert response.status_code == 403, (path, name, response.status_code)
        assert b"CSRF" in response.content, (path, name)
        checked += 1
    assert checked > 40


def test_sessions_expire(marketer, settings, client):
    settings.SESSION_COOKIE_AGE = 1
    client.force_login(marketer)
    import time

    time.sleep(1.5)
    response = client.get(reverse("messages:draft-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_repeated_failed_logins_lock_the_account_out_clearly(marketer, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": marketer.username, "password": "wrong"})
        assert (
            response.status_code == 200 and "Please enter a correct username and password" in response.content.decode()
        )
    last = client.post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    assert last.status_code == 429
    locked = client.post(reverse("login"), {"username": marketer.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    other = Client().post(reverse("login"), {"username": "auditor-x", "password": "nope"})
    assert other.status_code == 200  # only that username (from that address) is locked


def test_a_successful_login_resets_the_count(marketer, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    assert client.post(reverse("login"), {"username": marketer.username, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    assert client.post(reverse("login"), {"username": marketer.username, "password": PASSWORD}).status_code == 302


def test_csp_allows_no_inline_script_in_our_templates():
    inline = []
    for path in (ROOT / "templates").rglob("*.html"):
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", path.read_text()):
            inline.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert inline == []


def test_auditors_read_logins_failures_and_sender_changes(auditor, marketer, admin, settings):
    from senders.models import Sender
    from senders.services import sender_update

    Client().post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    client = Client()
    client.post(reverse("login"), {"username": marketer.username, "password": PASSWORD})
    client.post(reverse("logout"))
    sender = Sender.objects.create(network="line", sender_id="2000000009", name="Old <name>")
    sender_update(sender=sender, name="New name", is_active=False, user=admin)
    page = client_for(auditor).get(reverse("audit")).content.decode()
    assert "Failed login" in page and "Login" in page and "Logout" in page
    assert "Sender updated" in page and "Old &lt;name&gt;" in page and "New name" in page
    assert PASSWORD not in page and "wrong" not in page
    assert client_for(marketer).get(reverse("audit")).status_code == 403


def test_not_found_is_json_under_the_api_and_a_page_elsewhere(marketer):
    client = client_for(marketer)
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and b"<!doctype html>" in page.content
