"""The audit page: auditors and admins read the trail, filter it (who, kind, action, days, text),
page through it and export it as CSV (the export is itself recorded); marketers cannot."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ottportal import audit
from ottportal.models import AuditEntry
from ottportal.views import AUDIT_PER_PAGE
from senders.services import sender_update
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def page(user, query: str = "") -> str:
    response = client_for(user).get(reverse("audit") + query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows(html: str) -> list[str]:
    return re.findall(r"<tr><td\b[^>]*>(.*?)</tr>", html, re.S)


def test_auditors_and_admins_read_the_trail_marketers_and_approvers_do_not(admin, auditor, marketer, approver):
    audit.record("draft.edit", user=marketer, detail="Name: “A” → “B”", before={"name": "A"}, after={"name": "B"})
    for reader in (auditor, admin):
        html = page(reader)
        row = next(r for r in rows(html) if "Draft changed" in r)
        assert marketer.username in row and "name</span>: A → B" in row and " UTC" in row
    for stranger in (marketer, approver):
        assert client_for(stranger).get(reverse("audit")).status_code == 403
        assert client_for(stranger).get(reverse("audit-export")).status_code == 403
    assert not AuditEntry.objects.filter(action="export.audit").exists()


def test_times_show_in_the_viewers_zone(auditor):
    from ottportal.models import settings_of

    settings_of(auditor).time_zone = "Asia/Tokyo"
    settings_of(auditor).save()
    audit.record("auth.login", user=auditor)
    assert " JST" in rows(page(auditor))[0]


def test_filters_by_who_kind_action_days_and_text(auditor, marketer, admin, messenger_sender):
    audit.record("draft.create", user=marketer, detail="first draft")
    audit.record("send.approve", user=admin, detail="looks right")
    sender_update(sender=messenger_sender, name="Spring shop", user=admin)

    def whats(query: str) -> list[str]:
        return [re.search(r'<span title="([\w.]+)">', row).group(1) for row in rows(page(auditor, query))]

    assert whats(f"?user={marketer.pk}&kind=draft") == ["draft.create"]
    assert whats("?kind=send") == ["send.approve"]
    assert whats("?action=sender.update") == ["sender.update"]
    assert whats("?q=looks+RIGHT") == ["send.approve"]
    assert whats("?q=Spring+shop") == ["sender.update"]
    today = timezone.localdate()
    assert "send.approve" in whats(f"?after={today}&before={today}")
    assert whats(f"?after={today + timedelta(days=1)}") == []
    assert "No entry matches these filters." in page(auditor, f"?after={today + timedelta(days=1)}")


def test_a_reversed_day_range_or_an_unknown_kind_says_what_to_change(auditor):
    today = timezone.localdate()
    response = client_for(auditor).get(reverse("audit") + f"?after={today}&before={today - timedelta(days=1)}")
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()
    response = client_for(auditor).get(reverse("audit") + "?kind=nonsense")
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert client_for(auditor).get(reverse("audit-export") + "?user=0").status_code == 400


def test_the_trail_is_paged(auditor):
    for n in range(AUDIT_PER_PAGE + 3):
        audit.record("draft.edit", username="bulk", detail=f"edit {n}")
    first, second = page(auditor, "?q=edit"), page(auditor, "?q=edit&page=2")
    assert len(rows(first)) == AUDIT_PER_PAGE and len(rows(second)) == 3
    assert f"edit {AUDIT_PER_PAGE + 2}" in first and "edit 0<" in second
    assert "Page 1 of 2" in first and "q=edit&amp;page=2" in first


def test_the_export_has_every_filtered_entry_with_its_hashes_and_is_recorded(auditor, marketer):
    audit.record("draft.create", user=marketer, detail="=HYPERLINK(1)", after={"name": "Spring"})
    audit.record("send.approve", user=marketer)
    response = client_for(auditor).get(reverse("audit-export") + "?kind=draft", REMOTE_ADDR="192.0.2.44")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(r'attachment; filename="ott-audit-\d{8}-\d{6}\.csv"', response["Content-Disposition"])
    body = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    lines = list(csv.DictReader(io.StringIO(body)))
    assert len(lines) == 1
    line = lines[0]
    entry = AuditEntry.objects.get(action="draft.create")
    assert (line["id"], line["action"], line["what"], line["username"]) == (
        str(entry.pk),
        "draft.create",
        "Draft created",
        marketer.username,
    )
    assert line["detail"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert line["after"] == '{"name": "Spring"}' and line["hash"] == entry.hash and line["prev_hash"] == entry.prev_hash
    export = AuditEntry.objects.get(action="export.audit")
    assert (export.user, export.ip_address, export.detail) == (auditor, "192.0.2.44", "Filter: kind=draft; 1 row")
    assert audit.verify() is None
    html = page(auditor)
    assert "Audit log exported" in html and 'href="/audit/export.csv"' in html


def test_the_export_link_keeps_the_filters(auditor):
    html = page(auditor, "?kind=draft&q=x")
    assert 'href="/audit/export.csv?kind=draft&amp;q=x"' in html
