"""Persona fixtures, so that permission tests read as sentences: `admin`, `marketer`, `auditor`, `outsider`."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from ottportal.roles import ADMINS, AUDITORS, MARKETERS

PASSWORD = "persona-pass-123"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _persona(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.com")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin(db) -> User:
    return _persona("alice-admin", ADMINS)


@pytest.fixture
def marketer(db) -> User:
    return _persona("mark-marketer", MARKETERS)


@pytest.fixture
def auditor(db) -> User:
    return _persona("audrey-auditor", AUDITORS)


@pytest.fixture
def outsider(db) -> User:
    """Logged in, but in no role."""
    return _persona("oscar-outsider", None)


@pytest.fixture
def personas(admin, marketer, auditor, outsider) -> dict[str, User]:
    return {"admin": admin, "marketer": marketer, "auditor": auditor, "outsider": outsider}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def live_sandbox(live_server, settings):
    """Point the portal's OTT client at this test server's own sandbox (real HTTP, no mocks)."""
    from ott.client import TOKENS

    base = f"{live_server.url}/sandbox"
    settings.OTT_AUTH_URL = settings.OTT_REST_URL = base
    settings.OTT_CLIENT_ID, settings.OTT_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
    TOKENS.clear()
    yield base
    TOKENS.clear()
