"""The suppression list: who matches (`suppressed()`, the lookup a send makes), expiry, adding,
removing (admins only, always logged), and import and export that round-trip."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audiences.models import Suppression, SuppressionChange
from audiences.suppressions import (
    SuppressionInvalid,
    active_suppressions,
    suppressed,
    suppression_add,
    suppression_import,
    suppression_reason,
    suppression_remove,
)
from senders.models import Sender
from tests.audiences.conftest import binary, csv_file
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def add(user, ott_id="", user_reference="", *, network="line", sender=None, reason="opt_out", expires_at=None):
    entry, _ = suppression_add(
        network=network,
        sender=sender,
        ott_id=ott_id,
        user_reference=user_reference,
        reason=reason,
        expires_at=expires_at,
        user=user,
    )
    return entry


@pytest.fixture
def other_line_sender(db):
    return Sender.objects.create(network="line", sender_id="2000000002", name="Other LINE")


def test_a_recipient_matches_by_ott_id_or_by_user_reference(marketer, line_sender):
    add(marketer, "U1")
    add(marketer, user_reference="cust-2", reason="complaint")
    add(marketer, "U3", "cust-3", reason="blocked")
    pairs = [("U1", ""), ("U1", "other"), ("U9", "cust-2"), ("", "cust-2"), ("U3", ""), ("U8", "cust-3"), ("U4", "")]
    assert suppressed("line", line_sender, pairs) == {
        ("U1", ""): "opt_out",
        ("U1", "other"): "opt_out",
        ("U9", "cust-2"): "complaint",
        ("", "cust-2"): "complaint",
        ("U3", ""): "blocked",
        ("U8", "cust-3"): "blocked",
    }
    assert suppression_reason("line", line_sender, "U4", "") is None
    assert suppression_reason("line", line_sender.pk, "U1", "") == "opt_out"


def test_empty_values_never_match(marketer, line_sender):
    add(marketer, "U1")  # its user_reference is empty
    add(marketer, user_reference="cust-2")  # its ott_id is empty
    assert suppressed("line", line_sender, [("", "anyone"), ("U5", "")]) == {}


def test_the_network_and_the_sender_scope_an_entry(marketer, line_sender, other_line_sender, messenger_sender):
    add(marketer, "U1", sender=line_sender)
    add(marketer, "U2")  # every LINE sender
    add(marketer, "U3", network="messenger")
    pairs = [("U1", ""), ("U2", ""), ("U3", "")]
    assert set(suppressed("line", line_sender, pairs)) == {("U1", ""), ("U2", "")}
    assert set(suppressed("line", other_line_sender, pairs)) == {("U2", "")}
    assert set(suppressed("line", None, pairs)) == {("U2", "")}
    assert set(suppressed("messenger", messenger_sender, pairs)) == {("U3", "")}


def test_the_strongest_reason_is_reported(marketer, line_sender):
    add(marketer, "U1", reason="manual")
    add(marketer, "U1", sender=line_sender, reason="complaint")
    add(marketer, user_reference="r1", reason="opt_out")
    assert suppressed("line", line_sender, [("U1", ""), ("U1", "r1")]) == {
        ("U1", ""): "complaint",
        ("U1", "r1"): "opt_out",
    }


def test_expired_entries_no_longer_suppress(marketer, line_sender):
    entry = add(marketer, "U1", expires_at=timezone.now() + timedelta(days=1))
    assert suppression_reason("line", line_sender, "U1", "") == "opt_out"
    later = timezone.now() + timedelta(days=2)
    assert suppression_reason("line", line_sender, "U1", "", now=later) is None
    assert list(active_suppressions(now=later)) == []
    Suppression.objects.filter(pk=entry.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert suppression_reason("line", line_sender, "U1", "") is None
    assert list(active_suppressions()) == []
    page = client_for(marketer).get(reverse("audiences:suppression-list") + "?state=expired").content.decode()
    assert "Expired" in page and "U1" in page


def test_thousands_of_recipients_are_answered_in_a_few_queries(marketer, line_sender):
    Suppression.objects.bulk_create(
        Suppression(network="line", ott_id=f"U{n}", reason="opt_out") for n in range(0, 20_000, 7)
    )
    pairs = [(f"U{n}", f"ref-{n}") for n in range(5_000)]
    with CaptureQueriesContext(connection) as queries:
        found = suppressed("line", line_sender, pairs)
    assert len(found) == len(range(0, 5_000, 7))
    assert len(queries) == 2  # one per column
    small = pairs[:100]
    with CaptureQueriesContext(connection) as queries:
        assert len(suppressed("line", line_sender, small)) == len(range(0, 100, 7))
    assert len(queries) == 2  # one per column


def test_adding_checks_each_field(marketer, messenger_sender):
    with pytest.raises(SuppressionInvalid) as refused:
        suppression_add(
            network="line",
            sender=messenger_sender,
            ott_id="",
            user_reference="",
            reason="bored",
            expires_at=timezone.now() - timedelta(days=1),
            user=marketer,
        )
    assert refused.value.errors == {
        "sender": ["Demo page (Messenger 1000000001) is not a LINE sender; choose one of that network or none."],
        "ott_id": ["Give an ottId or a userReference (or both)."],
        "reason": ["Choose a reason: opt_out, complaint, blocked, manual."],
        "expires_at": ["The expiry is in the past; leave it empty for an entry that never expires."],
    }


def test_adding_the_same_entry_again_changes_it_and_logs_the_change(marketer):
    entry, outcome = suppression_add(
        network="line", sender=None, ott_id="U1", user_reference="", reason="manual", user=marketer
    )
    assert outcome == "added"
    again, outcome = suppression_add(
        network="line", sender=None, ott_id="U1", user_reference="", reason="manual", user=marketer
    )
    assert (again, outcome) == (entry, "unchanged")
    again, outcome = suppression_add(
        network="line", sender=None, ott_id="U1", user_reference="", reason="opt_out", user=marketer
    )
    assert outcome == "updated" and Suppression.objects.count() == 1
    assert [c.action for c in SuppressionChange.objects.all()] == ["updated", "added"]
    assert SuppressionChange.objects.first().detail == "Reason: Added by hand → Opted out"


def test_the_add_page(marketer, line_sender):
    client = client_for(marketer)
    response = client.post(
        reverse("audiences:suppression-new"),
        {"network": "line", "sender": line_sender.pk, "ott_id": "U1", "reason": "opt_out", "expires_at": ""},
    )
    assert response["Location"] == reverse("audiences:suppression-list")
    entry = Suppression.objects.get()
    assert (entry.sender, entry.created_by, entry.expires_at) == (line_sender, marketer, None)
    response = client.post(reverse("audiences:suppression-new"), {"network": "line", "reason": "opt_out"})
    assert response.status_code == 400
    assert "Recipient ID (ottId): Give an ottId or a userReference (or both)." in response.content.decode()


def test_only_admins_remove_and_every_removal_is_logged(admin, marketer, auditor, line_sender):
    entry = add(marketer, "U1", "cust-1", sender=line_sender)
    url = reverse("audiences:suppression-remove", args=[entry.pk])
    assert client_for(marketer).post(url).status_code == 403
    assert client_for(auditor).post(url).status_code == 403
    assert client_for(marketer).delete(reverse("suppression-detail", args=[entry.pk])).status_code == 403
    assert Suppression.objects.exists()
    client = client_for(admin)
    assert "opted out" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("audiences:suppression-list")
    assert not Suppression.objects.exists()
    removal = SuppressionChange.objects.get(action="removed")
    assert (removal.user, removal.ott_id, removal.user_reference, removal.reason) == (admin, "U1", "cust-1", "opt_out")
    assert removal.sender_label == str(line_sender) and removal.network == "line"
    assert removal.detail.startswith("Added by mark-marketer on ")
    page = client_for(auditor).get(reverse("audiences:suppression-list")).content.decode()
    assert "Removed" in page and "alice-admin" in page and "U1 / cust-1" in page
    changes = client_for(auditor).get(reverse("audiences:suppression-changes")).content.decode()
    assert "Added by mark-marketer" in changes
    audit = client_for(auditor).get(reverse("audit")).content.decode()
    assert "Suppression removed" in audit


def test_the_list_searches_and_filters(marketer, line_sender):
    add(marketer, "U4af4980629e2a3ed", reason="opt_out")
    add(marketer, user_reference="cust-1002", reason="complaint", network="messenger")
    client = client_for(marketer)

    def listed(query: str) -> str:
        page = client.get(reverse("audiences:suppression-list") + query).content.decode()
        return page.split('data-testid="changes"')[0]  # the entries, not the log of changes below them

    page = listed("?q=U4af49")
    assert "1 entry matches" in page and "U4af4980629e2a3ed" in page and "cust-1002" not in page
    page = listed("?reason=complaint&network=messenger")
    assert "cust-1002" in page and "U4af4980629e2a3ed" not in page
    assert "No entries match" in listed("?q=U4")  # short: exact matches only
    response = client.get(reverse("audiences:suppression-list") + "?sender=0")
    assert response.status_code == 400


def test_import_reads_the_columns_and_refuses_bad_rows_with_their_line(marketer, line_sender):
    text = (
        "\ufeffOTT_ID,user_reference,reason,expires_at,sender_id\r\n"
        "U1,,opt_out,,\r\n"
        ",cust-2,Complained,2099-01-31,2000000001\r\n"
        "U3,,,2099-01-31T09:00:00+09:00,\r\n"
        "U4,,bored,,\r\n"
        "U5,,,yesterday,\r\n"
        "U6,,,2001-01-01,\r\n"
        "U7,,,,999\r\n"
        ",,,,\r\n"
        "U1,,opt_out,,\r\n"
    )
    with timezone.override(TOKYO):  # a date alone is the start of that day where the user is
        result = suppression_import(
            file=binary(text), network="line", reason="manual", user=marketer, file_name="f.csv"
        )
    assert (result.added, result.updated, result.unchanged, result.duplicates) == (3, 0, 0, 1)
    assert result.refused == [
        [5, "U4,,bored,,", "reason: give opt_out, complaint, blocked, manual."],
        [6, "U5,,,yesterday,", "expires_at: give a date (2027-01-31) or a time (2027-01-31T09:00:00+09:00)."],
        [
            7,
            "U6,,,2001-01-01,",
            "expires_at: The expiry is in the past; leave it empty for an entry that never expires.",
        ],
        [8, "U7,,,,999", "sender_id: no LINE sender 999 is registered."],
    ]
    by_recipient = {entry.recipient: entry for entry in Suppression.objects.all()}
    assert by_recipient["cust-2"].reason == "complaint" and by_recipient["cust-2"].sender == line_sender
    assert by_recipient["U3"].reason == "manual"
    assert by_recipient["U3"].expires_at == datetime(2099, 1, 31, 0, 0, tzinfo=UTC)
    assert by_recipient["cust-2"].expires_at == datetime(2099, 1, 31, tzinfo=TOKYO)  # the user's zone
    log = SuppressionChange.objects.get(action="imported")
    assert log.detail == "From f.csv: 3 added, 0 changed, 0 already on the list, 1 repeated in the file, 4 refused."


def test_import_refuses_a_file_it_cannot_read(marketer):
    with pytest.raises(SuppressionInvalid) as refused:
        suppression_import(file=binary("email\nx@example.com\n"), network="line", reason="manual", user=marketer)
    assert refused.value.errors == {
        "file": ["The first row must be a header with ott_id or user_reference (found: email)."]
    }
    with pytest.raises(SuppressionInvalid) as refused:
        suppression_import(file=binary("ott_id\nU1\n"), network="", reason="manual", user=marketer)
    assert refused.value.errors == {
        "network": ["Choose the network of these recipients (the file has no network column)."]
    }
    assert not Suppression.objects.exists()


def test_export_then_import_gives_the_same_list(admin, marketer, line_sender, messenger_sender):
    add(marketer, "U1", reason="opt_out")
    add(
        marketer,
        "=2+5",
        "cust-2",
        sender=line_sender,
        reason="complaint",
        expires_at=timezone.now() + timedelta(days=9),
    )
    add(marketer, user_reference="@cust-3", network="messenger", sender=messenger_sender, reason="blocked")
    fields = ("network", "sender", "ott_id", "user_reference", "reason", "expires_at")
    before = sorted(Suppression.objects.values_list(*fields), key=str)
    response = client_for(marketer).get(reverse("audiences:suppression-export"))
    exported = b"".join(response.streaming_content)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0] == [
        "network",
        "sender_id",
        "ott_id",
        "user_reference",
        "reason",
        "expires_at",
        "created_by",
        "created_at",
    ]
    assert rows[2][:4] == ["line", "2000000001", "'=2+5", "cust-2"]  # formula-safe
    assert rows[1][3] == "'@cust-3"
    for entry in Suppression.objects.all():
        suppression_remove(suppression=entry, user=admin)
    client = client_for(marketer)
    response = client.post(
        reverse("audiences:suppression-import"), {"network": "", "reason": "manual", "file": csv_file(exported)}
    )
    assert response["Location"] == reverse("audiences:suppression-list")
    after = sorted(Suppression.objects.values_list(*fields), key=str)
    assert after == before
    assert "Imported audience.csv: 3 added" in client.get(response["Location"]).content.decode()


def test_the_export_follows_the_lists_filters(marketer):
    add(marketer, "U1", reason="opt_out")
    add(marketer, "U2", reason="manual")
    response = client_for(marketer).get(reverse("audiences:suppression-export") + "?reason=manual")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("line,,U2,")


def test_marketers_import_auditors_read(marketer, auditor):
    assert client_for(auditor).get(reverse("audiences:suppression-list")).status_code == 200
    assert client_for(auditor).get(reverse("audiences:suppression-import")).status_code == 403
    assert client_for(auditor).post(reverse("audiences:suppression-new"), {}).status_code == 403
    page = client_for(marketer).get(reverse("audiences:suppression-list")).content.decode()
    assert "Import a CSV file" in page and "Remove…" not in page
