"""Rename, deactivate, reactivate, delete; the rules; who may do what; the API."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from sandbox.models import SandboxRegistration
from senders.forms import LineRegistrationForm, MessengerRegistrationForm
from senders.models import Sender, SenderChange
from tests.conftest import client_for


@pytest.fixture
def sender(db, admin) -> Sender:
    return Sender.objects.create(
        network="line",
        sender_id="1657000001",
        name="Tokyo store",
        registered_by=admin,
        attributes={"channelId": "1657000001", "channelName": "Tokyo store"},
    )


def test_admin_renames_and_deactivates_with_a_change_log(admin, sender):
    client = client_for(admin)
    response = client.post(f"/senders/{sender.pk}/edit/", {"name": "Tokyo 2"})
    assert response.status_code == 302
    sender.refresh_from_db()
    assert (sender.name, sender.is_active) == ("Tokyo 2", False)
    change = SenderChange.objects.get()
    assert change.changes == {"name": ["Tokyo store", "Tokyo 2"], "is_active": [True, False]}
    assert change.user == admin
    page = client.get(f"/senders/{sender.pk}/").content.decode()
    assert "Inactive: cannot be chosen for a draft or start a new send" in page
    assert "Tokyo store → Tokyo 2" in page
    client.post(f"/senders/{sender.pk}/edit/", {"name": "Tokyo 2", "is_active": "on"})
    sender.refresh_from_db()
    assert sender.is_active


@pytest.mark.parametrize(("name", "ok"), [("x", True), ("n" * 100, True), ("", False), ("n" * 101, False)])
def test_names_are_1_to_100_characters(admin, sender, name, ok):
    response = client_for(admin).post(f"/senders/{sender.pk}/edit/", {"name": name, "is_active": "on"})
    assert response.status_code == (302 if ok else 400)


def test_a_sender_without_history_can_be_deleted(admin, sender):
    response = client_for(admin).post(f"/senders/{sender.pk}/delete/", follow=True)
    assert "was deleted" in response.content.decode()
    assert not Sender.objects.exists()
    assert SenderChange.objects.get().action == "deleted"


def test_delete_asks_first_and_says_the_registration_stays_in_marketing_cloud(admin, sender):
    client = client_for(admin)
    detail = client.get(f"/senders/{sender.pk}/").content.decode()
    assert f'href="/senders/{sender.pk}/delete/"' in detail
    confirm = client.get(f"/senders/{sender.pk}/delete/")
    assert confirm.status_code == 200 and Sender.objects.exists()
    page = confirm.content.decode()
    assert "Delete Tokyo store?" in page
    assert "Its registration stays in Marketing Cloud." in page
    assert "imports from Marketing Cloud leave this channel out" in page
    done = client.post(f"/senders/{sender.pk}/delete/", follow=True).content.decode()
    assert "Its registration stays in Marketing Cloud; imports leave it out until it is registered again." in done
    assert not Sender.objects.exists()


def test_the_delete_page_of_a_sender_with_history_offers_no_delete(admin, sender, marketer):
    from messages.services import draft_create
    from ott.payloads import Block, Message

    draft_create(owner=marketer, name="d", sender=sender, message=Message(blocks=(Block("text", text="hi"),)))
    page = client_for(admin).get(f"/senders/{sender.pk}/delete/").content.decode()
    assert "cannot be deleted; deactivate it" in page and "Delete from the portal" not in page
    assert client_for(admin).post(f"/senders/{sender.pk}/delete/").status_code == 302
    assert Sender.objects.exists()


def test_the_change_log_speaks_in_labels_with_yes_and_no(admin, sender):
    client_for(admin).post(f"/senders/{sender.pk}/edit/", {"name": "Tokyo store"})
    page = client_for(admin).get(f"/senders/{sender.pk}/").content.decode()
    assert "Active: Yes → No" in page
    assert "True" not in page.split("Change log")[1]


LINE_OK = {"sender_id": "1", "name": "n", "channel_secret": "s"}
MESSENGER_OK = {"application_id": "a", "application_secret": "s", "sender_id": "1", "name": "n"}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"sender_id": "1" * 32}, None, None),
        ({"sender_id": "1" * 33}, "sender_id", "Ensure this value has at most 32 characters (it has 33)."),
        ({"sender_id": "12a"}, "sender_id", "Use digits only, 1 to 32 of them."),
        ({"sender_id": ""}, "sender_id", "This field is required."),
        ({"name": "n" * 100}, None, None),
        ({"name": "n" * 101}, "name", "Ensure this value has at most 100 characters (it has 101)."),
        ({"endpoint_url": "https://hooks.example.com/x"}, None, None),
        ({"endpoint_url": "http://hooks.example.com/x"}, "endpoint_url", "Enter an https:// URL."),
        ({"channel_secret": ""}, "channel_secret", "This field is required."),
        ({"page_access_token": "t"}, "__all__", "page_access_token is a Messenger field, not a LINE one."),
    ],
)
def test_line_form_rules(change, field, message):
    form = LineRegistrationForm(data={**LINE_OK, **change})
    if field is None:
        assert form.is_valid(), form.errors
    else:
        assert not form.is_valid()
        assert message in form.errors[field]


def test_messenger_form_rejects_line_fields():
    form = MessengerRegistrationForm(data={**MESSENGER_OK, "channel_secret": "x", "is_test_channel": "on"})
    assert not form.is_valid()
    assert form.errors["__all__"] == [
        "channel_secret is a LINE field, not a Messenger one.",
        "is_test_channel is a LINE field, not a Messenger one.",
    ]


def test_secret_inputs_are_password_fields_never_rendered_back():
    form = LineRegistrationForm(data={**LINE_OK, "channel_secret": "typed-secret"})
    html = form.as_div()
    assert 'type="password"' in html and "typed-secret" not in html


@pytest.mark.parametrize(
    ("persona", "list_status", "manage_status"),
    [("admin", 200, 200), ("marketer", 200, 403), ("auditor", 200, 403), ("outsider", 403, 403)],
)
def test_who_may_see_and_manage_senders(personas, sender, persona, list_status, manage_status):
    client = client_for(personas[persona])
    assert client.get("/senders/").status_code == list_status
    assert client.get(f"/senders/{sender.pk}/").status_code == list_status
    assert client.get("/senders/register/line/").status_code == manage_status
    if manage_status == 403:
        assert client.post(f"/senders/{sender.pk}/edit/", {"name": "x"}).status_code == 403
        assert client.post(f"/senders/{sender.pk}/delete/").status_code == 403
        assert client.post("/senders/import/").status_code == 403
        assert Sender.objects.get().name == "Tokyo store"


def test_read_only_roles_see_no_management_controls(marketer, sender):
    page = client_for(marketer).get(f"/senders/{sender.pk}/").content.decode()
    for control in ("Re-register", "Delete this sender", "Import from Marketing Cloud", "Register a"):
        assert control not in page


def test_unknown_network_is_404(admin):
    assert client_for(admin).get("/senders/register/whatsapp/").status_code == 404


# --- API ---------------------------------------------------------------------------------------------
def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# A new sender has no sending rules (tests/senders/test_sending_rules.py sets them).
RULES_OFF = {
    "quiet_hours_start": None,
    "quiet_hours_end": None,
    "time_zone": "",
    "rate_limit": None,
    "frequency_cap_24h": None,
    "frequency_cap_7d": None,
    "daily_allowance": None,
    "monthly_allowance": None,
}


def test_api_lists_senders_for_every_role(personas, sender):
    for persona in ("admin", "marketer", "auditor"):
        data = api_for(personas[persona]).get("/api/v1/senders/").json()
        assert data["results"] == [
            {
                "id": sender.pk,
                "network": "line",
                "sender_id": "1657000001",
                "name": "Tokyo store",
                "is_active": True,
                "requires_approval": False,
                **RULES_OFF,
            }
        ]
    assert api_for(personas["outsider"]).get("/api/v1/senders/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_api_registers_with_write_only_secrets(admin, live_sandbox):
    payload = {
        "network": "messenger",
        "sender_id": "77",
        "name": "Page",
        "application_id": "app",
        "application_secret": "api-secret-1",
        "page_access_token": "api-token-2",
    }
    response = api_for(admin).post("/api/v1/senders/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "id": Sender.objects.get().pk,
        "network": "messenger",
        "sender_id": "77",
        "name": "Page",
        "is_active": True,
        "requires_approval": False,
        **RULES_OFF,
    }
    assert SandboxRegistration.objects.filter(platform="messenger", sender_id="77").exists()


def test_api_names_each_invalid_field(admin):
    payload = {"network": "line", "sender_id": "12a", "name": "", "page_access_token": "x"}
    response = api_for(admin).post("/api/v1/senders/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["sender_id"] == ["Use digits only, 1 to 32 of them."]
    assert errors["name"] == ["This field is required."]
    assert errors["non_field_errors"] == ["page_access_token is a Messenger field, not a LINE one."]
    assert Sender.objects.count() == 0


def test_api_partial_update_for_admins_only(personas, sender):
    assert (
        api_for(personas["marketer"])
        .patch(f"/api/v1/senders/{sender.pk}/", {"is_active": False}, format="json")
        .status_code
        == 403
    )
    response = api_for(personas["admin"]).patch(f"/api/v1/senders/{sender.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    bad = api_for(personas["admin"]).patch(f"/api/v1/senders/{sender.pk}/", {"name": "n" * 101}, format="json")
    assert bad.status_code == 400 and "at most 100 characters" in bad.json()["name"][0]


def test_api_has_no_delete(admin, sender):
    assert api_for(admin).delete(f"/api/v1/senders/{sender.pk}/").status_code == 405


def test_bootstrap_demo_registers_one_active_demo_sender_per_network_in_the_sandbox(db, settings):
    settings.DEBUG = True
    call_command("bootstrap_demo", password="demo-pass-123456", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("bootstrap_demo", password="demo-pass-123456", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sorted(Sender.objects.filter(is_active=True).values_list("network", flat=True)) == ["line", "messenger"]
    for sender in Sender.objects.all():
        assert SandboxRegistration.objects.get(platform=sender.network, sender_id=sender.sender_id).is_active


def test_the_admin_site_shows_senders_read_only(admin, sender):
    admin.is_staff = True
    admin.save()
    client = client_for(admin)
    assert client.get("/admin/senders/sender/").status_code == 200
    page = client.get(f"/admin/senders/sender/{sender.pk}/change/").content.decode()
    assert "Tokyo store" in page and 'name="_save"' not in page
    assert client.get(f"/admin/senders/sender/{sender.pk}/delete/").status_code == 403


def test_admin_marks_a_sender_as_requiring_approval_with_a_change_log(admin, marketer, sender):
    client = client_for(admin)
    assert 'name="requires_approval"' in client.get(f"/senders/{sender.pk}/").content.decode()
    refused = client_for(marketer).post(f"/senders/{sender.pk}/edit/", {"name": "x", "requires_approval": "on"})
    assert refused.status_code == 403
    client.post(f"/senders/{sender.pk}/edit/", {"name": "Tokyo store", "is_active": "on", "requires_approval": "on"})
    sender.refresh_from_db()
    assert sender.requires_approval and sender.is_active
    change = SenderChange.objects.get()
    assert change.changes == {"requires_approval": [False, True]} and change.user == admin
    page = client.get(f"/senders/{sender.pk}/").content.decode()
    assert "Required: every send from it waits until a second person" in page
    assert "Requires approval: No → Yes" in page  # the change log says it in words
    assert "Approval required" in client.get("/senders/").content.decode()
    # A rename through the API leaves the flag as it is.
    api = APIClient()
    api.force_authenticate(admin)
    assert api.patch(f"/api/v1/senders/{sender.pk}/", {"name": "Tokyo 3"}, format="json").status_code == 200
    sender.refresh_from_db()
    assert sender.requires_approval and sender.name == "Tokyo 3"
