"""The confirm page's phone preview shows what the first recipient who would be messaged gets: their
message filled in from their row (the same message as the request body beside it), labelled as theirs;
the message as written only when it has no placeholders or there is no first recipient yet."""

from __future__ import annotations

import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from audiences.loading import audience_from_rows
from audiences.models import Suppression
from messages.services import draft_create
from ott.payloads import Block, Message
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
GREETING = 'Hello {{ first_name | default: "お客様" }} 🌸'


@pytest.fixture
def greeting_draft(marketer, line_sender):
    message = Message(blocks=(Block("text", text=GREETING),))
    return draft_create(owner=marketer, name="Greeting", sender=line_sender, message=message)


def confirm(user, draft, **given) -> str:
    """The confirm page for recipients given as the send page takes them (unescaped)."""
    client = client_for(user)
    response = client.post(reverse("messages:send-start", args=[draft.pk]), given)
    assert response.status_code == 302, response.content.decode()[:2000]
    return html.unescape(client.get(response["Location"]).content.decode())


def phone(page: str) -> str:
    """The preview part of the page: its heading, its help and the phone."""
    return page.split('data-testid="confirm-preview"', 1)[1].split("</section>", 1)[0]


def first_json(page: str) -> dict:
    return json.loads(page.split('data-testid="confirm-json"><code>', 1)[1].split("</code>", 1)[0])


def test_a_saved_audience_shows_the_first_recipient_messaged_filled_in(marketer, greeting_draft):
    recipients = [{"ott_id": f"U-{n}", "vars": {"first_name": name}} for n, name in enumerate(["Aiko", "花子", ""])]
    audience = audience_from_rows(name="Fans", network="line", user=marketer, recipients=recipients)
    Suppression.objects.create(network="line", ott_id="U-0", reason="opt_out")  # the first row is not messaged

    page = confirm(marketer, greeting_draft, audience=audience.pk)

    shown = phone(page)
    assert "As the first recipient (line 2) will see it" in shown
    assert '<div class="bubble">Hello 花子 🌸</div>' in shown and "{{" not in shown and "Aiko" not in shown
    assert first_json(page)["to"] == {"ottId": "U-1"}  # the same recipient as the request body
    assert first_json(page)["message"]["contents"][0]["text"] == "Hello 花子 🌸"
    assert "{{ first_name" not in page.split("</h1>", 1)[1]  # nowhere on the page the message is unfilled


def test_a_csv_file_fills_the_preview_from_its_first_row_and_an_empty_cell_takes_the_default(marketer, greeting_draft):
    data = b"ott_id,first_name\r\nU-1,\r\nU-2,Ben\r\n"
    page = confirm(marketer, greeting_draft, csv_file=SimpleUploadedFile("fans.csv", data, "text/csv"))
    shown = phone(page)
    assert "As the first recipient (line 2) will see it" in shown  # the file's line: its header is line 1
    assert '<div class="bubble">Hello お客様 🌸</div>' in shown and "{{" not in shown


def test_recipients_with_vars_as_the_api_takes_them_fill_the_preview(marketer, greeting_draft):
    recipients = [{"ott_id": "U-9", "user_reference": "crm-9", "vars": {"First_Name": "Zoë"}}]
    audience = audience_from_rows(name="From the CRM", network="line", user=marketer, recipients=recipients)
    shown = phone(confirm(marketer, greeting_draft, audience=audience.pk))
    assert '<div class="bubble">Hello Zoë 🌸</div>' in shown and "{{" not in shown


def test_a_draft_without_placeholders_shows_its_text_as_what_each_recipient_sees(marketer, line_draft):
    shown = phone(confirm(marketer, line_draft, pasted="U1\nU2\n"))
    assert "What each recipient sees" in shown and "first recipient (line" not in shown
    assert '<div class="bubble">セール 😀</div>' in shown


def test_nobody_to_message_shows_the_message_as_written(marketer, greeting_draft):
    Suppression.objects.create(network="line", ott_id="U1", reason="opt_out")
    page = confirm(marketer, greeting_draft, pasted="U1\n")
    shown = phone(page)
    assert "The message as written" in shown and "Nobody would be messaged, so its placeholders are shown" in shown
    assert GREETING in shown and 'data-testid="confirm-json-none"' in page


def test_a_big_list_shows_the_message_as_written_until_its_plan_brings_the_first_recipients(
    monkeypatch, marketer, greeting_draft
):
    monkeypatch.setattr("messages.views.sends.PLAN_INLINE_MAX", 1)  # as for a list over 5,000
    recipients = [{"ott_id": f"U-{n}", "vars": {"first_name": f"N{n}"}} for n in range(3)]
    audience = audience_from_rows(name="Many", network="line", user=marketer, recipients=recipients)
    client = client_for(marketer)
    location = client.post(reverse("messages:send-start", args=[greeting_draft.pk]), {"audience": audience.pk})[
        "Location"
    ]
    page = html.unescape(client.get(location).content.decode())
    assert 'data-testid="send-plan"' not in page  # worked out in a second request
    waiting = phone(page)
    assert "The message as written" in waiting and "until the plan is worked out" in waiting
    assert GREETING in waiting
    # The plan part replaces the waiting card and the preview together (they share the swapped element).
    swapped = page.split('id="send-plan"', 1)[1].split("<form", 1)[0]
    assert 'hx-swap="outerHTML"' in swapped.split(">", 1)[0] and GREETING in swapped

    part = html.unescape(client.get(f"{location}plan/").content.decode())
    assert "As the first recipient (line 1) will see it" in phone(part)
    assert '<div class="bubble">Hello N0 🌸</div>' in phone(part) and "{{" not in part


@pytest.fixture
def japanese():
    """A browser that asks for Japanese; afterwards this thread speaks English again (the locale
    middleware leaves the language it chose active, and later tests read English)."""
    yield {"HTTP_ACCEPT_LANGUAGE": "ja,en-US;q=0.8"}
    translation.deactivate()


def test_the_preview_is_labelled_in_japanese(marketer, greeting_draft, japanese):
    audience = audience_from_rows(
        name="Fans", network="line", user=marketer, recipients=[{"ott_id": "U-1", "vars": {"first_name": "花子"}}]
    )
    client = client_for(marketer)
    start = reverse("messages:send-start", args=[greeting_draft.pk])
    location = client.post(start, {"audience": audience.pk}, **japanese)["Location"]
    shown = phone(html.unescape(client.get(location, **japanese).content.decode()))
    assert "最初の配信先\uff081行目\uff09に表示される内容" in shown and "Hello 花子 🌸" in shown  # full-width brackets
    assert "As the first recipient" not in shown
