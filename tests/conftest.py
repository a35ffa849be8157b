"""Shared fixtures: personas, so that permission tests read as sentences (`admin`, `marketer`, `auditor`,
`outsider`), the live sandbox, and one sender per network registered in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.utils import translation

from messages.services import draft_create
from ott.payloads import Block, Message
from ottportal.roles import ADMINS, APPROVERS, AUDITORS, MARKETERS
from sandbox.models import SandboxRegistration
from senders.models import Sender

PASSWORD = "persona-pass-123"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_worker_memory():
    """What a worker process remembers between tasks (per-sender holds, error-spike windows) is keyed
    by database ids, which a flushed test database hands out again: each test starts with none."""
    from messages.engine import runtime, watch

    runtime.forget()
    watch.forget()
    yield


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in another language leaves that language active in the thread (LocaleMiddleware does
    not switch back): every test starts in the default language, whatever ran before it."""
    yield
    translation.deactivate()


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
def approver(db) -> User:
    """Approves (or rejects) other people's sends; cannot compose or send."""
    return _persona("april-approver", APPROVERS)


@pytest.fixture
def outsider(db) -> User:
    """Logged in, but in no role."""
    return _persona("oscar-outsider", None)


@pytest.fixture
def personas(admin, marketer, approver, auditor, outsider) -> dict[str, User]:
    return {"admin": admin, "marketer": marketer, "approver": approver, "auditor": auditor, "outsider": outsider}


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


@pytest.fixture
def line_sender(db) -> Sender:
    """A LINE channel, registered in the sandbox too so sends from it are accepted there."""
    SandboxRegistration.register("line", {"channelId": "2000000001", "channelName": "Demo LINE", "active": True})
    return Sender.objects.create(network="line", sender_id="2000000001", name="Demo LINE")


@pytest.fixture
def messenger_sender(db) -> Sender:
    SandboxRegistration.register("messenger", {"pageId": "1000000001", "pageName": "Demo page", "active": True})
    return Sender.objects.create(network="messenger", sender_id="1000000001", name="Demo page")


@pytest.fixture
def line_draft(marketer, line_sender):
    message = Message(blocks=(Block("text", text="セール 😀"),))
    return draft_create(owner=marketer, name="Spring sale", sender=line_sender, message=message)


@pytest.fixture
def messenger_draft(marketer, messenger_sender):
    message = Message(blocks=(Block("text", text="Hello 👋"),), messaging_type="UPDATE")
    return draft_create(owner=marketer, name="Page news", sender=messenger_sender, message=message)


ROOT = Path(__file__).resolve().parents[1]


def start_worker(sandbox_url: str, **env: str) -> subprocess.Popen:
    """A real `manage.py db_worker` process on the test database, sending to the live sandbox."""
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{Path(database['NAME']).resolve()}"
    else:
        url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "OTT_AUTH_URL": sandbox_url,
        "OTT_REST_URL": sandbox_url,
        "OTT_RETRY_BACKOFF_SECONDS": "0.2",
        "OTT_SANDBOX": "true",
        # The credentials this test's sandbox accepts (they may be overridden in the test).
        "OTT_CLIENT_ID": settings.OTT_CLIENT_ID,
        "OTT_CLIENT_SECRET": settings.OTT_CLIENT_SECRET,
        **env,
    }
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def worker(live_sandbox):
    """One real worker process for the test, stopped before the database is flushed."""
    process = start_worker(live_sandbox)
    yield process
    stop_worker(process)


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """A real OpenID Connect provider (django-oidc-provider in its own server process), for the session."""
    from tests.oidc_provider.harness import start_identity_provider

    provider = start_identity_provider(tmp_path_factory.mktemp("idp"))
    yield provider
    provider.stop()


@pytest.fixture
def sso(identity_provider, live_server, settings):
    """Single sign-on on, through the test provider, for this test's live server (passwords stay on)."""
    from ottportal.sso import provider
    from ottportal.sso.config import oidc_config_from_env

    identity_provider.register_portal(live_server.url)
    settings.OIDC = oidc_config_from_env(identity_provider.portal_env())
    settings.LOCAL_LOGIN = True
    provider.clear_cache()
    yield identity_provider
    provider.clear_cache()
