"""Preparation: a send's deliveries from its saved audience or its recipient list, each row judged
(sent with its own filled message, suppressed, capped, refused after filling), up to the send's limit,
and taken up again after a worker died in the middle without writing anyone twice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audiences.loading import audience_from_rows
from audiences.models import Suppression
from messages import delivery_rows, preparation, tasks
from messages.models import Delivery, RecipientList, Send, SendEvent
from messages.row_check import RowJudge
from messages.selectors import send_counts
from messages.services import send_create
from messages.stored_words import shown
from ott.payloads import Block, Message, message_template
from tests.conftest import client_for
from tests.messages.conftest import api_for

pytestmark = pytest.mark.django_db

DS, SS = Delivery.Status, Send.Status
# Filled twice, 1,300 emoji are 5,200 UTF-16 units: past LINE's 5,000 (an audience cell holds up to 2,000).
LONG, TWICE = "😀" * 1300, "{{ bio }}{{ bio }}"


def _template(sender, text: str) -> dict:
    return message_template(
        Message(network=sender.network, sender_id=sender.sender_id, blocks=(Block("text", text=text),))
    )


def _send(draft, user, text: str, *, audience=None, recipients=None, send_limit=None) -> Send:
    """A send being prepared, as the confirm leaves a big one for the worker."""
    send = Send.objects.create(
        draft=draft,
        draft_name=draft.name,
        sender=draft.sender,
        sender_name=draft.sender.name,
        network=draft.sender.network,
        template=_template(draft.sender, text),
        status=SS.PREPARING,
        total=audience.size if audience else len(recipients),
        created_by=user,
        audience=audience,
        send_limit=send_limit,
    )
    if recipients is not None:
        RecipientList.objects.create(draft=draft, created_by=user, recipients=recipients, send=send)
    return send


def _prepare(send: Send) -> Send:
    preparation.prepare(send.pk, enqueue_start=tasks.enqueue_start, enqueue=tasks.enqueue_deliveries)
    send.refresh_from_db()
    return send


def _audience(user, rows: list[tuple[str, dict]]):
    recipients = [{"ott_id": ott_id, "user_reference": "", "vars": values} for ott_id, values in rows]
    return audience_from_rows(name="Spring", network="line", user=user, recipients=recipients)


def _texts(send: Send) -> dict[str, str]:
    rows = Delivery.objects.filter(send=send).order_by("id")
    return {d.ott_id: d.payload["message"]["contents"][0]["text"] for d in rows}


def _prepared_detail(send: Send) -> str:
    line = send.timeline.get(event=SendEvent.Event.PREPARED)
    return shown(line.detail, line.detail_args)


def test_an_audience_send_fills_each_recipients_message_from_their_row(marketer, line_draft):
    audience = _audience(
        marketer, [("U1", {"first_name": "花子"}), ("U2", {"first_name": ""}), ("U3", {"first_name": "Zoë 🌸"})]
    )
    send = _prepare(_send(line_draft, marketer, 'こんにちは {{ first_name | default: "友だち" }}!', audience=audience))
    assert send.status == SS.QUEUED and send.total == 3 and send.prepared == 3 and send.prepared_line == 3
    assert _texts(send) == {"U1": "こんにちは 花子!", "U2": "こんにちは 友だち!", "U3": "こんにちは Zoë 🌸!"}
    assert Delivery.objects.filter(send=send, status=DS.QUEUED).count() == 3


def test_a_list_with_vars_is_filled_too_and_rows_without_vars_take_the_default(marketer, line_draft):
    recipients = [["U1", "", {"first_name": "Aiko"}], ["U2", "ref-2"]]
    send = _prepare(_send(line_draft, marketer, 'Hi {{ first_name | default: "friend" }}', recipients=recipients))
    assert _texts(send) == {"U1": "Hi Aiko", "U2": "Hi friend"}
    assert not RecipientList.objects.exists()  # consumed once prepared


def test_suppressed_and_capped_recipients_get_deliveries_that_say_why_and_are_counted(marketer, line_draft):
    sender = line_draft.sender
    Suppression.objects.create(network="line", ott_id="U1", reason="opt_out", created_by=marketer)
    sender.frequency_cap_24h = 1
    sender.save()
    send_create(draft=line_draft, recipients=[("U2", "")], user=marketer)  # U2 had its one message today
    send = _prepare(_send(line_draft, marketer, "Sale", recipients=[["U1", ""], ["U2", ""], ["U3", ""]]))
    by_id = {d.ott_id: d for d in Delivery.objects.filter(send=send)}
    assert by_id["U1"].status == DS.SUPPRESSED and by_id["U1"].error_message == "On the suppression list: opt_out"
    assert by_id["U2"].status == DS.CAPPED
    assert by_id["U2"].error_message == "Over the frequency cap: 1 messages in the last 24 hours; the cap is 1"
    assert by_id["U1"].finished_at and by_id["U2"].finished_at and by_id["U3"].finished_at is None
    assert by_id["U3"].status == DS.QUEUED
    counts = api_for(marketer).get(f"/api/v1/sends/{send.pk}/").json()["counts"]
    assert (counts["suppressed"], counts["capped"], counts["queued"]) == (1, 1, 1)
    assert send.total == 3
    assert _prepared_detail(send) == "3 deliveries; 1 of them suppressed; 1 over the frequency cap"


def test_a_send_whose_every_recipient_is_left_out_finishes_without_posting(marketer, line_draft):
    Suppression.objects.create(network="line", ott_id="U1", reason="complaint", created_by=marketer)
    send = _prepare(_send(line_draft, marketer, "Sale", recipients=[["U1", ""]]))
    assert send.status == SS.DONE and send.finished_at
    assert Delivery.objects.get(send=send).status == DS.SUPPRESSED


def test_rows_refused_after_filling_are_listed_by_line_and_get_no_delivery(marketer, auditor, line_draft):
    audience = _audience(marketer, [("U1", {"bio": "short"}), ("U2", {"bio": LONG}), ("U3", {"bio": "ok"})])
    send = _send(line_draft, marketer, TWICE, audience=audience)
    Send.objects.filter(pk=send.pk).update(invalid_count=1, refused_lines=[[7, "bad id", "Refused at the confirm"]])
    send = _prepare(send)
    assert sorted(_texts(send)) == ["U1", "U3"] and send.total == 2 and send.prepared == 3
    assert send.invalid_count == 2
    (confirm_line, (line, given, reason)) = send.refused_lines
    assert confirm_line[0] == 7 and (line, given) == (2, "U2") and "UTF-16" in reason
    assert "1 recipient refused after filling in the placeholders" in _prepared_detail(send)
    page = client_for(auditor).get(reverse("messages:send-detail", args=[send.pk])).content.decode()
    assert "UTF-16" in page and "Refused lines" in page


def test_refused_lines_kept_stop_at_the_limit_while_the_count_goes_on(marketer, line_draft, monkeypatch):
    monkeypatch.setattr(preparation, "MAX_REFUSED_KEPT", 2)
    recipients = [[f"U{n}", "", {"bio": LONG}] for n in range(1, 5)]
    send = _prepare(_send(line_draft, marketer, TWICE, recipients=recipients))
    assert send.invalid_count == 4 and [row[0] for row in send.refused_lines] == [1, 2]
    assert send.total == 0 and send.status == SS.DONE


def test_a_send_limit_writes_up_to_that_many_to_send_and_says_how_many_were_left_out(marketer, line_draft):
    Suppression.objects.create(network="line", ott_id="U1", reason="opt_out", created_by=marketer)
    recipients = [[f"U{n}", ""] for n in range(1, 7)]
    send = _prepare(_send(line_draft, marketer, "Sale", recipients=recipients, send_limit=2))
    statuses = dict(Delivery.objects.filter(send=send).values_list("ott_id", "status"))
    assert statuses == {"U1": DS.SUPPRESSED, "U2": DS.QUEUED, "U3": DS.QUEUED}
    assert send.prepared == 3 and send.total == 3
    assert _prepared_detail(send) == (
        "3 deliveries; 1 of them suppressed; "
        "3 recipients left out because of the allowance: the send was limited to 2 messages"
    )


def test_a_send_limit_on_an_audience_counts_what_is_left_of_it(marketer, line_draft, monkeypatch):
    monkeypatch.setattr(preparation, "BATCH", 2)
    audience = _audience(marketer, [(f"U{n}", {}) for n in range(1, 8)])
    send = _prepare(_send(line_draft, marketer, "Sale", audience=audience, send_limit=4))
    assert Delivery.objects.filter(send=send, status=DS.QUEUED).count() == 4
    assert _prepared_detail(send).endswith(
        "3 recipients left out because of the allowance: the send was limited to 4 messages"
    )


class Crash(Exception):
    pass


@pytest.mark.parametrize("source", ["audience", "list"])
def test_a_preparation_that_died_mid_batch_goes_on_after_the_last_batch_kept(marketer, line_draft, monkeypatch, source):
    monkeypatch.setattr(preparation, "BATCH", 2)
    rows = [(f"U{n}", {"bio": LONG if n == 2 else "ok"}) for n in range(1, 8)]
    audience = _audience(marketer, rows) if source == "audience" else None

    def new_send():
        if audience:
            return _send(line_draft, marketer, TWICE, audience=audience, send_limit=5)
        return _send(line_draft, marketer, TWICE, recipients=[[o, "", v] for o, v in rows], send_limit=5)

    send = new_send()
    write = delivery_rows.DeliveryWriter.write
    calls = []

    def dies_at_the_third_batch(self, batch):
        calls.append(1)
        write(self, batch)  # written, then the worker dies before the commit
        if len(calls) == 3:
            raise Crash

    monkeypatch.setattr(delivery_rows.DeliveryWriter, "write", dies_at_the_third_batch)
    with pytest.raises(Crash):
        _prepare(send)
    send.refresh_from_db()
    assert (send.status, send.prepared, send.prepared_line, send.invalid_count) == (SS.PREPARING, 4, 4, 1)
    assert sorted(Delivery.objects.filter(send=send).values_list("ott_id", flat=True)) == ["U1", "U3", "U4"]
    monkeypatch.setattr(delivery_rows.DeliveryWriter, "write", write)
    send = _prepare(send)
    kept = list(Delivery.objects.filter(send=send).order_by("id").values_list("ott_id", flat=True))
    assert kept == ["U1", "U3", "U4", "U5", "U6"]  # U2 refused, U7 past the limit of 5
    assert send.status == SS.QUEUED and send.invalid_count == 1 and len(send.refused_lines) == 1
    assert (send.prepared, send.prepared_line) == (6, 6)
    assert _prepared_detail(send).endswith(
        "1 recipient left out because of the allowance: the send was limited to 5 messages"
    )
    assert send.audience_digest == _prepare(new_send()).audience_digest  # as if it had never stopped
    assert send_counts([send.pk])[send.pk]["queued"] == 5  # the lost batch was not counted either


def test_a_send_canceled_while_a_batch_is_made_gets_no_more_deliveries(marketer, line_draft, monkeypatch):
    monkeypatch.setattr(preparation, "BATCH", 2)
    send = _send(line_draft, marketer, "Sale", recipients=[[f"U{n}", ""] for n in range(1, 8)])
    judge = RowJudge.judge
    calls = []

    def canceled_during_the_second(self, rows):
        calls.append(1)
        if len(calls) == 2:  # a person cancels (another connection, committed at once)
            Send.objects.filter(pk=send.pk).update(status=SS.CANCELED)
        return judge(self, rows)

    monkeypatch.setattr(RowJudge, "judge", canceled_during_the_second)
    send = _prepare(send)
    assert send.status == SS.CANCELED and Delivery.objects.filter(send=send).count() == 2 == send.prepared
    assert len(calls) == 2 and not send.timeline.filter(event=SendEvent.Event.PREPARED).exists()


def test_a_small_send_is_still_prepared_inside_the_confirm(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "ref")], user=marketer)
    assert send.status == SS.QUEUED and send.prepared == 2 == send.total
    assert _texts(send) == {"U1": "セール 😀", "U2": "セール 😀"}
