"""Sending from the browser pages: recipients -> confirm -> queued -> progress; the sends list; the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audiences.services import audience_rows
from messages.models import Delivery, RecipientList, Send
from messages.services import send_create
from sandbox.models import SandboxMessage
from tests.conftest import client_for
from tests.messages.conftest import api_for, run_worker

pytestmark = pytest.mark.django_db


def start(user, draft, **data):
    return client_for(user).post(reverse("messages:send-start", args=[draft.pk]), data)


def test_pasted_list_goes_to_a_confirm_page_that_lists_refused_lines(marketer, line_draft):
    response = start(marketer, line_draft, pasted="U1\nU2\nU1\n,only-ref\n")
    assert response.status_code == 302
    confirm = client_for(marketer).get(response["Location"]).content.decode()
    assert 'data-testid="recipient-count">2<' in confirm
    assert 'data-testid="refused-count">1 line' in confirm
    assert 'data-testid="duplicate-count">1 repeated' in confirm
    assert "LINE needs an ottId" in confirm and "<td>4</td>" in confirm
    assert not Send.objects.exists()  # nothing queued before confirming


def test_confirming_queues_once_even_when_clicked_twice(marketer, line_draft):
    confirm_url = start(marketer, line_draft, pasted="U1\nU2\n")["Location"]
    client = client_for(marketer)
    first = client.post(confirm_url)
    send = Send.objects.get()
    assert first["Location"] == reverse("messages:send-detail", args=[send.pk])
    assert send.total == 2 and send.deliveries.count() == 2
    assert client.post(confirm_url).status_code == 404  # the list was consumed
    assert Send.objects.count() == 1 and not RecipientList.objects.exists()


def test_a_csv_upload(marketer, messenger_draft):
    upload = SimpleUploadedFile("r.csv", "\ufeffott_id,user_reference\nP1,\n,ref-2\n".encode(), "text/csv")
    response = start(marketer, messenger_draft, csv_file=upload)
    assert response.status_code == 302
    pending = RecipientList.objects.get()  # streamed into a one-off audience, not listed with the saved ones
    assert pending.audience.one_off and pending.audience.size == 2
    assert [(row.ott_id, row.user_reference) for row in audience_rows(pending.audience)] == [("P1", ""), ("", "ref-2")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give the recipients one way"),
        ({"ott_id": "U1", "pasted": "U2"}, "Give the recipients one way"),
        ({"pasted": ",x\n"}, "No valid recipient"),
        ({"ott_id": "bad\x01"}, "control characters"),
    ],
)
def test_bad_recipients_are_explained(marketer, line_draft, data, message):
    response = start(marketer, line_draft, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RecipientList.objects.exists()


def test_a_deactivated_sender_blocks_a_new_send_with_a_reason(marketer, line_draft):
    line_draft.sender.is_active = False
    line_draft.sender.save()
    page = client_for(marketer).get(reverse("messages:send-start", args=[line_draft.pk])).content.decode()
    assert "This draft cannot be sent" in page and "is inactive" in page
    assert start(marketer, line_draft, ott_id="U1").status_code == 200
    assert not RecipientList.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_send_page_shows_progress_and_counters_after_the_worker_ran(live_sandbox, marketer, line_draft):
    client = client_for(marketer)
    client.post(start(marketer, line_draft, pasted="U1\nU2\nsandbox-fail-500\n")["Location"])
    send = Send.objects.get()
    running = client.get(reverse("messages:send-detail", args=[send.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in running and "Cancel what has not started" in running
    send.refresh_from_db()
    run_worker(send)
    progress = client.get(reverse("messages:send-progress", args=[send.pk])).content.decode()
    assert 'data-testid="count-sent">2<' in progress and 'data-testid="count-failed">1<' in progress
    assert "hx-trigger" not in progress  # polling stops once finished
    assert "server error (HTTP 500)" in progress  # most common errors, grouped
    listing = client.get(reverse("messages:send-list"), {"status": "done_with_errors"}).content.decode()
    assert "Spring sale" in listing


def test_cancel_from_the_page(marketer, line_draft, auditor):
    client_for(marketer).post(start(marketer, line_draft, pasted="U1\nU2\n")["Location"])
    send = Send.objects.get()
    assert client_for(auditor).post(reverse("messages:send-cancel", args=[send.pk])).status_code == 403
    client_for(marketer).post(reverse("messages:send-cancel", args=[send.pk]))
    send.refresh_from_db()
    assert send.status == Send.Status.CANCELED and send.canceled_by == marketer
    assert set(send.deliveries.values_list("status", flat=True)) == {Delivery.Status.CANCELED}


def test_auditors_cannot_send(auditor, line_draft):
    assert start(auditor, line_draft, ott_id="U1").status_code == 403
    assert (
        api_for(auditor)
        .post(f"/api/v1/drafts/{line_draft.pk}/send/", {"recipients": [{"ott_id": "U1"}]}, format="json")
        .status_code
        == 403
    )


@pytest.mark.django_db(transaction=True)
def test_api_send_then_watch(live_sandbox, marketer, line_draft):
    api = api_for(marketer)
    answer = api.post(
        f"/api/v1/drafts/{line_draft.pk}/send/",
        {"recipients": [{"ott_id": "U1"}, {"ott_id": "U2", "user_reference": "r2"}, {"ott_id": "U1"}]},
        format="json",
    )
    assert answer.status_code == 202, answer.json()
    assert answer.json() == {"id": answer.json()["id"], "status": "queued", "total": 2}
    send = run_worker(Send.objects.get(pk=answer.json()["id"]))
    data = api.get(f"/api/v1/sends/{send.pk}/").json()
    assert data["counts"] == {
        **dict.fromkeys(("queued", "sending", "rejected", "failed", "canceled", "suppressed", "capped"), 0),
        "sent": 2,
    }
    assert data["created_by"] == "mark-marketer" and data["draft"] == line_draft.pk
    deliveries = api.get("/api/v1/deliveries/", {"send": send.pk, "q": "U2"}).json()
    assert deliveries["count"] == 1
    row = deliveries["results"][0]
    assert row["status"] == "sent" and row["user_reference"] == "r2" and row["ott_request_id"]
    assert row["payload"]["to"] == {"ottId": "U2", "userReference": "r2"}
    assert SandboxMessage.objects.count() == 2


def test_api_send_names_bad_recipients(marketer, line_draft):
    answer = api_for(marketer).post(
        f"/api/v1/drafts/{line_draft.pk}/send/",
        {"recipients": [{"ott_id": "U1"}, {"user_reference": "r"}]},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json() == {"recipients[1]": ["LINE needs an ottId (the LINE user id)."]}
    empty = api_for(marketer).post(f"/api/v1/drafts/{line_draft.pk}/send/", {"recipients": []}, format="json")
    assert empty.status_code == 400 and "recipients" in empty.json()
    assert not Send.objects.exists()


def test_history_is_read_only_in_the_api(admin, marketer, line_draft):
    client_for(marketer).post(start(marketer, line_draft, pasted="U1\n")["Location"])
    api = api_for(admin)
    delivery = Delivery.objects.get()
    for method in ("put", "patch", "delete"):
        assert getattr(api, method)(f"/api/v1/deliveries/{delivery.pk}/", {}, format="json").status_code == 405
        assert getattr(api, method)(f"/api/v1/sends/{delivery.send_id}/", {}, format="json").status_code == 405
    assert api.post("/api/v1/deliveries/", {}, format="json").status_code == 405


def test_a_pasted_list_of_a_hundred_thousand_recipients(marketer, line_draft):
    pasted = "\n".join(f"U{n:08d},ref-{n}" for n in range(100_000))
    response = start(marketer, line_draft, pasted=pasted)
    assert response.status_code == 302
    assert len(RecipientList.objects.get().recipients) == 100_000


def test_api_day_range_filters(auditor, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-old", ""), ("U-new", "")], user=marketer)
    Delivery.objects.filter(send=send, ott_id="U-old").update(created_at=timezone.now() - timedelta(days=3))
    today = timezone.localdate().isoformat()
    rows = api_for(auditor).get("/api/v1/deliveries/", {"created_after": today, "created_before": today}).json()
    assert [r["ott_id"] for r in rows["results"]] == ["U-new"]
    bad = api_for(auditor).get("/api/v1/deliveries/", {"created_after": "2026-02-30"})
    assert bad.status_code == 400 and "created_after" in bad.json()


def test_api_sends_list_counts_each_page_in_one_query(auditor, marketer, line_draft, django_assert_max_num_queries):
    for _ in range(5):
        send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "")], user=marketer)
    api = api_for(auditor)
    with django_assert_max_num_queries(8):
        rows = api.get("/api/v1/sends/").json()["results"]
    assert [row["counts"]["queued"] for row in rows] == [2] * 5
