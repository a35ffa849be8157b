"""API tokens: named, shown once, stored as a digest, expiring, listed and revoked by their owner only."""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ottportal.models import ApiToken
from ottportal.tokens import MAX_LIVE_TOKENS, api_token_create
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PAGE = "/account/tokens/"


def api(key: str | None = None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def opens_the_api(key: str) -> bool:
    answer = api(key).get("/api/v1/drafts/")
    assert answer.status_code in (200, 401), answer.content
    return answer.status_code == 200


def make_on_the_page(user, name: str) -> tuple[str, str]:
    """(the key shown, the page's html) after making a token on the tokens page."""
    response = client_for(user).post(PAGE, {"name": name})
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(r'id="new-token-key"[^>]*value="([^"]+)"', html)
    assert match, html
    return match.group(1), html


def test_a_token_made_on_the_page_is_shown_once_and_opens_the_api(marketer):
    key, html = make_on_the_page(marketer, "CI pipeline")
    assert "Copy your new token “CI pipeline” now" in html and "shown only this once" in html
    assert key.startswith("ottp_") and len(key) == 5 + 64
    assert opens_the_api(key)

    page = client_for(marketer).get(PAGE)
    listing = page.content.decode()
    assert "CI pipeline" in listing
    assert key not in listing, "the key is shown only in the answer that made it"
    assert key[:15] in listing  # the part that tells tokens apart
    assert "no-store" in page["Cache-Control"]


def test_the_key_is_stored_only_as_its_digest(marketer):
    token, key = api_token_create(user=marketer, name="Nightly export")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["digest"] == hashlib.sha512(key.encode()).hexdigest()
    assert all(key not in str(value) for value in row.values())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608
        assert key not in str(cursor.fetchall())


def test_a_token_expires_after_the_configured_days_with_a_clear_answer(marketer, settings):
    token, key = api_token_create(user=marketer, name="CI pipeline")
    assert abs(token.expiry - (timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS))) < timedelta(minutes=1)
    assert settings.API_TOKEN_TTL_DAYS == 30
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() + timedelta(minutes=1))
    assert opens_the_api(key)

    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    answer = api(key).get("/api/v1/drafts/")
    assert answer.status_code == 401
    assert "This token expired on" in answer.json()["detail"] and "/account/tokens/" in answer.json()["detail"]
    assert not opens_the_api(key)


def test_the_lifetime_follows_the_setting(marketer, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=7)}
    token, _ = api_token_create(user=marketer, name="Short-lived")
    assert abs(token.expiry - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)


def test_an_expired_token_is_marked_on_the_page(marketer):
    token, _ = api_token_create(user=marketer, name="Old job")
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(days=2))
    html = client_for(marketer).get(PAGE).content.decode()
    assert "Old job" in html and "Expired" in html


def test_revoking_a_token_refuses_it_at_once(marketer):
    token, key = api_token_create(user=marketer, name="CI pipeline")
    assert opens_the_api(key)
    client = client_for(marketer)
    response = client.post(reverse("api-token-revoke", args=[token.digest]), follow=True)
    assert "“CI pipeline” is revoked" in response.content.decode()
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert not opens_the_api(key)
    assert "You have no API tokens" in client.get(PAGE).content.decode()


def test_nobody_sees_or_revokes_anyone_elses_tokens(marketer, auditor):
    theirs, their_key = api_token_create(user=auditor, name="Auditor report job")
    mine, _ = api_token_create(user=marketer, name="Marketer pipeline")

    html = client_for(marketer).get(PAGE).content.decode()
    assert "Marketer pipeline" in html
    assert "Auditor report job" not in html and theirs.token_key not in html and theirs.digest not in html

    response = client_for(marketer).post(reverse("api-token-revoke", args=[theirs.digest]))
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists() and opens_the_api(their_key)
    assert ApiToken.objects.filter(pk=mine.pk).exists()


def test_revoking_needs_a_post(marketer):
    token, _ = api_token_create(user=marketer, name="CI pipeline")
    assert client_for(marketer).get(reverse("api-token-revoke", args=[token.digest])).status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize(
    ("name", "problem"),
    [("", "Give the token a name"), ("   ", "Give the token a name"), ("x" * 101, "at most 100 characters")],
)
def test_a_bad_name_is_refused_naming_the_rule(marketer, name, problem):
    response = client_for(marketer).post(PAGE, {"name": name})
    assert response.status_code == 400
    html = response.content.decode()
    assert problem in html and 'id="new-token-key"' not in html
    assert not ApiToken.objects.exists()


def test_one_account_holds_a_bounded_number_of_live_tokens(marketer):
    for n in range(MAX_LIVE_TOKENS):
        ApiToken.objects.create(user=marketer, name=f"job {n}")
    response = client_for(marketer).post(PAGE, {"name": "one more"})
    assert response.status_code == 400
    assert f"You already have {MAX_LIVE_TOKENS} tokens" in response.content.decode()
    ApiToken.objects.filter(name="job 0").update(expiry=timezone.now() - timedelta(seconds=1))
    assert client_for(marketer).post(PAGE, {"name": "one more"}).status_code == 200  # expired ones do not count


def test_the_token_endpoint_makes_a_new_named_expiring_token_each_time(marketer, settings):
    body = {"username": marketer.username, "password": PASSWORD, "name": "Deploy script"}
    first = api().post("/api/v1/auth/token/", body, format="json").json()
    second = api().post("/api/v1/auth/token/", {**body, "name": ""}, format="json").json()
    assert first["token"] != second["token"] and opens_the_api(first["token"]) and opens_the_api(second["token"])
    assert first["name"] == "Deploy script" and second["name"] == "API sign-in"
    expires = datetime.fromisoformat(first["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS))) < timedelta(minutes=1)
    html = client_for(marketer).get(PAGE).content.decode()
    assert "Deploy script" in html and "API sign-in" in html


def test_the_token_endpoint_renews_with_the_password_whatever_old_token_is_sent(marketer):
    old, key = api_token_create(user=marketer, name="CI pipeline")
    ApiToken.objects.filter(pk=old.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    body = {"username": marketer.username, "password": PASSWORD, "name": "CI pipeline"}
    answer = api(key).post("/api/v1/auth/token/", body, format="json")
    assert answer.status_code == 200 and opens_the_api(answer.json()["token"])


def test_the_token_endpoint_refuses_a_long_name_naming_the_field(marketer):
    body = {"username": marketer.username, "password": PASSWORD, "name": "x" * 101}
    answer = api().post("/api/v1/auth/token/", body, format="json")
    assert answer.status_code == 400 and "name" in answer.json()


def test_last_use_is_shown(marketer):
    token, key = api_token_create(user=marketer, name="CI pipeline")
    assert token.last_used_at is None
    assert opens_the_api(key)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_of_a_deactivated_account_is_refused(marketer):
    _, key = api_token_create(user=marketer, name="CI pipeline")
    marketer.is_active = False
    marketer.save()
    assert not opens_the_api(key)


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token ottp_nothing-like-a-key", "Token caf\xe9"])
def test_malformed_tokens_get_401_never_500(header):
    answer = APIClient().get("/api/v1/drafts/", HTTP_AUTHORIZATION=header)
    assert answer.status_code == 401


def test_tokens_of_the_old_plain_text_kind_are_moved_and_keep_working(marketer, settings):
    """DRF's authtoken kept keys in plain text and forever; the migration hashes them, gives them the
    configured lifetime and deletes the plain text."""
    migration = importlib.import_module("ottportal.migrations.0005_api_tokens")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone"
            " NOT NULL, user_id integer NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE IF NOT EXISTS authtoken_token (key varchar(40) PRIMARY KEY, created datetime NOT NULL,"
            " user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [old_key, timezone.now() - timedelta(days=400), marketer.pk],
        )
    try:
        # What the function uses of a schema editor (a real one refuses to open inside the test's transaction).
        migration.move_plaintext_tokens(apps, SimpleNamespace(connection=connection))
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
    moved = ApiToken.objects.get(user=marketer)
    assert moved.name == migration.OLD_TOKEN_NAME
    assert moved.created < timezone.now() - timedelta(days=399)
    assert abs(moved.expiry - (timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS))) < timedelta(minutes=1)
    assert opens_the_api(old_key)


def test_a_lifetime_below_one_day_stops_start_up_naming_the_setting():
    env = {**os.environ, "DEBUG": "true", "API_TOKEN_TTL_DAYS": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "API_TOKEN_TTL_DAYS must be 1 or more" in result.stderr


def test_a_superuser_can_revoke_anyones_token_in_the_admin_without_seeing_it(marketer):
    from django.contrib.auth.models import User

    boss = User.objects.create_superuser("boss", "boss@example.com", "boss-pass-123456")
    token, key = api_token_create(user=marketer, name="Leaked pipeline")
    client = client_for(boss)
    listing = client.get("/admin/ottportal/apitoken/").content.decode()
    assert "Leaked pipeline" in listing and key not in listing
    delete = reverse("admin:ottportal_apitoken_delete", args=[token.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not opens_the_api(key)


def test_with_passwords_off_a_single_sign_on_user_gets_tokens_from_the_page(marketer, settings):
    settings.LOCAL_LOGIN = False
    marketer.set_unusable_password()  # as an account made at a first single sign-on is
    marketer.save()
    refused = api().post("/api/v1/auth/token/", {"username": marketer.username, "password": "x"}, format="json")
    assert refused.status_code == 403 and "/account/tokens/" in refused.json()["detail"]
    key, _ = make_on_the_page(marketer, "CI pipeline")
    assert opens_the_api(key)
