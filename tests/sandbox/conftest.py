from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from sandbox.models import SandboxRegistration

LINE_ID = "2145435435632435"
MESSENGER_ID = "503868699681937"


class SandboxClient:
    """A test client that speaks JSON to the sandbox with a bearer token."""

    def __init__(self):
        self.http = Client()
        self.token = None

    def login(self):
        answer = self.http.post(
            "/sandbox/v2/token",
            {
                "grant_type": "client_credentials",
                "client_id": settings.OTT_CLIENT_ID,
                "client_secret": settings.OTT_CLIENT_SECRET,
            },
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
        self.token = answer.json()["access_token"]
        return self

    def _auth(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def post(self, path, body, **extra):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.http.post(f"/sandbox{path}", data, content_type="application/json", **self._auth(), **extra)

    def get(self, path, **params):
        return self.http.get(f"/sandbox{path}", params, **self._auth())


@pytest.fixture
def sandbox(db) -> SandboxClient:
    return SandboxClient().login()


@pytest.fixture
def registered(db):
    """The sender ids used by the published examples, registered and active."""
    for platform, sender_id in (("line", LINE_ID), ("line", MESSENGER_ID), ("messenger", MESSENGER_ID)):
        SandboxRegistration.objects.create(platform=platform, sender_id=sender_id, name=f"{platform} demo")
