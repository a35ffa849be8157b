from __future__ import annotations

from messages.models import Draft
from messages.services import SAMPLE_MESSAGE_KEY, SAMPLE_OTT_ID
from ott.payloads import build_send_body
from senders.models import Sender
from tests.messages.conftest import api_for


def draft_payload(sender: Sender, **changes) -> dict:
    return {
        "name": "Spring sale",
        "sender": sender.pk,
        "subject": "Spring",
        "contents": [
            {"type": "text", "text": "こんにちは 😀"},
            {"type": "audio", "url": "https://e.com/a.m4a", "duration": 13141},
        ],
        **changes,
    }


def test_marketer_creates_a_draft_and_gets_the_exact_payload(marketer, line_sender):
    response = api_for(marketer).post("/api/v1/drafts/", draft_payload(line_sender), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    draft = Draft.objects.get()
    assert data["network"] == "line" and data["contents"][0]["text"] == "こんにちは 😀"
    assert data["payload_preview"] == build_send_body(
        draft.to_message(), message_key=SAMPLE_MESSAGE_KEY, ott_id=SAMPLE_OTT_ID
    )
    assert data["payload_preview"]["message"]["contents"][1] == {
        "type": "audio",
        "url": "https://e.com/a.m4a",
        "duration": 13141,
    }
    assert draft.owner == marketer


def test_invalid_drafts_get_400_naming_field_and_block(marketer, line_sender):
    payload = draft_payload(
        line_sender, contents=[{"type": "text", "text": ""}, {"type": "image", "url": "https://e.com/a.jpg"}]
    )
    response = api_for(marketer).post("/api/v1/drafts/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "contents[1].text": ["Text attribute must be provided for Text type Message Content"],
        "contents[2].alt_url": ["AltUrl attribute must be provided for Image and Video type Message Content on LINE"],
    }
    assert not Draft.objects.exists()


def test_six_line_blocks_are_refused(marketer, line_sender):
    payload = draft_payload(line_sender, contents=[{"type": "text", "text": "x"}] * 6)
    response = api_for(marketer).post("/api/v1/drafts/", payload, format="json")
    assert response.json()["contents"] == ["Message object cannot contain more than 5 message objects"]


def test_partial_update_keeps_the_blocks(marketer, line_sender):
    client = api_for(marketer)
    draft_id = client.post("/api/v1/drafts/", draft_payload(line_sender), format="json").json()["id"]
    response = client.patch(f"/api/v1/drafts/{draft_id}/", {"subject": "Summer"}, format="json")
    assert response.status_code == 200
    assert response.json()["subject"] == "Summer" and len(response.json()["contents"]) == 2


def test_auditors_read_outsiders_get_nothing(personas, line_sender):
    api_for(personas["marketer"]).post("/api/v1/drafts/", draft_payload(line_sender), format="json")
    assert api_for(personas["auditor"]).get("/api/v1/drafts/").json()["count"] == 1
    assert (
        api_for(personas["auditor"]).post("/api/v1/drafts/", draft_payload(line_sender), format="json").status_code
        == 403
    )
    draft_id = Draft.objects.get().pk
    assert api_for(personas["auditor"]).delete(f"/api/v1/drafts/{draft_id}/").status_code == 403
    assert api_for(personas["outsider"]).get("/api/v1/drafts/").status_code == 403
    assert api_for(personas["admin"]).delete(f"/api/v1/drafts/{draft_id}/").status_code == 204
