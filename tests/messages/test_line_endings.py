"""Line breaks are `\\n` from the moment text comes in: a browser's textarea posts `\\r\\n`, and an API
client may send `\\r\\n` or a lone `\\r`. What is counted, stored and sent to Marketing Cloud is `\\n`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messages.forms import BlockForm
from messages.models import Draft
from messages.services import send_create
from ott.text import newlines, newlines_in
from sandbox.models import SandboxMessage
from tests.conftest import client_for
from tests.messages.conftest import api_for, run_worker
from tests.messages.test_composer import composer_data, slot, validate

TYPED = "Spring sale\r\nstarts today\rat 10:00\r\n"
STORED = "Spring sale\nstarts today\nat 10:00\n"


def test_newlines_turn_crlf_and_lone_cr_into_lf():
    assert newlines(TYPED) == STORED
    assert newlines("no breaks") == "no breaks"
    assert newlines_in({"text": "a\r\nb", "k\r": ["c\rd", 1, None]}) == {"text": "a\nb", "k\r": ["c\nd", 1, None]}


def test_the_block_form_normalizes_text_and_native_strings():
    form = BlockForm({"type": "text", "text": TYPED, "native_payload": '{"type": "text",\r\n "text": "a\\r\\nb"}'})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["text"] == STORED
    assert form.cleaned_data["native_payload"] == {"type": "text", "text": "a\nb"}


@pytest.mark.django_db
def test_the_composer_counts_a_line_break_once(marketer, line_sender):
    # 4,998 characters and two line breaks: 5,000 as LINE counts them, 5,002 if \r\n counted twice.
    text = "x" * 2499 + "\r\n" + "x" * 2499 + "\r\n"
    live = validate(marketer, composer_data(line_sender, [{"type": "text", "text": text}])).content.decode()
    assert "problem" not in slot(live, "summary")
    response = client_for(marketer).post(
        reverse("messages:draft-new"), composer_data(line_sender, [{"type": "text", "text": text}], subject="a\r\nb")
    )
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert draft.blocks.get().text == text.replace("\r\n", "\n") and draft.subject == "a\nb"


@pytest.mark.django_db
def test_the_drafts_api_normalizes_and_counts_after(marketer, line_sender):
    body = {
        "name": "Two\r\nlines",
        "sender": line_sender.pk,
        "subject": "Hello\rthere",
        "contents": [
            {"type": "text", "text": "x" * 4998 + "\r\ny"},  # 5,000 after, 5,001 before
            {"type": "native", "native_payload": {"type": "text", "text": "one\r\ntwo"}},
        ],
    }
    response = api_for(marketer).post("/api/v1/drafts/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["name"] == "Two\nlines" and data["subject"] == "Hello\nthere"
    assert data["contents"][0]["text"] == "x" * 4998 + "\ny"
    assert data["contents"][1]["native_payload"]["text"] == "one\ntwo"
    assert "\r" not in str(data["payload_preview"])


@pytest.mark.django_db(transaction=True)
def test_text_typed_with_crlf_reaches_the_sandbox_with_lf(live_sandbox, marketer, line_sender):
    native = '{\r\n  "type": "text",\r\n  "text": "native\\r\\nline"\r\n}'
    data = composer_data(line_sender, [{"type": "text", "text": TYPED}, {"type": "native", "native_payload": native}])
    response = client_for(marketer).post(reverse("messages:draft-new"), data)
    assert response.status_code == 302
    send = run_worker(send_create(draft=Draft.objects.get(), recipients=[("U1", "")], user=marketer))
    assert send.status == "done"
    contents = SandboxMessage.objects.get().request_body["message"]["contents"]
    assert contents[0]["text"] == STORED
    assert contents[1]["nativePayload"]["text"] == "native\nline"
