"""The composer pages: save, live validation (htmx), the network switch, reorder, duplicate, delete,
the phone preview and the exact JSON, escaping, and who may do what."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from messages.models import Draft, Send
from messages.services import SAMPLE_MESSAGE_KEY, SAMPLE_OTT_ID, draft_create, send_create
from ott.payloads import Block, Message, build_send_body
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

NATIVE_BUTTONS = {
    "type": "template",
    "altText": "Menu",
    "template": {
        "type": "buttons",
        "title": "Spring menu",
        "text": "Pick one",
        "thumbnailImageUrl": "https://e.com/t.jpg",
        "actions": [{"type": "uri", "label": "Open", "uri": "https://e.com"}],
    },
}


def composer_data(sender, blocks, **fields) -> dict:
    """What the composer form posts: the draft's fields and the blocks formset."""
    data = {
        "name": "Spring sale",
        "sender": sender.pk,
        "blocks-TOTAL_FORMS": len(blocks),
        "blocks-INITIAL_FORMS": 0,
        "blocks-MIN_NUM_FORMS": 0,
        "blocks-MAX_NUM_FORMS": 5,
        **fields,
    }
    for index, block in enumerate(blocks):
        data[f"blocks-{index}-ORDER"] = index + 1
        for key, value in block.items():
            if key == "native_payload" and not isinstance(value, str):
                value = json.dumps(value)
            if key == "is_reusable":
                value = "on" if value else ""
            data[f"blocks-{index}-{key}"] = value
        data.setdefault(f"blocks-{index}-type", "text")
    return data


def validate(user, data):
    return client_for(user).post(reverse("messages:draft-validate"), data, HTTP_HX_REQUEST="true")


def slot(html: str, slot_id: str) -> str:
    start = html.index(f'id="{slot_id}"')
    return html[start : html.index("</div>", start)]


THREE_LINE_BLOCKS = [
    {"type": "text", "text": "セール開始 😀 ลดราคา مرحبا"},
    {"type": "image", "url": "https://e.com/a.jpg", "alt_url": "https://e.com/p.jpg"},
    {"type": "native", "native_payload": NATIVE_BUTTONS},
]


def test_marketer_saves_a_three_block_line_draft_in_any_script(marketer, line_sender):
    response = client_for(marketer).post(reverse("messages:draft-new"), composer_data(line_sender, THREE_LINE_BLOCKS))
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = Draft.objects.get()
    assert draft.owner == marketer
    assert [b.type for b in draft.blocks.all()] == ["text", "image", "native"]
    assert draft.blocks.first().text == "セール開始 😀 ลดราคา مرحبا"
    page = client_for(marketer).get(response["Location"]).content.decode()
    assert "セール開始 😀 ลดราคา مرحبا" in page  # in the field, the preview and the JSON, unmangled
    assert page.count("Spring menu") >= 2


def test_the_page_json_is_exactly_what_the_payload_builder_makes(marketer, line_draft):
    page = client_for(marketer).get(reverse("messages:draft-edit", args=[line_draft.pk])).content.decode()
    body = build_send_body(line_draft.to_message(), message_key=SAMPLE_MESSAGE_KEY, ott_id=SAMPLE_OTT_ID)
    expected = json.dumps(body, indent=2, ensure_ascii=False)
    assert expected.replace('"', "&quot;") in page


def test_live_validation_puts_each_error_by_its_field_and_in_the_summary(marketer, line_sender):
    at_limit = "😀" * 2500  # 5,000 UTF-16 code units: LINE's limit exactly
    ok = validate(marketer, composer_data(line_sender, [{"type": "text", "text": at_limit}])).content.decode()
    assert "problem" not in slot(ok, "summary")
    over = validate(marketer, composer_data(line_sender, [{"type": "text", "text": at_limit + "a"}])).content.decode()
    assert "Shorten the text to 5,000 characters: it has 5,001 (LINE counts an emoji as 2)." in slot(
        over, "err-blocks-0-text"
    )
    assert "Block 1" in slot(over, "summary")
    assert 'hx-swap-oob="true"' in over


def test_messenger_counts_characters_not_code_units(marketer, messenger_sender):
    data = composer_data(messenger_sender, [{"type": "text", "text": "😀" * 2000}], messaging_type="UPDATE")
    assert "problem" not in slot(validate(marketer, data).content.decode(), "summary")
    data["blocks-0-text"] += "a"
    assert "2,000" in slot(validate(marketer, data).content.decode(), "err-blocks-0-text")


def test_switching_three_line_blocks_to_messenger_shows_the_limit_and_keeps_the_blocks(
    marketer, line_sender, messenger_sender
):
    message = Message(blocks=tuple(Block(**block) for block in THREE_LINE_BLOCKS))
    draft = draft_create(owner=marketer, name="Spring", sender=line_sender, message=message)
    data = composer_data(messenger_sender, THREE_LINE_BLOCKS, messaging_type="UPDATE")
    live = validate(marketer, data).content.decode()
    assert "Messenger" in slot(live, "summary") and "1" in slot(live, "summary")
    response = client_for(marketer).post(reverse("messages:draft-edit", args=[draft.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "セール開始" in page and "https://e.com/p.jpg" in page  # nothing lost
    draft.refresh_from_db()
    assert draft.sender == line_sender and draft.blocks.count() == 3
    data["blocks-1-DELETE"] = data["blocks-2-DELETE"] = "on"
    response = client_for(marketer).post(reverse("messages:draft-edit", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.sender == messenger_sender and draft.blocks.count() == 1


def test_message_tag_makes_the_tag_required(marketer, messenger_sender):
    data = composer_data(messenger_sender, [{"type": "text", "text": "hi"}], messaging_type="MESSAGE_TAG")
    live = validate(marketer, data).content.decode()
    assert "tag" in slot(live, "err-draft-tag").lower()
    data["tag"] = "ACCOUNT_UPDATE"
    assert "problem" not in slot(validate(marketer, data).content.decode(), "summary")


def test_native_json_syntax_errors_name_line_and_column(marketer, line_sender):
    data = composer_data(line_sender, [{"type": "native", "native_payload": '{\n  "type": "sticker",\n  oops\n}'}])
    live = validate(marketer, data).content.decode()
    assert "line 3, column 3" in slot(live, "err-blocks-0-native_payload")


def test_reordering_blocks_saves_the_new_order(marketer, line_sender):
    data = composer_data(line_sender, [{"type": "text", "text": "first"}, {"type": "text", "text": "second"}])
    data["blocks-0-ORDER"], data["blocks-1-ORDER"] = 2, 1
    response = client_for(marketer).post(reverse("messages:draft-new"), data)
    assert response.status_code == 302
    assert [b.text for b in Draft.objects.get().blocks.all()] == ["second", "first"]


def test_more_blocks_than_any_network_allows_are_refused(marketer, line_sender):
    data = composer_data(line_sender, [{"type": "text", "text": str(n)} for n in range(6)])
    response = client_for(marketer).post(reverse("messages:draft-new"), data)
    assert response.status_code == 400
    assert "5" in slot(response.content.decode(), "summary")
    assert not Draft.objects.exists()


def test_duplicate_and_delete_leave_history_alone(marketer, line_draft, settings):
    client = client_for(marketer)
    response = client.post(reverse("messages:draft-duplicate", args=[line_draft.pk]))
    copy = Draft.objects.exclude(pk=line_draft.pk).get()
    assert response["Location"] == reverse("messages:draft-edit", args=[copy.pk])
    assert copy.name == "Copy of Spring sale" and copy.blocks.get().text == line_draft.blocks.get().text
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    client.post(reverse("messages:draft-delete", args=[line_draft.pk]))
    send.refresh_from_db()
    assert not Draft.objects.filter(pk=line_draft.pk).exists()
    assert send.draft is None and send.draft_name == "Spring sale" and send.deliveries.count() == 1
    assert send.deliveries.get().payload["message"]["contents"][0]["text"] == "セール 😀"
    assert Send.objects.count() == 1


@pytest.mark.parametrize(
    ("network", "block", "expected"),
    [
        (
            "line",
            {"type": "image", "url": "https://e.com/a.jpg", "alt_url": "https://e.com/p.jpg"},
            'src="https://e.com/p.jpg"',
        ),
        ("line", {"type": "video", "url": "https://e.com/v.mp4", "alt_url": "https://e.com/vp.jpg"}, "▶ Video"),
        ("line", {"type": "audio", "url": "https://e.com/a.m4a", "duration": 13141}, "13.1 s"),
        ("line", {"type": "native", "native_payload": NATIVE_BUTTONS}, "template-action"),
        (
            "line",
            {
                "type": "native",
                "native_payload": {
                    "type": "template",
                    "altText": "ok?",
                    "template": {
                        "type": "confirm",
                        "text": "Sure?",
                        "actions": [
                            {"type": "message", "label": "Yes", "text": "y"},
                            {"type": "message", "label": "No", "text": "n"},
                        ],
                    },
                },
            },
            "template-actions confirm",
        ),
        (
            "line",
            {
                "type": "native",
                "native_payload": {
                    "type": "template",
                    "altText": "c",
                    "template": {
                        "type": "carousel",
                        "columns": [
                            {
                                "title": "A",
                                "text": "a",
                                "actions": [{"type": "uri", "label": "Go", "uri": "https://e.com"}],
                            }
                        ],
                    },
                },
            },
            'class="carousel"',
        ),
        (
            "line",
            {"type": "native", "native_payload": {"type": "sticker", "packageId": "446", "stickerId": "1988"}},
            "package 446, sticker 1988",
        ),
        (
            "line",
            {
                "type": "native",
                "native_payload": {
                    "type": "location",
                    "title": "Shop",
                    "address": "1 Main St",
                    "latitude": 35.6,
                    "longitude": 139.7,
                },
            },
            "1 Main St",
        ),
        (
            "line",
            {"type": "native", "native_payload": {"type": "flex", "altText": "x", "contents": {"type": "bubble"}}},
            "LINE flex message",
        ),
        ("messenger", {"type": "image", "url": "https://e.com/m.jpg"}, 'src="https://e.com/m.jpg"'),
        (
            "messenger",
            {
                "type": "native",
                "native_payload": {
                    "attachment": {
                        "type": "template",
                        "payload": {
                            "template_type": "generic",
                            "elements": [
                                {
                                    "title": "Card",
                                    "subtitle": "Sub",
                                    "buttons": [{"type": "web_url", "title": "Buy", "url": "https://e.com"}],
                                }
                            ],
                        },
                    }
                },
            },
            "Buy",
        ),
        (
            "messenger",
            {
                "type": "native",
                "native_payload": {
                    "attachment": {
                        "type": "template",
                        "payload": {
                            "template_type": "button",
                            "text": "Choose",
                            "buttons": [{"type": "postback", "title": "Pick", "payload": "P"}],
                        },
                    }
                },
            },
            "Pick",
        ),
    ],
)
def test_the_preview_draws_each_block_type_and_template(
    marketer, line_sender, messenger_sender, network, block, expected
):
    sender = line_sender if network == "line" else messenger_sender
    extra = {"messaging_type": "UPDATE"} if network == "messenger" else {}
    live = validate(marketer, composer_data(sender, [block], **extra)).content.decode()
    preview = live[live.index('class="phone') : live.index('class="json-view"')]
    assert expected in preview
    assert "problem" not in slot(live, "summary")


def test_user_content_is_escaped_everywhere(marketer, line_sender):
    evil = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
    data = composer_data(
        line_sender,
        [{"type": "text", "text": evil}, {"type": "native", "native_payload": {"type": "text", "text": evil}}],
        name=evil,
    )
    live = validate(marketer, data).content.decode()
    response = client_for(marketer).post(reverse("messages:draft-new"), data)
    page = client_for(marketer).get(response["Location"]).content.decode()
    for html in (live, page):
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_roles(auditor, outsider, marketer, line_draft, line_sender):
    edit = reverse("messages:draft-edit", args=[line_draft.pk])
    page = client_for(auditor).get(edit)
    assert page.status_code == 200 and "Save draft" not in page.content.decode()
    assert "Send…" not in page.content.decode()
    data = composer_data(line_sender, [{"type": "text", "text": "changed"}])
    assert client_for(auditor).post(edit, data).status_code == 403
    assert client_for(auditor).post(reverse("messages:draft-validate"), data).status_code == 403
    assert client_for(auditor).post(reverse("messages:draft-delete", args=[line_draft.pk])).status_code == 403
    assert client_for(auditor).get(reverse("messages:draft-new")).status_code == 403
    assert client_for(outsider).get(reverse("messages:draft-list")).status_code == 403
    line_draft.refresh_from_db()
    assert line_draft.blocks.get().text == "セール 😀"


def test_draft_list_search_and_filters(marketer, admin, line_draft, messenger_draft):
    client = client_for(marketer)
    url = reverse("messages:draft-list")
    assert "Page news" in client.get(url).content.decode()
    names = client.get(url, {"q": "spring"}).content.decode()
    assert "Spring sale" in names and "Page news" not in names
    by_network = client.get(url, {"network": "messenger"}).content.decode()
    assert "Page news" in by_network and "Spring sale" not in by_network
    assert "No drafts match" in client.get(url, {"owner": admin.pk}).content.decode()


def summary_items(html: str) -> list[str]:
    """The summary's entries as text, tags stripped."""
    import re

    summary = slot(html, "summary") if "error-summary" in html else ""
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def test_errors_give_advice_once_per_field_with_the_documented_message_as_detail(marketer, line_sender):
    blocks = [{"type": "image", "url": "http://e.com/a.jpg", "alt_url": "https://e.com/p.jpg"}, {"type": "text"}]
    items = summary_items(validate(marketer, composer_data(line_sender, blocks)).content.decode())
    assert items == [
        "Block 2 · Text: Type the text of this block, or remove the block. "
        "Marketing Cloud's message: “Text attribute must be provided for Text type Message Content”",
        "Block 1 · URL: Use a secure address that starts with https:// (LINE loads no other).",
    ]
    assert not any("None" in item or "(image):" in item for item in items)


def test_message_tag_error_reads_as_advice(marketer, messenger_sender):
    data = composer_data(messenger_sender, [{"type": "text", "text": "hi"}], messaging_type="MESSAGE_TAG")
    tag = slot(validate(marketer, data).content.decode(), "err-draft-tag")
    assert "Choose a tag: a tagged message (Message tag) must say what kind of update it is." in tag
    assert 'class="error-detail"' in tag and "Tag must be provided as a Custom Key" in tag


def test_too_many_blocks_is_said_in_words(marketer, line_sender):
    data = composer_data(line_sender, [{"type": "text", "text": str(n)} for n in range(6)])
    items = summary_items(validate(marketer, data).content.decode())
    assert "Blocks: A message has at most 5 blocks: remove the ones you do not need." in items
    assert not any("forms" in item for item in items)


def test_a_draft_whose_sender_was_deactivated_says_so_and_offers_the_active_ones(
    marketer, line_draft, line_sender, messenger_sender
):
    line_sender.is_active = False
    line_sender.save()
    page = client_for(marketer).get(reverse("messages:draft-edit", args=[line_draft.pk])).content.decode()
    data = composer_data(line_sender, [{"type": "text", "text": "hi"}])
    live = validate(marketer, data).content.decode()
    for html in (page, live):
        sender = slot(html, "err-draft-sender")
        assert "Demo LINE was deactivated by an admin" in sender
        assert "Choose an active sender: Demo page (Messenger)." in sender
        assert "Select a valid choice" not in html
    assert "Demo LINE (LINE 2000000001), deactivated" in page and "Demo page (Messenger 1000000001)" in page


def test_a_new_draft_starts_as_an_update(marketer):
    page = client_for(marketer).get(reverse("messages:draft-new")).content.decode()
    assert '<option value="UPDATE" selected>' in page


def test_a_line_draft_keeps_no_messenger_keys(marketer, line_sender):
    data = composer_data(line_sender, [{"type": "text", "text": "hi"}], messaging_type="UPDATE")
    assert client_for(marketer).post(reverse("messages:draft-new"), data).status_code == 302
    assert Draft.objects.get().messaging_type == ""


def test_auditors_get_a_read_only_view(auditor, line_draft):
    page = client_for(auditor).get(reverse("messages:draft-edit", args=[line_draft.pk])).content.decode()
    assert "セール 😀" in page and 'class="phone phone-line"' in page and 'id="body-json"' in page
    for control in ("<form", "<textarea", "<select", "Remove", "Add a block", "Duplicate", "Delete", "Save draft"):
        assert control not in page.split('<main id="main"', 1)[1], control


def test_the_page_learns_about_networks_from_the_registry_only(marketer, line_draft):
    from ott.networks import NETWORKS

    page = client_for(marketer).get(reverse("messages:draft-edit", args=[line_draft.pk])).content.decode()
    start = page.index('<script id="network-limits" type="application/json">') + len(
        '<script id="network-limits" type="application/json">'
    )
    limits = json.loads(page[start : page.index("</script>", start)])
    assert limits == {name: network.page_data() for name, network in NETWORKS.items()}
    assert limits["line"]["fields"]["alt_url"] == ["image", "video"] and limits["messenger"]["fields"]["alt_url"] == []
    assert "data-networks" not in page and 'nets="' not in page
