"""Placeholders: found, filled per recipient (emoji and CJK included), never evaluated, and the
filled body checked by the network's rules in the network's own unit."""

from __future__ import annotations

import pytest

from messages import personalize
from ott import rules


def _body(*blocks: dict, network: str = "line") -> dict:
    return {
        "messageKey": "00000000-0000-4000-8000-000000000000",
        "from": {"senderType": network, "senderId": "2000000001"},
        "to": {"ottId": "U-1"},
        "message": {"contents": list(blocks)},
    }


def test_placeholders_are_found_in_text_urls_and_native_strings_first_occurrence_first():
    body = _body(
        {"type": "text", "text": "Hi {{ first_name }}, {{ FIRST_NAME }} again {{city|default:'Tokyo'}}"},
        {"type": "image", "url": "https://example.com/{{ code }}.png", "altUrl": "https://example.com/{{ code }}"},
        {"type": "native", "nativePayload": {"type": "flex", "altText": '{{ 名前 | default: "友達" }}', "n": 3}},
    )
    found = personalize.placeholders(body)
    assert [(p.column, p.default) for p in found] == [
        ("first_name", None),
        ("city", "Tokyo"),
        ("code", None),
        ("名前", "友達"),
    ]
    assert personalize.problems(body) == []
    assert personalize.missing_columns(body, ["First_Name ", "ott_id"]) == ["code"]  # city and 名前 have defaults


@pytest.mark.parametrize(
    "text",
    ["{{ first name }}", "{{ x | upper }}", "Hello {{ name", "{{}}", '{{ x | default: "unclosed }}'],
)
def test_a_malformed_placeholder_is_named_by_its_path(text):
    body = _body({"type": "text", "text": "ok"}, {"type": "text", "text": text})
    [problem] = personalize.problems(body)
    assert problem.path == "contents[2].text" and "{{ column }}" in problem.message


def test_filling_is_plain_substitution_and_never_reads_a_value_as_a_placeholder():
    body = _body(
        {"type": "text", "text": 'Hi {{ name | default: "friend" }} 🎉 {{ code }}'},
        {"type": "native", "nativePayload": {"items": [{"label": "{{ name }}"}, 7, None]}},
    )
    values = personalize.keyed({"Name": "{{ code }} 花子 👨‍👩‍👧", "code": "A1"})
    filled = personalize.fill(body, values)
    assert filled["message"]["contents"][0]["text"] == "Hi {{ code }} 花子 👨‍👩‍👧 🎉 A1"
    assert filled["message"]["contents"][1]["nativePayload"] == {
        "items": [{"label": "{{ code }} 花子 👨‍👩‍👧"}, 7, None]
    }
    assert body["message"]["contents"][0]["text"].startswith("Hi {{ name")  # the template is untouched
    empty = personalize.fill(body, personalize.keyed({"name": "", "code": None}))
    assert empty["message"]["contents"][0]["text"] == "Hi friend 🎉 "


def test_limits_are_counted_after_filling_in_the_networks_unit():
    body = _body({"type": "text", "text": "{{ greeting }}"})
    # LINE counts text in UTF-16 code units: 2,500 emoji are 5,000 units (the limit), one more is over.
    at_limit = personalize.fill(body, {"greeting": "😀" * 2500})
    over = personalize.fill(body, {"greeting": "😀" * 2500 + "a"})
    assert not [p for p in rules.check(at_limit) if p.field.endswith("text")]
    assert [p for p in rules.check(over) if "5,000" in p.message]


def test_a_url_that_stops_being_https_after_filling_is_refused():
    body = _body({"type": "image", "url": "{{ link }}", "altUrl": "https://example.com/a.png"})
    good = personalize.fill(body, {"link": "https://example.com/a.png"})
    bad = personalize.fill(body, {"link": "http://example.com/a.png"})
    assert not [p for p in rules.check(good) if p.field.endswith("url")]
    assert [p for p in rules.check(bad) if p.field.endswith("url")]


def test_sample_values_keep_a_draft_checkable_without_a_recipient():
    body = _body({"type": "image", "url": "https://example.com/{{ code }}.png", "altUrl": "https://example.com/x.png"})
    sample = personalize.fill(body, personalize.sample_values(body))
    assert sample["message"]["contents"][0]["url"] == "https://example.com/code.png"
    assert personalize.has_placeholders(body) and not personalize.has_placeholders(sample)


@pytest.mark.django_db
def test_a_draft_with_placeholders_is_checked_with_stand_ins_and_a_malformed_one_is_named(marketer, line_sender):
    from messages.services import DraftInvalid, draft_create
    from ott.payloads import Block, Message

    good = Message(
        blocks=(
            Block("text", text='Hi {{ first_name | default: "friend" }} 🎉'),
            Block("image", url="{{ image }}", alt_url="https://example.com/{{ code }}.png"),
        )
    )
    draft = draft_create(owner=marketer, name="Personal", sender=line_sender, message=good)
    assert draft.blocks.first().text.startswith("Hi {{ first_name")  # stored as written
    bad = Message(blocks=(Block("text", text="Hi {{ first name }}"),))
    with pytest.raises(DraftInvalid) as refused:
        draft_create(owner=marketer, name="Broken", sender=line_sender, message=bad)
    assert "contents[1].text" in refused.value.errors
    assert "{{ column }}" in refused.value.errors["contents[1].text"][0]
