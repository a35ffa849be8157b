"""A native payload's problems reach the marketer at their path, beside the JSON editor (composer) and
keyed by block (API); a warning is shown and returned, never a reason to refuse."""

from __future__ import annotations

import html

import pytest

from messages.models import Draft
from tests.messages.conftest import api_for
from tests.messages.test_composer import composer_data, slot, validate

pytestmark = pytest.mark.django_db

QUICK_REPLY_14 = {
    "type": "text",
    "text": "Pick one",
    "quickReply": {
        "items": [{"type": "action", "action": {"type": "message", "label": "🇯🇵" * 6 + "Yes please", "text": "y"}}] * 14
    },
}
HTTP_IMAGE = {"attachment": {"type": "image", "payload": {"url": "http://www.messenger-rocks.com/image.jpg"}}}


def test_the_composer_shows_a_native_problem_at_its_path_beside_the_json_editor(marketer, line_sender):
    live = html.unescape(
        validate(
            marketer, composer_data(line_sender, [{"type": "native", "native_payload": QUICK_REPLY_14}])
        ).content.decode()
    )
    beside = slot(live, "err-blocks-0-native_payload")
    assert "In the native payload, at quickReply.items: 14 items given; LINE allows at most 13." in beside
    assert 'class="error"' in beside
    assert "1 problem to fix" in slot(live, "summary")


def test_the_composer_shows_a_warning_without_blocking_the_save(marketer, messenger_sender):
    blocks = [{"type": "native", "native_payload": HTTP_IMAGE}]
    data = composer_data(messenger_sender, blocks, messaging_type="UPDATE")
    live = validate(marketer, data).content.decode()
    beside = slot(live, "err-blocks-0-native_payload")
    assert 'class="warning"' in beside and "plain http://" in beside
    assert "problem" not in slot(live, "summary")
    response = api_for(marketer).post(
        "/api/v1/drafts/",
        {
            "name": "n",
            "sender": messenger_sender.pk,
            "messaging_type": "UPDATE",
            "contents": [{"type": "native", "native_payload": HTTP_IMAGE}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_the_api_names_the_path_inside_the_payload(marketer, line_sender):
    payload = {
        "name": "n",
        "sender": line_sender.pk,
        "contents": [{"type": "text", "text": "hi"}, {"type": "native", "native_payload": QUICK_REPLY_14}],
    }
    response = api_for(marketer).post("/api/v1/drafts/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "contents[2].native_payload": ["Block 2 (native): quickReply.items: 14 items given; LINE allows at most 13."]
    }
    assert not Draft.objects.exists()
    payload["contents"][1]["native_payload"]["quickReply"]["items"] = QUICK_REPLY_14["quickReply"]["items"][:13]
    response = api_for(marketer).post("/api/v1/drafts/", payload, format="json")
    assert response.status_code == 201, response.json()  # six flags and ten letters: a 16-character label
    assert response.json()["warnings"] == {}


def test_the_api_returns_warnings_and_keeps_the_draft(marketer, messenger_sender):
    payload = {
        "name": "n",
        "sender": messenger_sender.pk,
        "messaging_type": "UPDATE",
        "contents": [{"type": "image", "url": "http://www.messenger-rocks.com/image.jpg"}],
    }
    response = api_for(marketer).post("/api/v1/drafts/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["warnings"] == {
        "contents[1].url": [
            "Block 1 (image): url is not https://: Messenger accepts it, but the file travels unencrypted."
        ]
    }
    again = api_for(marketer).get(f"/api/v1/drafts/{response.json()['id']}/").json()
    assert again["warnings"] == response.json()["warnings"]
