"""Hostile text in every free-text field of the drafts API, the composer, the send API and the senders
API: a faithful round trip or a 400 that names the field, never a 500 or mangled text."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from messages.models import Draft
from tests.conftest import client_for
from tests.messages.conftest import api_for
from tests.messages.test_composer import composer_data

pytestmark = pytest.mark.django_db

KEEP = {
    "rtl marks": "\u200f\u0645\u0631\u062d\u0628\u0627 world\u200f",
    "zero-width joiners": "👨\u200d👩\u200d👧 family",
    "surrogate pairs": "𝄞 😀 𠀀",
    "quotes and tags": "<b>\"'&</b>",
}
REFUSE = {"nul byte": "a\x00b", "lone surrogate": "x\ud800y", "one megabyte": "x" * 1_000_000}
DRAFT_TEXT_FIELDS = ["name", "subject", "message_group_key", "contents[0].text", "contents[0].native"]


def draft_body(sender, field: str, value: str) -> dict:
    body = {"name": "Hostile", "sender": sender.pk, "contents": [{"type": "text", "text": "hi"}]}
    if field == "contents[0].text":
        body["contents"][0]["text"] = value
    elif field == "contents[0].native":
        body["contents"][0] = {"type": "native", "native_payload": {"type": "text", "text": value}}
    else:
        body[field] = value
    return body


def post_json(user, url: str, body: dict):
    # ensure_ascii: a lone surrogate travels as the JSON escape \\ud800, as a hostile client would send it
    return api_for(user).post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("field", DRAFT_TEXT_FIELDS)
@pytest.mark.parametrize("label", list(KEEP) + list(REFUSE))
def test_drafts_api(marketer, line_sender, field, label):
    value = KEEP.get(label) or REFUSE[label]
    if field == "message_group_key" and label in KEEP:
        value = value[:50]
    response = post_json(marketer, "/api/v1/drafts/", draft_body(line_sender, field, value))
    if label in KEEP:
        assert response.status_code == 201, response.json()
        stored = api_for(marketer).get(f"/api/v1/drafts/{response.json()['id']}/").json()
        again = (
            stored["contents"][0]["native_payload"]["text"]
            if field.endswith("native")
            else (stored["contents"][0]["text"] if field.endswith("text") else stored[field])
        )
        assert again == value
    else:
        assert response.status_code == 400, response.content[:300]
        text = json.dumps(response.json())
        assert any(name in text for name in (field.split("[")[0], "contents", "text", "detail"))
        assert not Draft.objects.exists()


@pytest.mark.parametrize("label", ["nul byte", "one megabyte", *list(KEEP)])
def test_composer_form(marketer, line_sender, label):
    value = KEEP.get(label) or REFUSE[label]
    data = composer_data(line_sender, [{"type": "text", "text": value}], subject=value[:200])
    response = client_for(marketer).post(reverse("messages:draft-new"), data)
    if label in KEEP:
        assert response.status_code == 302
        draft = Draft.objects.get()
        assert draft.subject == value[:200] and draft.blocks.get().text == value
    else:
        assert response.status_code == 400
        assert 'class="error"' in response.content.decode()


def test_composer_native_json_with_escaped_nul_is_refused(marketer, line_sender):
    data = composer_data(line_sender, [{"type": "native", "native_payload": '{"type": "text", "text": "a\\u0000"}'}])
    response = client_for(marketer).post(reverse("messages:draft-new"), data)
    assert response.status_code == 400
    assert "text: text must not contain NUL characters" in response.content.decode()


@pytest.mark.parametrize("label", list(REFUSE))
def test_send_api_recipients(marketer, line_draft, label):
    body = {"recipients": [{"ott_id": "U1", "user_reference": REFUSE[label]}]}
    response = post_json(marketer, f"/api/v1/drafts/{line_draft.pk}/send/", body)
    assert response.status_code == 400
    assert "user_reference" in json.dumps(response.json()) or "recipients" in json.dumps(response.json())


@pytest.mark.parametrize("label", list(REFUSE) + list(KEEP))
def test_senders_api_name(admin, label, live_sandbox):
    value = KEEP.get(label) or REFUSE[label]
    body = {
        "network": "line",
        "sender_id": "2000000555",
        "name": value[:100] if label in KEEP else value,
        "channel_secret": "s3cret-value",
    }
    response = post_json(admin, "/api/v1/senders/", body)
    if label in KEEP:
        assert response.status_code == 201, response.json()
        assert response.json()["name"] == value[:100]
    else:
        assert response.status_code == 400
        assert "name" in json.dumps(response.json())


def nested(levels: int) -> str:
    """A LINE text message object with a key nested `levels` objects deep, as raw JSON text."""
    return '{"type": "text", "text": "x", "a": ' + '{"a": ' * levels + "1" + "}" * levels + "}"


@pytest.mark.parametrize("levels", [31, 470, 6000])
def test_drafts_api_refuses_payloads_nested_too_deep_naming_the_path(marketer, line_sender, levels):
    block = f'{{"type": "native", "native_payload": {nested(levels)}}}'
    raw = f'{{"name": "Deep", "sender": {line_sender.pk}, "contents": [{block}]}}'
    response = api_for(marketer).post("/api/v1/drafts/", data=raw, content_type="application/json")
    if levels == 31:  # 32 levels with the message object itself: the most allowed
        assert response.status_code == 201, response.json()
        return
    assert response.status_code == 400
    errors = response.json()
    if levels == 470:
        (message,) = errors["contents[1].native_payload"]
        assert message.startswith("native_payload.a.a.a.a") and "more than 32 levels" in message
    else:  # too deep for the JSON decoder itself: refused before anything else looks at it
        assert "more than 32 levels" in errors["detail"]
    assert not Draft.objects.exists()


@pytest.mark.parametrize("levels", [470, 6000])
@pytest.mark.parametrize("url", ["messages:draft-validate", "messages:draft-new"])
def test_composer_refuses_payloads_nested_too_deep(marketer, line_sender, url, levels):
    data = composer_data(line_sender, [{"type": "native", "native_payload": nested(levels)}])
    response = client_for(marketer).post(reverse(url), data, HTTP_HX_REQUEST="true")
    assert response.status_code == (200 if url.endswith("validate") else 400)
    html = response.content.decode()
    error = html[html.index('id="err-blocks-0-native_payload"') :][:600]
    assert "more than 32 levels" in error
    if levels == 470:
        assert "payload.a.a.a" in error
    assert not Draft.objects.exists()
