"""Team drafts leave a trace: drafts stay shared, but every change is recorded (who, when, what, in
words), the draft page says who edited it last and lists its history, its owner is told what others
changed since they last looked, and deletions reach the audit log."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from messages.models import Draft, DraftChange, DraftSeen
from messages.services import draft_delete, draft_duplicate, draft_update, draft_viewed
from ott.payloads import Block, Message
from ottportal.models import UserSettings
from ottportal.roles import MARKETERS
from senders.models import Sender
from tests.conftest import _persona, client_for
from tests.messages.conftest import api_for
from tests.messages.test_composer import composer_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db) -> User:
    """A second marketer on the team, who may change anyone's draft."""
    return _persona("ben-marketer", MARKETERS)


@pytest.fixture
def spring_shop(db) -> Sender:
    return Sender.objects.create(network="line", sender_id="2000000002", name="Spring shop")


def edit_page(user, draft) -> str:
    return client_for(user).get(reverse("messages:draft-edit", args=[draft.pk])).content.decode()


def changed_notice(page: str) -> str:
    match = re.search(r'data-testid="changed-notice">(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


def test_a_colleague_edit_through_the_composer_is_recorded_in_words(colleague, line_draft, spring_shop):
    data = composer_data(spring_shop, [{"type": "text", "text": "Sale ends Sunday"}], name="Spring sale")
    response = client_for(colleague).post(reverse("messages:draft-edit", args=[line_draft.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    change = line_draft.changes.first()
    assert change.user == colleague and change.action == DraftChange.Action.CHANGED
    assert change.lines == [
        "Sender: Demo LINE → Spring shop",
        "Block 1 text changed: “セール 😀” → “Sale ends Sunday”",
    ]
    line_draft.refresh_from_db()
    assert line_draft.owner.username == "mark-marketer"  # still the owner's draft: drafts stay shared
    assert line_draft.updated_by == colleague


def test_a_save_that_changes_nothing_records_nothing(marketer, line_draft, line_sender):
    before = line_draft.updated_at
    draft_update(
        draft=line_draft, name="Spring sale", sender=line_sender, message=line_draft.to_message(), user=marketer
    )
    assert list(line_draft.changes.values_list("action", flat=True)) == ["created"]
    line_draft.refresh_from_db()
    assert line_draft.updated_at == before


def test_create_copy_and_delete_are_recorded_with_who(marketer, colleague, line_draft):
    copy = draft_duplicate(draft=line_draft, owner=colleague)
    (copied,) = copy.changes.all()
    assert (copied.action, copied.user, copied.lines) == (
        "copied",
        colleague,
        [f"A copy of “Spring sale” (#{line_draft.pk})"],
    )
    pk = line_draft.pk
    draft_delete(draft=line_draft, user=colleague)
    deleted = DraftChange.objects.get(action="deleted")
    assert deleted.draft is None  # the draft is gone; its entry stays
    assert (deleted.draft_pk, deleted.draft_name, deleted.user) == (pk, "Spring sale", colleague)
    assert deleted.lines == ["Sender Demo LINE, 1 block"]
    assert DraftChange.objects.filter(draft_pk=pk, action="created", user=marketer).exists()


def test_the_draft_page_says_who_last_edited_it_and_when_in_the_users_zone(marketer, colleague, line_draft):
    UserSettings.objects.create(user=marketer, time_zone="Asia/Tokyo")
    message = Message(blocks=(Block("text", text="Updated"),))
    draft_update(draft=line_draft, name="Spring sale", sender=line_draft.sender, message=message, user=colleague)
    line_draft.refresh_from_db()
    page = edit_page(marketer, line_draft)
    last = re.search(r'data-testid="last-edited">(.*?)</p>', page, re.S).group(1)
    assert "Last edited by <strong>ben-marketer</strong> at" in last
    assert f'datetime="{line_draft.updated_at.isoformat()}"' in last and " JST</time>" in last
    assert "Owner: mark-marketer" in last


def test_the_draft_page_lists_its_change_history(marketer, colleague, line_draft, spring_shop):
    message = Message(
        blocks=(
            Block("text", text="セール 😀"),
            Block("image", url="https://e.com/a.jpg", alt_url="https://e.com/p.jpg"),
        )
    )
    draft_update(draft=line_draft, name="Spring sale", sender=spring_shop, message=message, user=colleague)
    page = edit_page(marketer, line_draft)
    history = page[page.index('id="changes"') :]
    rows = re.findall(r"<tr><td>(.*?)</tr>", history, re.S)
    assert len(rows) == 2  # newest first: the colleague's change, then the creation
    assert "ben-marketer" in rows[0] and "Changed" in rows[0]
    assert "Sender: Demo LINE → Spring shop" in rows[0] and "Block 2 added (image)" in rows[0]
    assert "mark-marketer" in rows[1] and "Created" in rows[1]
    assert " UTC" in rows[0]  # each time says its zone


def test_the_owner_is_told_what_others_changed_since_they_last_looked(marketer, colleague, line_draft, spring_shop):
    assert changed_notice(edit_page(marketer, line_draft)) == ""  # their own draft, unchanged by others
    draft_update(
        draft=line_draft, name="Spring sale", sender=spring_shop, message=line_draft.to_message(), user=colleague
    )
    assert changed_notice(edit_page(colleague, line_draft)) == ""  # only the owner is told
    notice = changed_notice(edit_page(marketer, line_draft))
    assert "Others changed this draft since you last opened it" in notice
    assert "ben-marketer" in notice and "Sender: Demo LINE → Spring shop" in notice
    assert changed_notice(edit_page(marketer, line_draft)) == ""  # seen now


def test_the_owners_own_changes_raise_no_notice(marketer, line_draft):
    edit_page(marketer, line_draft)
    data = composer_data(line_draft.sender, [{"type": "text", "text": "Mine"}], name="Spring sale")
    response = client_for(marketer).post(reverse("messages:draft-edit", args=[line_draft.pk]), data)
    assert changed_notice(client_for(marketer).get(response["Location"]).content.decode()) == ""


def test_each_users_last_look_is_recorded(marketer, auditor, line_draft):
    assert draft_viewed(draft=line_draft, user=auditor) == []
    edit_page(auditor, line_draft)  # the read-only page counts as a look too
    first = DraftSeen.objects.get(draft=line_draft, user=auditor).seen_at
    edit_page(auditor, line_draft)
    assert DraftSeen.objects.get(draft=line_draft, user=auditor).seen_at > first
    assert not DraftSeen.objects.filter(user=marketer).exists()


def test_auditors_read_the_history_on_the_read_only_page(auditor, colleague, line_draft):
    draft_update(
        draft=line_draft, name="Autumn sale", sender=line_draft.sender, message=line_draft.to_message(), user=colleague
    )
    page = edit_page(auditor, line_draft)
    assert "Name: “Spring sale” → “Autumn sale”" in page[page.index('id="changes"') :]
    assert "Last edited by <strong>ben-marketer</strong>" in page


def test_an_edit_through_the_api_is_recorded_too(marketer, line_draft):
    payload = {"name": "Spring sale", "sender": line_draft.sender.pk, "contents": [{"type": "text", "text": "API"}]}
    response = api_for(marketer).put(f"/api/v1/drafts/{line_draft.pk}/", payload, format="json")
    assert response.status_code == 200, response.json()
    change = line_draft.changes.first()
    assert change.lines == ["Block 1 text changed: “セール 😀” → “API”"] and change.user == marketer
    assert api_for(marketer).delete(f"/api/v1/drafts/{line_draft.pk}/").status_code == 204
    assert DraftChange.objects.filter(draft_pk=line_draft.pk, action=DraftChange.Action.DELETED, user=marketer).exists()


def test_a_deleted_draft_shows_in_the_audit_log_with_who_deleted_it(admin, auditor, colleague, line_draft):
    client_for(colleague).post(reverse("messages:draft-delete", args=[line_draft.pk]))
    assert not Draft.objects.exists()
    for viewer in (auditor, admin):
        page = client_for(viewer).get(reverse("audit")).content.decode()
        rows = re.findall(r"<tr><td\b[^>]*>(.*?)</tr>", page, re.S)
        deleted = next(row for row in rows if "Draft deleted" in row)
        assert "ben-marketer" in deleted and f"“Spring sale” (#{line_draft.pk})" in deleted
        assert " UTC" in deleted  # with its zone
        assert any("Draft created" in row and "mark-marketer" in row for row in rows)
    assert client_for(colleague).get(reverse("audit")).status_code == 403  # marketers do not read the audit log
