"""`POST /api/v1/drafts/{id}/send/` with an `audience`, recipients with `vars`, `dry_run` and
`up_to_allowance`; the sends API's counts; and the schema that documents them."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from audiences.loading import audience_from_rows
from audiences.models import Audience, Suppression
from messages.models import Delivery, Send
from messages.services import draft_create, send_create
from ott.payloads import Block, Message
from sandbox.models import SandboxMessage
from tests.messages.conftest import api_for

LONG_EMOJI = "😀" * 900  # three of them: 5,400 UTF-16 units, over LINE's 5,000
CJK = "漢" * 1600  # three of them: 4,800, within it


@pytest.fixture
def note_draft(marketer, line_sender):
    message = Message(blocks=(Block("text", text="{{ name }} {{ note | default: '-' }}{{ note }}{{ note }}"),))
    return draft_create(owner=marketer, name="Notes", sender=line_sender, message=message)


def send_url(draft) -> str:
    return f"/api/v1/drafts/{draft.pk}/send/"


def people(user, network="line"):
    recipients = [
        {"ott_id": "U-1", "vars": {"name": "Aiko", "note": CJK}},
        {"ott_id": "U-2", "vars": {"name": "Ben", "note": LONG_EMOJI}},
        {"ott_id": "U-3", "vars": {"name": "花子"}},
    ]
    return audience_from_rows(name="People", network=network, user=user, recipients=recipients)


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_answers_the_plan_and_nothing_is_ever_posted(live_sandbox, marketer, note_draft, line_draft):
    send_create(draft=line_draft, recipients=[("U-capped", "")], user=marketer)
    note_draft.sender.frequency_cap_24h = 1
    note_draft.sender.save()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    posted, deliveries = SandboxMessage.objects.count(), Delivery.objects.count()
    Suppression.objects.create(network="line", ott_id="U-opt", reason="opt_out")
    Suppression.objects.create(network="line", ott_id="U-complained", reason="complaint")
    recipients = [
        {"ott_id": "U-1", "vars": {"name": "Aiko 🌸", "note": CJK}},
        {"ott_id": "U-opt", "vars": {"name": "x"}},
        {"ott_id": "U-2", "vars": {"name": "Ben", "note": LONG_EMOJI}},
        {"ott_id": "U-complained", "vars": {"name": "y"}},
        {"ott_id": "U-capped", "vars": {"name": "z"}},
        {"user_reference": "ref-only"},
        {"ott_id": "U-1", "vars": {"name": "again"}},
    ]
    response = api_for(marketer).post(send_url(note_draft), {"recipients": recipients, "dry_run": True}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["total"], body["duplicates"], body["sendable"], body["capped"]) == (5, 1, 1, 1)
    assert body["suppressed"] == {"opt_out": 1, "complaint": 1}
    assert [row["line"] for row in body["refused"]] == [6, 3] and body["refused_count"] == 2
    assert body["refused"][0]["reason"] == "LINE needs an ottId (the LINE user id)."
    assert "5,000" in body["refused"][1]["reason"]
    assert body["first_body"]["message"]["contents"][0]["text"] == f"Aiko 🌸 {CJK * 3}"
    assert body["allowance_left"] is None and body["quiet_hours_overlap"] is False
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert (SandboxMessage.objects.count(), Delivery.objects.count(), Send.objects.count()) == (posted, deliveries, 1)


@pytest.mark.django_db
def test_a_dry_run_of_an_audience_does_not_mark_it_used(marketer, note_draft):
    audience = people(marketer)
    response = api_for(marketer).post(send_url(note_draft), {"audience": audience.pk, "dry_run": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["total"], response.json()["sendable"], response.json()["refused_count"]) == (3, 2, 1)
    assert not Audience.objects.get(pk=audience.pk).is_used and not Send.objects.exists()


@pytest.mark.django_db
def test_an_audience_send_answers_at_once(settings, marketer, note_draft):
    settings.OTT_PREPARE_INLINE_MAX = 1  # the worker prepares it
    audience = people(marketer)
    response = api_for(marketer).post(send_url(note_draft), {"audience": audience.pk}, format="json")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["total"]) == ("preparing", 3)
    send = Send.objects.get()
    assert send.audience == audience and Audience.objects.get(pk=audience.pk).is_used
    shown = api_for(marketer).get(f"/api/v1/sends/{send.pk}/").json()
    assert (shown["audience"], shown["send_limit"]) == (audience.pk, None)
    assert {"suppressed", "capped", "queued", "sent"} <= set(shown["counts"])


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [False, True])
def test_what_refuses_a_send_refuses_its_dry_run(marketer, note_draft, dry_run):
    client = api_for(marketer)
    other = people(marketer, network="messenger")
    response = client.post(send_url(note_draft), {"audience": other.pk, "dry_run": dry_run}, format="json")
    assert response.status_code == 400 and "an audience of Messenger" in response.json()["audience"][0]
    loading = people(marketer)
    Audience.objects.filter(pk=loading.pk).update(status=Audience.Status.LOADING)
    response = client.post(send_url(note_draft), {"audience": loading.pk, "dry_run": dry_run}, format="json")
    assert response.status_code == 400 and "still being uploaded" in response.json()["audience"][0]
    no_name = [{"ott_id": "U-1", "vars": {"note": "x"}}]
    response = client.post(send_url(note_draft), {"recipients": no_name, "dry_run": dry_run}, format="json")
    assert response.status_code == 400 and "The message uses “name”" in response.json()["recipients"][0]
    both = {"audience": loading.pk, "recipients": [{"ott_id": "U-1"}], "dry_run": dry_run}
    assert "one of the two" in client.post(send_url(note_draft), both, format="json").json()["recipients"][0]
    assert not Send.objects.exists() and not Audience.objects.used().exists()


@pytest.mark.django_db
def test_vars_that_are_not_text_are_named(marketer, note_draft):
    rows = [{"ott_id": "U-1", "vars": {"name": "Aiko"}}, {"ott_id": "U-2", "vars": "Ben"}]
    response = api_for(marketer).post(send_url(note_draft), {"recipients": rows}, format="json")
    assert response.status_code == 400
    assert response.json()["recipients"]["1"]["vars"] == ['Expected a dictionary of items but got type "str".']
    assert not Send.objects.exists()


@pytest.mark.django_db
def test_the_allowance_refuses_with_the_numbers_unless_sending_up_to_it(marketer, line_sender, line_draft):
    line_sender.daily_allowance = 2
    line_sender.save()
    rows = [{"ott_id": f"U-{n}"} for n in range(3)]
    client = api_for(marketer)
    refused = client.post(send_url(line_draft), {"recipients": rows}, format="json")
    assert refused.status_code == 400
    assert (
        "may send 2 messages a day; 0 are used today and this send has 3: 2 left"
        in (refused.json()["up_to_allowance"][0])
    )
    planned = client.post(send_url(line_draft), {"recipients": rows, "dry_run": True}, format="json").json()
    assert planned["allowance_problem"] == refused.json()["up_to_allowance"][0] and planned["send_limit"] is None
    accepted = client.post(send_url(line_draft), {"recipients": rows, "up_to_allowance": True}, format="json")
    assert accepted.status_code == 202 and Send.objects.get().send_limit == 2


@pytest.mark.django_db
def test_the_schema_documents_audience_vars_dry_run_and_the_plan(marketer):
    schema = api_for(marketer).get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    request = components["SendRequest"]["properties"]
    assert {"recipients", "audience", "dry_run", "up_to_allowance", "scheduled_at"} <= set(request)
    assert "vars" in components["Recipient"]["properties"]
    operation = schema["paths"]["/api/v1/drafts/{id}/send/"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SendPlan"
    }
    plan = components["SendPlan"]["properties"]
    assert {
        "total",
        "duplicates",
        "refused",
        "suppressed",
        "capped",
        "allowance_left",
        "estimated_seconds",
        "quiet_hours_overlap",
        "first_body",
    } <= set(plan)
    assert {"audience", "send_limit", "counts"} <= set(components["Send"]["properties"])
