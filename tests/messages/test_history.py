"""The delivery history: filters, search, keyset pages, detail, streamed CSV, read-only everywhere."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messages.export import CSV_COLUMNS, _cell, csv_lines
from messages.models import Delivery, Send
from messages.selectors import COUNT_EXACT_UP_TO, PAGE_SIZE
from messages.services import send_create
from senders.models import Sender
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(marketer, admin, line_draft, messenger_draft):
    """Two sends with deliveries in several states."""
    line = send_create(draft=line_draft, recipients=[(f"U{n}", "") for n in range(120)], user=marketer)
    page = send_create(draft=messenger_draft, recipients=[("P1", "ref-1"), ("", "=HYPERLINK(1)")], user=admin)
    Delivery.objects.filter(send=line, ott_id="U7").update(status="failed", error_message="server error (HTTP 500)")
    Delivery.objects.filter(send=line, ott_id="U8").update(status="sent", ott_request_id="req-8")
    Delivery.objects.filter(send=line).exclude(ott_id__in=["U7", "U8"]).update(status="sent")
    return line, page


def rows(client, **params) -> str:
    response = client.get(reverse("messages:delivery-list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_filters_and_search(auditor, history):
    line, page = history
    client = client_for(auditor)
    # Recipients are matched as the table shows them (<code>U9</code>): a random token on the page may
    # contain "U9" too.
    failed = rows(client, status="failed")
    assert "<code>U7</code>" in failed and "<code>U8</code>" not in failed and "server error (HTTP 500)" in failed
    assert "<code>P1</code>" in rows(client, network="messenger") and "U1<" not in rows(client, network="messenger")
    assert "ref-1" not in rows(client, send=line.pk)
    assert "<code>U8</code>" in rows(client, q="req-8") and "<code>U9</code>" not in rows(client, q="req-8")
    key = str(line.deliveries.get(ott_id="U9").message_key)
    found = rows(client, q=key)
    assert "<code>U9</code>" in found and "<code>U10</code>" not in found
    assert "<code>P1</code>" in rows(client, q="ref-1")
    assert "<code>P1</code>" in rows(client, user=page.created_by_id) and "<code>U9</code>" not in rows(
        client, user=page.created_by_id
    )
    today = timezone.localdate()
    assert "<code>U9" in rows(client, created_after=today.isoformat(), created_before=today.isoformat())
    assert "No deliveries match" in rows(client, created_after=(today + timedelta(days=1)).isoformat())


def test_bad_filters_are_explained_not_500(auditor, history):
    client = client_for(auditor)
    response = client.get(reverse("messages:delivery-list"), {"created_after": "2026-02-30", "send": "x"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a valid date." in text and "Enter a whole number." in text
    flipped = client.get(
        reverse("messages:delivery-list"), {"created_after": "2026-02-02", "created_before": "2026-02-01"}
    )
    assert "The end date must be on or after the start date." in flipped.content.decode()


def test_keyset_pages_walk_every_row_once_both_ways(auditor, history):
    client = client_for(auditor)
    url = reverse("messages:delivery-list")
    seen, before, pages = [], None, 0
    while True:
        response = client.get(url, {"before": before} if before else {})
        page = response.context["page"]
        seen.extend(d.pk for d in page.rows)
        pages += 1
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == Delivery.objects.count() == 122
    assert pages == 3
    back = client.get(url, {"after": page.prev_after}).context["page"]
    assert [d.pk for d in back.rows] == seen[PAGE_SIZE : 2 * PAGE_SIZE]


def test_the_list_never_counts_the_whole_table(auditor, history, django_assert_max_num_queries):
    client = client_for(auditor)
    # At most 12 statements, and on PostgreSQL up to 4 more around the count: a savepoint (here, inside the
    # test's transaction) that holds its time limit, and that limit.
    with django_assert_max_num_queries(16) as captured:
        page = client.get(reverse("messages:delivery-list"), {"status": "sent"}).content.decode()
    budget = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SELECT set_config('statement_timeout'")
    assert len([q for q in captured.captured_queries if not q["sql"].startswith(budget)]) <= 12
    # The page says how many match, counting at most COUNT_EXACT_UP_TO + 1 rows, never the table.
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all(f"LIMIT {COUNT_EXACT_UP_TO + 1}" in sql for sql in counts), counts
    assert 'data-testid="match-count">119 deliveries match<' in page


def test_detail_shows_request_response_attempts_and_events(auditor, history):
    line, _ = history
    delivery = line.deliveries.get(ott_id="U8")
    Delivery.objects.filter(pk=delivery.pk).update(
        response_body='{"ottRequestId": "req-8", "access_token": "tok-secret-1"}',
        network_events=[{"event": "Sent", "eventDateTime": "2026-11-29T10:00:00Z"}],
    )
    page = client_for(auditor).get(reverse("messages:delivery-detail", args=[delivery.pk])).content.decode()
    assert str(delivery.message_key) in page and "req-8" in page and "Sent" in page
    assert "&quot;ottId&quot;: &quot;U8&quot;" in page  # the exact body sent
    assert "tok-secret-1" not in page


def test_csv_export_streams_the_filtered_rows_safely(auditor, history):
    response = client_for(auditor).get(reverse("messages:delivery-export"), {"network": "messenger"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 2
    assert {row["user_reference"] for row in table} == {"ref-1", "'=HYPERLINK(1)"}  # no formula injection
    assert all(uuid.UUID(row["message_key"]) for row in table)
    assert {row["sent_by"] for row in table} == {"alice-admin"}


def test_csv_cells_follow_the_general_rule_in_every_column(history):
    """Each column's own converter gives exactly what the general `_cell` gives, formula starts included."""
    _, page = history
    hostile = {"status": "failed", "ott_request_id": "@req", "error_message": "-1 refused", "error_code": -5}
    Delivery.objects.filter(send=page).update(**hostile, finished_at=timezone.now(), http_status=400, ott_id="+81")
    Sender.objects.filter(pk=page.sender_id).update(name="=cmd")
    deliveries = Delivery.objects.all()
    sources = [source for _, source in CSV_COLUMNS]
    expected = []
    for row in deliveries.order_by("-id").values_list(*sources):
        out = io.StringIO()
        csv.writer(out).writerow([_cell(value) for value in row])
        expected.append(out.getvalue())
    assert list(csv_lines(deliveries))[1:] == expected
    text = "".join(csv_lines(deliveries.filter(send=page)))
    assert "'=cmd" in text and "'@req" in text and "'-1 refused" in text and "'-5" in text and "'+81" in text


def test_no_control_to_change_history_anywhere(auditor, admin, history):
    line, _ = history
    client = client_for(auditor)
    for url in (
        reverse("messages:delivery-list"),
        reverse("messages:send-detail", args=[line.pk]),
        reverse("messages:delivery-detail", args=[line.deliveries.first().pk]),
    ):
        page = client.get(url).content.decode()
        assert "Cancel what has not started" not in page and 'method="post"' not in page.split("</nav>", 1)[1]
    admin.is_staff = True
    admin.save()
    admin_client = client_for(admin)
    delivery = line.deliveries.first()
    assert admin_client.get(f"/admin/ott_messages/delivery/{delivery.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/ott_messages/delivery/{delivery.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/ott_messages/send/add/").status_code == 403
    assert Send.objects.count() == 2


def test_recipients_and_remote_error_messages_render_escaped_everywhere(admin, marketer, line_draft):
    evil = '"><script>alert(1)</script>'
    send = send_create(draft=line_draft, recipients=[(evil, "")], user=marketer)
    delivery = send.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status="failed", error_message=f"remote said {evil}", validation_errors=[{"message": evil, "errorcode": 1}]
    )
    admin.is_staff = True
    admin.save()
    client = client_for(admin)
    pages = [
        reverse("messages:delivery-list"),
        reverse("messages:delivery-detail", args=[delivery.pk]),
        reverse("messages:send-detail", args=[send.pk]),
        reverse("home"),
        "/admin/ott_messages/delivery/",
        f"/admin/ott_messages/delivery/{delivery.pk}/change/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or url == reverse("home"), url
