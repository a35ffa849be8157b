"""A delivery's body is not stored but rebuilt (messages.bodies), byte for byte what `json.dumps`
makes of `send_body`: text, native JSON, emoji and CJK, with and without a userReference or a
messageGroupKey, a recipient's own filled message; and it is exactly what Marketing Cloud receives
from the worker (mocked at the HTTP boundary) and what the history and the API show."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
import responses
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from messages.bodies import Bodies, answer_text
from messages.delivery_rows import DeliveryWriter, message_keys
from messages.models import Delivery, Send
from messages.services import draft_create, send_create
from ott.client import TOKENS
from ott.payloads import Block, Message, message_template, send_body
from tests.conftest import client_for
from tests.messages.conftest import run_worker

NATIVE = {"type": "flex", "altText": "セール “50%” off\\n", "contents": {"type": "bubble", "size": None, "n": 1.5}}
MESSAGES = {
    "text": Message(blocks=(Block("text", text="Hello"),)),
    "cjk and emoji": Message(blocks=(Block("text", text='こんにちは 世界 😀👍🏽 "quoted" \\ tab\t'),), subject="件名"),
    "native": Message(blocks=(Block("text", text="a"), Block("native", native_payload=NATIVE))),
    "group key": Message(blocks=(Block("text", text="b"),), message_group_key="spring-2026", validity_period=600),
}
RECIPIENTS = [("U1", ""), ("", "cust-1"), ("U2", "cust-ü 2"), ("Uüñ😀", "ref")]
BASE = "https://mc.example.test"


def _template(sender, message: Message) -> dict:
    return message_template(replace(message, network=sender.network, sender_id=sender.sender_id))


@pytest.mark.parametrize("name", MESSAGES)
def test_the_body_text_is_what_json_dumps_makes_of_send_body(line_sender, name):
    template = _template(line_sender, MESSAGES[name])
    bodies = Bodies(template)
    key = str(uuid.uuid4())
    for ott_id, reference in RECIPIENTS:
        expected = json.dumps(send_body(template, message_key=key, ott_id=ott_id, user_reference=reference))
        assert bodies.body(key, ott_id, reference) == expected
    filled = {**template["message"], "contents": [{"type": "text", "text": "花子さん 🌸"}]}
    expected = json.dumps({**send_body(template, message_key=key, ott_id="U1"), "message": filled})
    assert bodies.body(key, "U1", "", json.dumps(filled)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("name", MESSAGES)
def test_a_written_delivery_keeps_no_body_and_gives_it_back_exactly(marketer, line_draft, name):
    template = _template(line_draft.sender, MESSAGES[name])
    send = Send.objects.create(
        draft=line_draft,
        draft_name="x",
        sender=line_draft.sender,
        sender_name="x",
        network="line",
        template=template,
        created_by=marketer,
    )
    # As stored: PostgreSQL's jsonb keeps an object's keys in its own order, and every body of the send
    # (posted, shown) is made from the stored template.
    template = Send.objects.get(pk=send.pk).template
    own = {**template["message"], "contents": [{"type": "text", "text": "花子さん 🌸"}]}
    writer = DeliveryWriter(send)
    with transaction.atomic():
        writer.write([writer.row(ott_id, reference) for ott_id, reference in RECIPIENTS])
        writer.write([writer.row("U9", "", message=own)])
    written = list(Delivery.objects.filter(send=send).order_by("id"))
    assert len(written) == len(RECIPIENTS) + 1
    for delivery, (ott_id, reference) in zip(written, RECIPIENTS, strict=False):
        body = send_body(template, message_key=str(delivery.message_key), ott_id=ott_id, user_reference=reference)
        assert delivery.message == ""  # the template's message: nothing of the body is kept on the row
        assert delivery.body == json.dumps(body) and delivery.payload == body
        assert (delivery.ott_id, delivery.user_reference, delivery.status) == (ott_id, reference, "queued")
        assert delivery.created_at <= timezone.now() and delivery.finished_at is None
        assert (delivery.attempts, delivery.validation_errors, delivery.network_events) == (0, [], [])
    personal = written[-1]
    assert json.loads(personal.message) == own
    expected = {**send_body(template, message_key=str(personal.message_key), ott_id="U9"), "message": own}
    assert personal.body == json.dumps(expected)


def test_message_keys_are_time_ordered_version_7_uuids():
    keys = message_keys(per_read=16)
    drawn = [next(keys) for _ in range(1000)]
    assert len(set(drawn)) == 1000
    for key in drawn:
        value = uuid.UUID(key)
        assert value.version == 7 and value.variant == uuid.RFC_4122 and value.hex == key
    assert drawn[0][:12] <= drawn[-1][:12]  # the time first: later keys sort after earlier ones


@pytest.fixture
def mc(settings):
    """Marketing Cloud, mocked at the HTTP boundary: it accepts every post."""
    settings.OTT_AUTH_URL = settings.OTT_REST_URL = BASE
    settings.OTT_CLIENT_ID, settings.OTT_CLIENT_SECRET = "client", "client-secret-value"
    TOKENS.clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{BASE}/v2/token", json={"access_token": "tok", "expires_in": 1080})
        mock.post(f"{BASE}/ott/v1/send", json={"ottRequestId": "r-1"}, status=201)
        yield mock
    TOKENS.clear()


@pytest.mark.django_db(transaction=True)
def test_what_marketing_cloud_receives_is_the_rebuilt_body_byte_for_byte(mc, marketer, auditor, line_sender):
    text = '{{ first_name }}さん、こんにちは 😀 \\ "quoted"'
    message = replace(MESSAGES["cjk and emoji"], blocks=(Block("text", text=text),))
    draft = draft_create(owner=marketer, name="Personal", sender=line_sender, message=message)
    rows = [("U1", "", {"first_name": "花子"}), ("U2", "cust-2", {"first_name": "Zoë"}), ("U3", "", {"first_name": ""})]
    send = run_worker(send_create(draft=draft, recipients=rows, user=marketer))
    received = {
        json.loads(c.request.body)["messageKey"]: c.request.body for c in mc.calls if c.request.url.endswith("/send")
    }
    deliveries = list(send.deliveries.order_by("id"))
    assert len(received) == len(deliveries) == 3 and all(d.status == Delivery.Status.SENT for d in deliveries)
    for delivery in deliveries:
        assert received[str(delivery.message_key)] == delivery.body.encode()
        assert delivery.response_body == ""  # the usual answer is not kept twice ...
        assert json.loads(answer_text(delivery)) == {"ottRequestId": "r-1"}  # ... and is shown all the same
    assert "花子さん" in json.loads(deliveries[0].body)["message"]["contents"][0]["text"]
    shown = client_for(auditor).get(reverse("messages:delivery-detail", args=[deliveries[1].pk])).content.decode()
    assert "Zoëさん" in shown and "r-1" in shown
    api = client_for(auditor).get(f"/api/v1/deliveries/{deliveries[1].pk}/").json()
    assert api["payload"] == json.loads(deliveries[1].body)
