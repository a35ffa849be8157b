"""Sending to a saved audience, to recipients with their own values, or to a CSV file uploaded for one
send (a one-off audience); what refuses a send (another network, an audience not ready, a column the
message needs, the allowance) and sending up to the allowance left."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audiences.loading import audience_from_rows
from audiences.models import Audience, AudienceRow, Suppression
from messages.models import Delivery, RecipientList, Send
from messages.pending_lists import PENDING_PER_USER, pending_lists_drop
from messages.sending_input import send_from_recipients
from messages.services import SendRefused, draft_create, send_create
from messages.stored_words import shown
from messages.tasks import RECIPIENT_LIST_TTL
from messages.views import sends
from ott.payloads import Block, Message
from sandbox.models import SandboxMessage
from tests.conftest import client_for
from tests.messages.conftest import run_worker


@pytest.fixture
def hello_draft(marketer, line_sender):
    message = Message(blocks=(Block("text", text="Hi {{ first_name }}, {{ city | default: 'friend' }}"),))
    return draft_create(owner=marketer, name="Hello", sender=line_sender, message=message)


def audience_of(user, network="line", names=("Aiko", "Ben", "花子 🌸"), **columns):
    recipients = [
        {"ott_id": f"U-{n}", "user_reference": "", "vars": {"first_name": name, **columns}}
        for n, name in enumerate(names)
    ]
    return audience_from_rows(name=f"People of {network}", network=network, user=user, recipients=recipients)


@pytest.mark.django_db
def test_an_audience_send_is_marked_used_and_left_to_the_worker(settings, marketer, hello_draft):
    settings.OTT_PREPARE_INLINE_MAX = 2  # bigger than that: the worker prepares it (not run here)
    audience = audience_of(marketer)
    send = send_create(draft=hello_draft, audience=audience, user=marketer)
    audience.refresh_from_db()
    assert (send.status, send.total, send.audience, send.send_limit) == ("preparing", 3, audience, None)
    assert audience.is_used and not RecipientList.objects.exists() and not send.deliveries.exists()
    line = send.timeline.get()
    assert shown(line.detail, line.detail_args) == "3 recipients in the audience “People of line”"


@pytest.mark.django_db
def test_an_audience_of_another_network_or_not_ready_is_refused(marketer, hello_draft):
    other = audience_of(marketer, network="messenger")
    with pytest.raises(SendRefused) as refused:
        send_create(draft=hello_draft, audience=other, user=marketer)
    assert refused.value.field == "audience"
    assert "“People of messenger” is an audience of Messenger; this draft sends on LINE" in str(refused.value)
    loading = audience_of(marketer)
    Audience.objects.filter(pk=loading.pk).update(status=Audience.Status.LOADING)
    loading.refresh_from_db()
    with pytest.raises(SendRefused, match="still being uploaded") as refused:
        send_create(draft=hello_draft, audience=loading, user=marketer)
    assert refused.value.field == "audience"
    assert not Send.objects.exists() and not Audience.objects.used().exists()


@pytest.mark.django_db
def test_a_column_the_message_needs_without_a_default_refuses_the_send(marketer, line_sender):
    message = Message(blocks=(Block("text", text="{{ coupon }} for {{ first_name }}"),))
    draft = draft_create(owner=marketer, name="Coupon", sender=line_sender, message=message)
    with pytest.raises(SendRefused) as refused:
        send_create(draft=draft, audience=audience_of(marketer), user=marketer)
    assert (refused.value.field, "“coupon”" in str(refused.value)) == ("audience", True)
    with pytest.raises(SendRefused) as refused:
        send_from_recipients(draft=draft, rows=[("U-1", "", {"first_name": "Aiko"})], user=marketer)
    assert refused.value.field == "recipients" and "The message uses “coupon”" in str(refused.value)
    assert not Send.objects.exists() and not Audience.objects.used().exists()


@pytest.mark.django_db
def test_pasted_recipients_carry_their_values_to_the_worker(settings, marketer, hello_draft):
    settings.OTT_PREPARE_INLINE_MAX = 1
    rows = [("U-1", "", {"first_name": "Aiko", "city": "Kyoto"}), ("U-2", "r", {"first_name": "Ben"})]
    send = send_from_recipients(draft=hello_draft, rows=rows, user=marketer)
    assert RecipientList.objects.get(send=send).recipients == [
        ["U-1", "", {"first_name": "Aiko", "city": "Kyoto"}],
        ["U-2", "r", {"first_name": "Ben"}],
    ]


@pytest.mark.django_db
def test_the_allowance_refuses_with_the_numbers_or_sends_up_to_it(settings, marketer, line_sender, line_draft):
    settings.OTT_PREPARE_INLINE_MAX = 1
    line_sender.monthly_allowance = 4
    line_sender.save()
    rows = [(f"U-{n}", "") for n in range(6)]
    with pytest.raises(SendRefused) as refused:
        send_create(draft=line_draft, recipients=rows, user=marketer)
    assert refused.value.field == "up_to_allowance"
    assert str(refused.value).startswith("Demo LINE may send 4 messages a month; 0 are used this month")
    send = send_create(draft=line_draft, recipients=rows, user=marketer, up_to_allowance=True)
    assert (send.total, send.send_limit) == (6, 4)
    line = send.timeline.get()
    assert shown(line.detail, line.detail_args) == "6 recipients; sends to at most 4 (the allowance left)"


@pytest.mark.django_db
def test_with_nothing_left_of_the_allowance_nothing_is_sent(marketer, line_sender, line_draft):
    send_create(draft=line_draft, recipients=[("U-a", ""), ("U-b", "")], user=marketer)
    line_sender.daily_allowance = 2
    line_sender.save()
    with pytest.raises(SendRefused, match="Nothing can be sent until the allowance renews"):
        send_create(draft=line_draft, recipients=[("U-c", "")], user=marketer, up_to_allowance=True)


@pytest.mark.django_db
def test_a_one_off_csv_fills_placeholders_and_is_not_listed(marketer, hello_draft):
    client = client_for(marketer)
    data = "\ufeffott_id,user_reference,First_Name\r\nU-1,,Aiko 🌸\r\n,r-2,Ben\r\nU-1,,again\r\n".encode()
    upload = SimpleUploadedFile("spring.csv", data, "text/csv")
    response = client.post(reverse("messages:send-start", args=[hello_draft.pk]), {"csv_file": upload})
    assert response.status_code == 302
    confirm = html.unescape(client.get(response["Location"]).content.decode())
    assert '"text": "Hi Aiko 🌸, friend"' in confirm  # the plan's exact body for the first recipient
    assert 'data-testid="refused-count">1 line' in confirm and "LINE needs an ottId" in confirm
    assert 'data-testid="duplicate-count">1 repeated' in confirm
    assert "spring.csv" not in client.get(reverse("audiences:list")).content.decode()
    assert client.post(response["Location"]).status_code == 302
    send = Send.objects.get()
    assert send.audience.one_off and send.audience.is_used and send.invalid_count == 1


@pytest.mark.django_db
def test_the_send_page_offers_the_saved_audiences_of_the_drafts_network(marketer, hello_draft):
    line, messenger = audience_of(marketer), audience_of(marketer, network="messenger")
    client = client_for(marketer)
    page = client.get(reverse("messages:send-start", args=[hello_draft.pk])).content.decode()
    assert "People of line (3 recipients; columns: first_name)" in page and messenger.name not in page
    response = client.post(reverse("messages:send-start", args=[hello_draft.pk]), {"audience": line.pk})
    confirm = client.get(response["Location"]).content.decode()
    assert 'data-testid="audience"' in confirm and 'data-testid="recipient-count">3<' in confirm
    refused = client.post(reverse("messages:send-start", args=[hello_draft.pk]), {"audience": messenger.pk})
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()


@pytest.mark.django_db
def test_the_confirm_page_offers_to_send_up_to_the_allowance(marketer, line_sender, line_draft):
    line_sender.daily_allowance = 2
    line_sender.save()
    client = client_for(marketer)
    confirm_url = client.post(reverse("messages:send-start", args=[line_draft.pk]), {"pasted": "U1\nU2\nU3"})[
        "Location"
    ]
    page = client.get(confirm_url).content.decode()
    assert "Demo LINE may send 2 messages a day; 0 are used today and this send has 3: 2 left." in page
    assert "Send up to the remaining allowance (2 messages)" in page
    refused = client.post(confirm_url, {"when": "now"})
    assert refused.status_code == 400 and not Send.objects.exists()
    assert client.post(confirm_url, {"when": "now", "up_to_allowance": "on"}).status_code == 302
    assert Send.objects.get().send_limit == 2


@pytest.mark.django_db(transaction=True)
def test_an_audience_send_end_to_end_through_the_sandbox(live_sandbox, marketer, hello_draft):
    Suppression.objects.create(network="line", ott_id="U-1", reason="opt_out")
    audience = audience_of(marketer, city="Osaka")
    send = run_worker(send_create(draft=hello_draft, audience=audience, user=marketer))
    posted = {
        m.request_body["to"]["ottId"]: m.request_body["message"]["contents"][0]["text"]
        for m in SandboxMessage.objects.all()
    }
    assert posted == {"U-0": "Hi Aiko, Osaka", "U-2": "Hi 花子 🌸, Osaka"}
    assert dict(send.deliveries.values_list("ott_id", "status")) == {
        "U-0": Delivery.Status.SENT,
        "U-1": Delivery.Status.SUPPRESSED,
        "U-2": Delivery.Status.SENT,
    }


@pytest.mark.django_db
def test_a_big_list_gets_its_plan_in_a_second_request(monkeypatch, marketer, admin, line_draft):
    monkeypatch.setattr(sends, "PLAN_INLINE_MAX", 1)
    Suppression.objects.create(network="line", ott_id="U2", reason="complaint")
    client = client_for(marketer)
    confirm_url = client.post(reverse("messages:send-start", args=[line_draft.pk]), {"pasted": "U1\nU2"})["Location"]
    page = client.get(confirm_url).content.decode()
    plan_url = reverse("messages:send-plan", args=[RecipientList.objects.get().pk])
    assert f'hx-get="{plan_url}"' in page and 'data-testid="plan-sendable"' not in page
    part = client.get(plan_url).content.decode()
    assert 'data-testid="plan-sendable"><strong>1</strong> of 2 recipients' in part
    assert 'data-testid="plan-suppressed">1 complained<' in part
    assert client_for(admin).get(plan_url).status_code == 404  # someone else's list


@pytest.mark.django_db
def test_dropped_pending_lists_take_their_unsent_one_off_files_with_them(marketer, line_draft):
    client = client_for(marketer)
    url = reverse("messages:send-start", args=[line_draft.pk])
    confirm_urls = [
        client.post(url, {"csv_file": SimpleUploadedFile(f"f{n}.csv", f"ott_id\nU-{n}\n".encode(), "text/csv")})[
            "Location"
        ]
        for n in range(PENDING_PER_USER + 1)  # the oldest list is dropped when the fourth is made
    ]
    assert sorted(Audience.objects.values_list("file_name", flat=True)) == ["f1.csv", "f2.csv", "f3.csv"]
    assert client.post(confirm_urls[-1]).status_code == 302  # f3.csv is sent to
    RecipientList.objects.update(created_at=timezone.now() - RECIPIENT_LIST_TTL - timedelta(minutes=1))
    pending_lists_drop(RecipientList.objects.filter(created_at__lt=timezone.now() - RECIPIENT_LIST_TTL))
    assert list(Audience.objects.values_list("file_name", flat=True)) == ["f3.csv"]  # kept with its send
    assert set(AudienceRow.objects.values_list("audience__file_name", flat=True)) == {"f3.csv"}
