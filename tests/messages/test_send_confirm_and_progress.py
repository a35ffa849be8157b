"""The last look before sending and what the send page says afterwards: JSON (not a Python dict), the
phone preview, the button after what it decides on, refused lines kept with the send, retries waiting
and network refusals shown as what they are."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messages.models import Delivery, Send
from messages.progress import send_progress
from messages.services import send_create
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
LONG = "x" * 300


def confirm_page(user, draft, pasted):
    response = client_for(user).post(reverse("messages:send-start", args=[draft.pk]), {"pasted": pasted})
    return response["Location"], client_for(user).get(response["Location"]).content.decode()


def test_the_confirm_page_shows_json_a_preview_and_the_button_last(marketer, line_draft):
    _, page = confirm_page(marketer, line_draft, f"U1\n,{LONG}\n")
    shown = page.split('data-testid="confirm-json"><code>', 1)[1].split("</code>", 1)[0]
    body = json.loads(shown.replace("&quot;", '"').replace("&#x27;", "'"))
    assert body["to"]["ottId"] == "U1" and body["message"]["contents"][0]["text"] == "セール 😀"
    assert 'class="phone phone-line"' in page and "セール 😀" in page.split('class="phone', 1)[1]
    assert page.index("Refused lines") < page.index("Send to 1 recipient")
    assert LONG not in page and 'class="wrap"' in page  # a long refused line is cut and wraps


def test_refused_lines_stay_with_the_send_and_download_as_csv(marketer, auditor, line_draft):
    confirm_url, _ = confirm_page(marketer, line_draft, "U1\n=cmd\x01\n,only-ref\n")
    client_for(marketer).post(confirm_url)
    send = Send.objects.get()
    assert send.invalid_count == 2 and [row[0] for row in send.refused_lines] == [2, 3]
    page = client_for(auditor).get(reverse("messages:send-detail", args=[send.pk])).content.decode()
    assert "Refused lines" in page and "only-ref" in page
    download = client_for(auditor).get(reverse("messages:send-refused", args=[send.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode().lstrip("\ufeff"))))
    assert rows[0] == ["line", "as_given", "reason"]
    assert rows[1][0] == "2" and rows[1][1].startswith("'=cmd")  # formula-safe


def test_retries_waiting_and_network_refusals_are_not_shown_as_queued_or_sent(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(4)], user=marketer)
    ids = sorted(send.deliveries.values_list("id", flat=True))
    now = timezone.now()
    Send.objects.filter(pk=send.pk).update(status=Send.Status.RUNNING, started_at=now - timedelta(seconds=2))
    Delivery.objects.filter(pk__in=ids[:2]).update(status=Delivery.Status.SENT, finished_at=now)
    Delivery.objects.filter(pk=ids[1]).update(network_error=True)
    Delivery.objects.filter(pk=ids[2]).update(attempts=2, next_attempt_at=now + timedelta(seconds=40))
    send.refresh_from_db()

    progress = send_progress(send)
    assert progress.retry_waiting == 1 and progress.network_errors == 1
    assert progress.seconds_left >= 39  # the wait for the retry counts, not just the rate
    assert [(s["key"], s["count"]) for s in progress.segments] == [("sent", 1), ("network_error", 1)]
    page = client_for(marketer).get(reverse("messages:send-detail", args=[send.pk])).content.decode()
    assert "Waiting to retry: 1 (next at" in page
    assert "1 sent, then refused by LINE" in page
    assert f"?send={send.pk}&amp;status=sent" in page


def test_send_a_test_goes_to_the_users_own_test_recipients_marked_as_a_test(marketer, line_draft):
    from ottportal.models import UserSettings

    url = reverse("messages:send-test", args=[line_draft.pk])
    refused = client_for(marketer).post(url, follow=True).content.decode()
    assert "no test recipients on LINE yet" in refused and not Send.objects.exists()
    UserSettings.objects.update_or_create(user=marketer, defaults={"test_recipients": {"line": [["U-me", ""]]}})
    response = client_for(marketer).post(url)
    send = Send.objects.get()
    assert response["Location"] == reverse("messages:send-detail", args=[send.pk])
    assert send.is_test and list(send.deliveries.values_list("ott_id", flat=True)) == ["U-me"]
    page = client_for(marketer).get(response["Location"]).content.decode()
    assert 'data-testid="test-badge">Test<' in page
