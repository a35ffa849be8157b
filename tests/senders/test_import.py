"""Import every registration Marketing Cloud has (the live sandbox, several pages)."""

from __future__ import annotations

import pytest

from sandbox.models import SandboxRegistration
from senders.models import Sender, SenderChange
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_creates_updates_and_counts_over_several_pages(admin, live_sandbox):
    for i in range(60):  # more than one page of 50
        SandboxRegistration.register(
            "line", {"channelId": str(1000 + i), "channelName": f"Channel {i}", "channelSecret": "never-stored"}
        )
    SandboxRegistration.register(
        "messenger", {"applicationId": "a", "applicationSecret": "s", "pageId": "77", "pageName": "Page", "isActive": 0}
    )
    client = client_for(admin)
    response = client.post("/senders/import/", follow=True)
    assert "Imported from Marketing Cloud: 61 created, 0 updated, 0 unchanged." in response.content.decode()
    assert Sender.objects.filter(network="line").count() == 60
    page = Sender.objects.get(network="messenger")
    assert (page.sender_id, page.name, page.is_active) == ("77", "Page", False)
    assert "never-stored" not in repr(list(Sender.objects.values()))

    SandboxRegistration.register("line", {"channelId": "1000", "channelName": "Renamed", "channelSecret": "x"})
    response = client.post("/senders/import/", follow=True)
    assert "0 created, 1 updated, 60 unchanged" in response.content.decode()
    assert SenderChange.objects.filter(action="imported", sender__sender_id="1000").first().changes["name"] == [
        "Channel 0",
        "Renamed",
    ]


def test_import_skips_registrations_the_portal_cannot_use(admin, live_sandbox):
    SandboxRegistration.objects.create(
        platform="line", sender_id="abc", name="letters", attributes={"channelId": "abc", "channelName": "letters"}
    )
    response = client_for(admin).post("/senders/import/", follow=True)
    assert "0 created, 0 updated, 0 unchanged, 1 skipped (invalid id or name)" in response.content.decode()


def test_import_failure_is_shown_and_changes_nothing(admin, live_sandbox, settings):
    settings.OTT_REST_URL = "http://127.0.0.1:9"
    response = client_for(admin).post("/senders/import/", follow=True)
    assert "Importing LINE senders failed. Marketing Cloud could not be reached" in response.content.decode()
    assert not Sender.objects.exists()
