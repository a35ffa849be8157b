"""Each kind of action writes its audit entry: who, from which address, what, on which object, and the
values before and after. Actions go through the pages (to see the address) or the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audiences.loading import audience_from_csv
from audiences.models import Suppression
from audiences.services import audience_delete, audience_rename
from audiences.suppressions import suppression_add, suppression_import, suppression_remove
from messages import send_actions
from messages.models import Delivery, Draft, Send
from messages.services import draft_delete, draft_duplicate, draft_update, send_cancel, send_create
from ott.payloads import Block, Message
from ottportal import audit
from ottportal.models import AuditEntry
from ottportal.roles import APPROVERS, AUDITORS, MARKETERS
from ottportal.tokens import api_token_create, api_token_revoke
from senders.services import sender_delete, sender_update
from tests.audiences.conftest import binary
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def only(action: str) -> AuditEntry:
    found = entries(action)
    assert len(found) == 1, [str(e) for e in found]
    return found[0]


# --- Sign-ins and roles -------------------------------------------------------------------------------


def test_logins_logouts_and_failed_logins_with_their_address(marketer):
    Client(REMOTE_ADDR="203.0.113.9").post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    failed = only("auth.login_failed")
    assert (failed.username, failed.user, failed.ip_address) == (marketer.username, None, "203.0.113.9")
    assert "wrong" not in str(AuditEntry.objects.values_list())  # never a password
    client = Client(REMOTE_ADDR="2001:db8::7")
    client.post(reverse("login"), {"username": marketer.username, "password": PASSWORD})
    login = only("auth.login")
    assert (login.user, login.username, login.ip_address, login.object_id) == (
        marketer,
        marketer.username,
        "2001:db8::7",
        str(marketer.pk),
    )
    client.post(reverse("logout"))
    assert only("auth.logout").user == marketer
    assert audit.verify() is None


def test_a_failed_login_names_the_account_tried_not_the_one_signed_in(rf, admin, marketer):
    from django.contrib.auth import authenticate

    request = rf.post("/admin/login/")
    request.user = admin  # signed in, trying another account (the admin site's login allows it)
    assert authenticate(request, username=marketer.username, password="wrong") is None
    failed = only("auth.login_failed")
    assert (failed.user, failed.username) == (None, marketer.username)


def test_a_lockout_says_so(marketer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(3):
        client.post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    assert "Locked out" in entries("auth.login_failed")[-1].detail


def test_role_changes_record_the_roles_before_and_after(marketer):
    approvers, auditors = Group.objects.get(name=APPROVERS), Group.objects.get(name=AUDITORS)
    marketer.groups.add(approvers)
    given = entries("role.add")[-1]
    assert given.object_label == marketer.username and given.detail == f"Approvers given to {marketer.username}"
    assert given.username == ""  # made outside any request: nobody is named
    assert (given.before, given.after) == ({"roles": [MARKETERS]}, {"roles": [APPROVERS, MARKETERS]})
    auditors.user_set.add(marketer)  # from the group's side
    assert entries("role.add")[-1].after == {"roles": [APPROVERS, AUDITORS, MARKETERS]}
    marketer.groups.remove(approvers)
    taken = only("role.remove")
    assert (taken.before, taken.after) == (
        {"roles": [APPROVERS, AUDITORS, MARKETERS]},
        {"roles": [AUDITORS, MARKETERS]},
    )
    marketer.groups.clear()
    cleared = entries("role.remove")[1:]
    assert sorted(e.detail for e in cleared) == [
        f"Auditors taken from {marketer.username}",
        f"Marketers taken from {marketer.username}",
    ]
    assert cleared[0].before == {"roles": [AUDITORS, MARKETERS]} and cleared[-1].after == {"roles": []}


def test_a_role_change_on_the_admin_site_names_the_admin(admin, marketer):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    url = reverse("admin:auth_user_change", args=[marketer.pk])
    form = client_for(admin).get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups")}
    data |= {"groups": [Group.objects.get(name=AUDITORS).pk], "last_login_0": "", "last_login_1": ""}
    data |= {"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "user_permissions": []}
    response = client_for(admin).post(url, data, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 302, response.context["adminform"].form.errors
    codes = [(e.action, e.username, e.ip_address) for e in AuditEntry.objects.filter(action__startswith="role.")]
    assert ("role.remove", admin.username, "198.51.100.4") in codes
    assert ("role.add", admin.username, "198.51.100.4") in codes


# --- Drafts -------------------------------------------------------------------------------------------


def test_draft_create_edit_copy_and_delete_with_a_field_level_diff(marketer, admin, line_draft):
    created = only("draft.create")
    assert created.user == marketer and created.object_id == str(line_draft.pk)
    assert created.after == {
        "name": "Spring sale",
        "sender": "Demo LINE (LINE 2000000001)",
        "block 1 type": "text",
        "block 1 text": "セール 😀",
    }
    message = Message(blocks=(Block("text", text="Autumn"), Block("text", text="Second")), subject="")
    draft_update(draft=line_draft, name="Autumn sale", sender=line_draft.sender, message=message, user=admin)
    edit = only("draft.edit")
    assert (edit.user, edit.object_label) == (admin, "Autumn sale")
    assert edit.before == {
        "name": "Spring sale",
        "block 1 text": "セール 😀",
        "block 2 type": None,
        "block 2 text": None,
    }
    assert edit.after == {
        "name": "Autumn sale",
        "block 1 text": "Autumn",
        "block 2 type": "text",
        "block 2 text": "Second",
    }
    assert "Name: “Spring sale” → “Autumn sale”" in edit.detail
    draft_update(draft=line_draft, name="Autumn sale", sender=line_draft.sender, message=message, user=admin)
    assert len(entries("draft.edit")) == 1  # a save that changes nothing records nothing
    line_draft.refresh_from_db()
    copy = draft_duplicate(draft=line_draft, owner=marketer)
    assert only("draft.copy").object_id == str(copy.pk) and only("draft.copy").detail == f"A copy of #{line_draft.pk}"
    draft_delete(draft=copy, user=admin)
    deleted = only("draft.delete")
    assert deleted.before["name"] == "Copy of Autumn sale" and deleted.after is None
    assert Draft.objects.filter(pk=line_draft.pk).exists()


def test_a_draft_edited_in_the_composer_records_who_and_from_where(marketer, line_draft):
    from tests.messages.test_composer import composer_data

    data = composer_data(line_draft.sender, [{"type": "text", "text": "From the page"}]) | {"name": "Spring sale"}
    client_for(marketer).post(reverse("messages:draft-edit", args=[line_draft.pk]), data, REMOTE_ADDR="192.0.2.5")
    edit = only("draft.edit")
    assert (edit.user, edit.ip_address) == (marketer, "192.0.2.5")
    assert edit.after == {"block 1 text": "From the page"}


# --- Sends ------------------------------------------------------------------------------------------


def _needs_approval(draft) -> None:
    draft.sender.requires_approval = True
    draft.sender.save()


def test_send_create_approve_pause_resume_reschedule_and_cancel(marketer, approver, line_draft):
    _needs_approval(line_draft)
    at = timezone.now() + timedelta(hours=2)
    send = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer, scheduled_at=at)
    created = only("send.create")
    assert (created.user, created.object_type, created.object_id) == (marketer, "send", str(send.pk))
    assert created.detail == "2 recipients" and created.after["scheduled_at"] == at.isoformat()
    send_actions.send_approve(send, approver)
    assert only("send.approve").user == approver and only("send.approve").after["status"] == Send.Status.SCHEDULED
    send_actions.send_reschedule(send, marketer, at + timedelta(hours=1))
    assert only("send.reschedule").user == marketer
    send.refresh_from_db()
    send_actions.send_approve(send, approver)
    send_actions.send_pause(send, marketer)
    assert only("send.pause").detail == f"Paused by {marketer.username}."
    send_actions.send_resume(send, marketer)
    assert only("send.resume").user == marketer
    send_cancel(send, marketer)
    assert only("send.cancel").after["status"] == Send.Status.CANCELED
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="send.").order_by("id")] == [
        "send.create",
        "send.approve",
        "send.reschedule",
        "send.approve",
        "send.pause",
        "send.resume",
        "send.cancel",
    ]


def test_a_rejection_records_the_reason(marketer, approver, line_draft):
    _needs_approval(line_draft)
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    client_for(approver).post(
        reverse("messages:send-reject", args=[send.pk]), {"reason": "Wrong coupon"}, REMOTE_ADDR="192.0.2.8"
    )
    rejected = only("send.reject")
    assert (rejected.user, rejected.detail, rejected.ip_address) == (approver, "Wrong coupon", "192.0.2.8")


def test_retrying_the_failed_names_the_new_send(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer)
    Delivery.objects.filter(send=send).update(status=Delivery.Status.FAILED)
    Send.objects.filter(pk=send.pk).update(status=Send.Status.DONE_WITH_ERRORS)
    retry = send_actions.send_retry_failed(send, marketer)
    entry = only("send.retry_failed")
    assert (entry.user, entry.object_id, entry.detail) == (marketer, str(send.pk), f"As send #{retry.pk}: 2 to retry")


def test_what_the_portal_does_by_itself_is_not_an_action(marketer, line_draft):
    send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)  # prepared and queued by the portal
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="send.")] == ["send.create"]


# --- Audiences and the suppression list --------------------------------------------------------------


def test_audience_upload_rename_and_delete(marketer):
    audience = audience_from_csv(
        file=binary("ott_id,user_reference\nU1,\nU2,\nU2,\n,ref\n"),
        name="Spring",
        network="line",
        user=marketer,
        file_name="s.csv",
    )
    upload = only("audience.upload")
    assert (upload.user, upload.object_label) == (marketer, "Spring")
    assert upload.after == {
        "name": "Spring",
        "network": "line",
        "recipients": 2,
        "file": "s.csv",
        "refused": 1,
        "repeated": 1,
        "replaces": None,
    }
    audience_rename(audience=audience, name="Summer", user=marketer)
    renamed = only("audience.rename")
    assert (renamed.before, renamed.after) == ({"name": "Spring"}, {"name": "Summer"})
    audience_delete(audience=audience, user=marketer)
    assert only("audience.delete").before["name"] == "Summer"


def test_suppression_add_change_remove_and_import(marketer, admin):
    entry, _ = suppression_add(
        network="line", sender=None, ott_id="U1", user_reference="", reason="opt_out", user=marketer
    )
    added = only("suppression.add")
    assert added.after == {
        "network": "line",
        "sender": "every sender",
        "ott_id": "U1",
        "user_reference": "",
        "reason": "opt_out",
        "expires_at": None,
    }
    suppression_add(network="line", sender=None, ott_id="U1", user_reference="", reason="complaint", user=marketer)
    assert only("suppression.update").detail == "Reason: Opted out → Complained"
    suppression_remove(suppression=Suppression.objects.get(pk=entry.pk), user=admin)
    removed = only("suppression.remove")
    assert removed.user == admin and removed.before["reason"] == "complaint" and removed.after is None
    suppression_import(file=binary("ott_id\nU2\nU3\n"), network="line", reason="manual", user=marketer, file_name="f")
    assert only("suppression.import").detail == "From f: 2 added, 0 changed, 0 already on the list."


# --- Senders, tokens ----------------------------------------------------------------------------------


def test_sender_changes_keep_the_old_and_new_values(admin, messenger_sender):
    sender_update(sender=messenger_sender, name="Spring shop", is_active=False, user=admin)
    updated = only("sender.update")
    assert updated.user == admin
    assert (updated.before, updated.after) == (
        {"is_active": True, "name": "Demo page"},
        {"is_active": False, "name": "Spring shop"},
    )
    sender_delete(sender=messenger_sender, user=admin)
    assert only("sender.delete").object_label.startswith("Spring shop")


def test_api_tokens_made_and_revoked(marketer):
    token, key = api_token_create(user=marketer, name="CI pipeline")
    made = only("token.create")
    assert made.user == marketer and made.after["name"] == "CI pipeline" and key not in str(made.__dict__)
    api_token_revoke(user=marketer, digest=token.digest)
    assert only("token.revoke").before["name"] == "CI pipeline"


# --- Exports ------------------------------------------------------------------------------------------


def test_a_history_export_records_who_which_filter_and_how_many_rows(auditor, marketer, line_draft):
    send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", ""), ("U-3", "")], user=marketer)
    response = client_for(auditor).get(reverse("messages:delivery-export") + "?status=queued&network=line")
    body = b"".join(response.streaming_content).decode()
    assert body.count("\n") == 4
    export = only("export.history")
    assert export.user == auditor
    assert export.detail == "Filter: network=line, status=queued; 3 rows"
    assert export.after == {"filter": {"network": "line", "status": "queued"}, "rows": 3}


def test_a_suppression_export_is_recorded(marketer):
    suppression_add(network="line", sender=None, ott_id="U1", user_reference="", reason="opt_out", user=marketer)
    response = client_for(marketer).get(reverse("audiences:suppression-export"))
    b"".join(response.streaming_content)
    assert only("export.suppressions").detail == "Filter: none; 1 row"
