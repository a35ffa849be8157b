"""The retention command: old finished history goes (archived first if asked), nothing else does."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from messages.models import Attempt, Delivery, Send
from messages.services import send_create

pytestmark = pytest.mark.django_db


def test_old_finished_history_is_archived_then_deleted_in_batches(marketer, line_draft, tmp_path, capsys):
    old = send_create(draft=line_draft, recipients=[(f"U{n}", "") for n in range(7)], user=marketer)
    recent = send_create(draft=line_draft, recipients=[("R1", "")], user=marketer)
    long_ago = timezone.now() - timedelta(days=500)
    Send.objects.filter(pk=old.pk).update(created_at=long_ago, status=Send.Status.DONE)
    Delivery.objects.filter(send=old).update(created_at=long_ago, status=Delivery.Status.SENT)
    Delivery.objects.filter(send=old, ott_id="U6").update(status=Delivery.Status.SENDING)  # a worker still holds it
    Attempt.objects.create(delivery=old.deliveries.get(ott_id="U0"), number=1, at=long_ago, outcome="accepted")
    archive = tmp_path / "history.csv"

    call_command("ott_retention", days=400, export=archive, batch=2)

    with archive.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["ott_id"] for row in rows) == [f"U{n}" for n in range(6)]
    assert list(Delivery.objects.values_list("ott_id", flat=True).order_by("ott_id")) == ["R1", "U6"]
    assert Send.objects.filter(pk=old.pk).exists()  # it still has a delivery in flight
    assert Send.objects.filter(pk=recent.pk).exists()
    assert "deleted 6 deliveries and 0 sends" in capsys.readouterr().out

    Delivery.objects.filter(ott_id="U6").update(status=Delivery.Status.SENT)
    call_command("ott_retention", days=400)
    assert not Send.objects.filter(pk=old.pk).exists()


def test_dry_run_and_bad_arguments(marketer, line_draft, tmp_path, capsys):
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    Delivery.objects.filter(send=send).update(created_at=timezone.now() - timedelta(days=30), status="sent")
    call_command("ott_retention", days=7, dry_run=True)
    assert "1 finished deliveries older than 7 days" in capsys.readouterr().out
    assert Delivery.objects.count() == 1
    with pytest.raises(CommandError, match="--days must be at least 1"):
        call_command("ott_retention", days=0)
    existing = tmp_path / "x.csv"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="exists already"):
        call_command("ott_retention", days=7, export=existing)
    assert existing.read_text() == "keep me" and Delivery.objects.count() == 1
