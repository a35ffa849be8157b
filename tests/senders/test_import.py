"""Import every registration Marketing Cloud has (the live sandbox, several pages)."""

from __future__ import annotations

import pytest

from sandbox.models import SandboxRegistration
from senders.models import DeletedSender, Sender, SenderChange
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


def test_import_keeps_a_deactivated_sender_inactive_and_says_why(admin, live_sandbox):
    SandboxRegistration.register("line", {"channelId": "3000", "channelName": "Osaka", "isActive": 1})
    client = client_for(admin)
    client.post("/senders/import/")
    sender = Sender.objects.get(sender_id="3000")
    client.post(f"/senders/{sender.pk}/edit/", {"name": "Osaka"})  # the Active box unticked
    response = client.post("/senders/import/", follow=True)
    page = response.content.decode()
    sender.refresh_from_db()
    assert not sender.is_active
    assert "Imported from Marketing Cloud: 0 created, 0 updated, 1 unchanged." in page
    assert "Left as the portal has it (1 sender)" in page
    assert "kept inactive. An admin deactivated it in the portal; Marketing Cloud still lists it as active." in page
    assert not SenderChange.objects.filter(action="imported", changes__has_key="is_active").exclude(
        changes__is_active__0=None
    )
    # The report is shown once, on the page the import leads to.
    assert "Left as the portal has it" not in client.get("/senders/").content.decode()


def test_import_keeps_an_active_sender_active_when_marketing_cloud_lists_it_inactive(admin, live_sandbox):
    SandboxRegistration.register("line", {"channelId": "3001", "channelName": "Kyoto", "isActive": 1})
    client = client_for(admin)
    client.post("/senders/import/")
    SandboxRegistration.register("line", {"channelId": "3001", "channelName": "Kyoto", "isActive": 0})
    page = client.post("/senders/import/", follow=True).content.decode()
    assert Sender.objects.get(sender_id="3001").is_active
    assert "kept active. Marketing Cloud lists it as inactive" in page


def test_a_new_sender_takes_marketing_clouds_flag_and_is_not_reported(admin, live_sandbox):
    SandboxRegistration.register("line", {"channelId": "3002", "channelName": "Nara", "isActive": 0})
    page = client_for(admin).post("/senders/import/", follow=True).content.decode()
    assert not Sender.objects.get(sender_id="3002").is_active
    assert "Left as the portal has it" not in page


def test_a_deleted_sender_is_not_imported_again_until_it_is_registered(admin, live_sandbox):
    SandboxRegistration.register("line", {"channelId": "3003", "channelName": "Kobe", "isActive": 1})
    client = client_for(admin)
    client.post("/senders/import/")
    sender = Sender.objects.get(sender_id="3003")
    client.post(f"/senders/{sender.pk}/delete/")
    assert DeletedSender.objects.filter(network="line", sender_id="3003", deleted_by=admin).exists()

    page = client.post("/senders/import/", follow=True).content.decode()
    assert not Sender.objects.filter(sender_id="3003").exists()
    assert "0 created, 0 updated, 0 unchanged" in page
    assert "Kobe (LINE 3003)" in page
    assert f"not imported. An admin deleted it from the portal by {admin.username} on" in page
    assert "Register it again to bring it back." in page

    form = {"sender_id": "3003", "name": "Kobe", "channel_secret": "again", "is_active": "on"}
    assert client.post("/senders/register/line/", form).status_code == 302
    assert not DeletedSender.objects.exists()
    page = client.post("/senders/import/", follow=True).content.decode()
    assert "0 created, 0 updated, 1 unchanged" in page and "Left as the portal has it" not in page


def test_the_change_log_of_an_import_has_one_line_per_attribute(admin, live_sandbox):
    SandboxRegistration.register(
        "line", {"channelId": "3004", "channelName": "Sendai", "isTransactional": 0, "isTestChannel": 1}
    )
    client = client_for(admin)
    client.post("/senders/import/")
    SandboxRegistration.register(
        "line", {"channelId": "3004", "channelName": "Sendai 2", "isTransactional": 1, "isTestChannel": 1}
    )
    client.post("/senders/import/")
    sender = Sender.objects.get(sender_id="3004")
    change = SenderChange.objects.filter(action="imported").first()
    assert change.changes == {"name": ["Sendai", "Sendai 2"], "isTransactional": [0, 1]}
    page = client.get(f"/senders/{sender.pk}/").content.decode()
    assert "LINE channel name: Sendai → Sendai 2" in page
    assert "Transactional channel: No → Yes" in page
    assert "<dt>Test channel</dt><dd>Yes</dd>" in page
    facts_and_log = page.split("<h2>Registration</h2>")[1].split("</dl>")[0] + page.split("Change log")[1]
    for raw in ("isTransactional", "isTestChannel", "isActive", "is_active", "channelName"):
        assert raw not in facts_and_log, raw
