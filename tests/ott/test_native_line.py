"""LINE native payloads: each limit at its edge and one past it, in the unit LINE counts it in.

UTF-16 code units (an emoji 2, a flag 4, a family emoji 11): message text, altText, location title
and address, sender.name, postback data. Grapheme clusters (a flag or a family emoji 1): action
labels, displayText, message action text, template titles and texts. Source: LINE's "Character
counting in a text" page.
"""

from __future__ import annotations

import copy

import pytest

from ott import native
from ott.native import line_schema
from ott.text import grapheme_length, utf16_length

APPLE = "🍎"  # 1 grapheme, 2 UTF-16 units
FLAG = "🇯🇵"  # 1 grapheme, 4 UTF-16 units (two regional indicators)
FAMILY = "👨‍👩‍👧‍👦"  # 1 grapheme, 11 UTF-16 units (four people joined by ZWJ)
RAINBOW = "🏳️‍🌈"  # 1 grapheme, 6 UTF-16 units (flag, variation selector, ZWJ, rainbow)
THUMB = "👍🏽"  # 1 grapheme, 4 UTF-16 units (emoji + skin tone)
KANJI = "日"  # 1 grapheme, 1 UTF-16 unit
E_ACUTE = "e\u0301"  # 1 grapheme, 2 code points, 2 UTF-16 units


def refusals(payload) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in native.problems("line", payload) if not f.warning]


def paths(payload) -> list[str]:
    return [path for path, _ in refusals(payload)]


@pytest.mark.parametrize(
    ("text", "units", "graphemes"),
    [
        (APPLE, 2, 1),
        (FLAG, 4, 1),
        (FAMILY, 11, 1),
        (RAINBOW, 6, 1),
        (THUMB, 4, 1),
        (KANJI * 2, 2, 2),
        (E_ACUTE, 2, 1),
        ("a\nb", 3, 3),
    ],
)
def test_the_two_units(text, units, graphemes):
    assert utf16_length(text) == units
    assert grapheme_length(text) == graphemes


def test_a_lone_surrogate_is_counted_not_raised():
    assert utf16_length("a\ud800") == 2


# --- The schema: LINE's own published file -----------------------------------------------------------
def test_the_vendored_schema_knows_every_message_type():
    assert line_schema.message_types() == [
        "text", "textV2", "sticker", "image", "video", "audio", "location", "imagemap", "template", "flex", "coupon",
    ]  # fmt: skip


def test_an_unknown_type_is_refused_with_the_types_line_knows():
    assert refusals({"type": "carousel"}) == [
        (
            "type",
            "must be one of: text, textV2, sticker, image, video, audio, location, imagemap, template, flex, coupon.",
        )
    ]


def test_schema_types_and_enums_become_words():
    payload = {"type": "audio", "originalContentUrl": "https://e.com/a.m4a", "duration": "60000"}
    assert refusals(payload) == [("duration", "must be a whole number.")]
    flex = {"type": "flex", "altText": "a", "contents": {"type": "bubble", "direction": "up"}}
    assert refusals(flex) == [("contents.direction", "must be one of: ltr, rtl.")]


def test_nested_types_are_chosen_by_their_own_type_field():
    payload = {
        "type": "template",
        "altText": "a",
        "template": {"type": "buttons", "text": "t", "actions": [{"type": "teleport", "label": "Go"}, {"label": "x"}]},
    }
    assert refusals(payload) == [
        (
            "template.actions[1].type",
            "must be one of: camera, cameraRoll, clipboard, datetimepicker, location, message, postback, "
            "richmenuswitch, uri.",
        ),
        ("template.actions[2].type", "missing; LINE requires it."),
    ]


# --- quickReply ----------------------------------------------------------------------------------------
def with_quick_reply(n: int, **action) -> dict:
    button = {"type": "action", "action": {"type": "message", "label": "Yes", "text": "yes", **action}}
    return {"type": "text", "text": "Pick one", "quickReply": {"items": [copy.deepcopy(button) for _ in range(n)]}}


def test_quick_reply_at_most_13_items():
    assert refusals(with_quick_reply(13)) == []
    assert refusals(with_quick_reply(14)) == [("quickReply.items", "14 items given; LINE allows at most 13.")]


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        (FLAG * 20, True),  # 20 characters, 80 UTF-16 units
        (FLAG * 21, False),
        (FAMILY * 20, True),
        (RAINBOW * 10 + "a" * 10, True),
        ("a" * 21, False),
        (FLAG * 6 + "Yes please", True),  # the case: 16 characters with six flags
    ],
)
def test_quick_reply_label_at_most_20_characters_counting_graphemes(label, ok):
    found = refusals(with_quick_reply(1, label=label))
    if ok:
        assert found == []
    else:
        assert found == [("quickReply.items[1].action.label", "21 characters; LINE allows at most 20.")]


def test_quick_reply_button_needs_an_action_with_a_label_and_an_https_icon():
    payload = {
        "type": "text",
        "text": "t",
        "quickReply": {
            "items": [
                {"type": "action", "imageUrl": "http://e.com/i.png", "action": {"type": "camera"}},
                {"type": "action"},
                {"type": "button", "action": {"type": "location", "label": "Here"}},
            ]
        },
    }
    assert refusals(payload) == [
        ("quickReply.items[1].action.label", "missing; LINE requires it."),
        ("quickReply.items[1].imageUrl", "must be a secure address that starts with https:// (LINE loads no other)."),
        ("quickReply.items[2].action", "missing; LINE requires it."),
        ("quickReply.items[3].type", "must be action."),
    ]
    assert refusals({"type": "text", "text": "t", "quickReply": {}}) == [
        ("quickReply.items", "missing; LINE requires it.")
    ]


def test_quick_reply_only_and_rich_menu_only_actions():
    assert refusals(with_quick_reply(1, type="cameraRoll", label="Photo")) == []
    assert refusals(with_quick_reply(1, type="richmenuswitch", label="Menu", richMenuAliasId="a", data="d")) == [
        (
            "quickReply.items[1].action.type",
            "a richmenuswitch action works only in rich menus, not in a quick reply button.",
        )
    ]
    template = {
        "type": "template",
        "altText": "a",
        "template": {"type": "buttons", "text": "t", "actions": [{"type": "camera", "label": "Camera"}]},
    }
    assert refusals(template) == [
        ("template.actions[1].type", "a camera action works only in quick reply buttons, not in a template button.")
    ]


# --- sender ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "ok"), [(APPLE * 10, True), (APPLE * 10 + "a", False), (KANJI * 20, True)])
def test_sender_name_at_most_20_utf16_units(name, ok):
    found = refusals({"type": "text", "text": "hi", "sender": {"name": name}})
    assert (found == []) is ok
    if not ok:
        assert found == [("sender.name", "21 UTF-16 code units (an emoji counts 2); LINE allows at most 20.")]


def test_sender_icon_must_be_https():
    assert paths({"type": "text", "text": "hi", "sender": {"iconUrl": "http://e.com/i.png"}}) == ["sender.iconUrl"]
    assert refusals({"type": "text", "text": "hi", "sender": {"iconUrl": "https://e.com/i.png"}}) == []


# --- image, video, audio ---------------------------------------------------------------------------------
def test_native_media_need_https_urls_of_at_most_2000_and_their_required_fields():
    long_url = "https://e.com/" + "a" * (2000 - len("https://e.com/"))
    assert refusals({"type": "image", "originalContentUrl": long_url, "previewImageUrl": long_url}) == []
    assert refusals({"type": "image", "originalContentUrl": long_url + "a", "previewImageUrl": "http://e.com/p"}) == [
        ("originalContentUrl", "2,001 characters; LINE allows at most 2,000."),
        ("previewImageUrl", "must be a secure address that starts with https:// (LINE loads no other)."),
    ]
    assert refusals({"type": "image", "originalContentUrl": "https://e.com/a.jpg"}) == [
        ("previewImageUrl", "missing; LINE requires it.")
    ]
    assert refusals({"type": "video", "originalContentUrl": "https://e.com/a.mp4"}) == [
        ("previewImageUrl", "missing; LINE requires it.")
    ]
    assert refusals({"type": "audio", "originalContentUrl": "https://e.com/a.m4a"}) == [
        ("duration", "missing; LINE requires it.")
    ]
    assert refusals({"type": "audio", "originalContentUrl": "ftp://e.com/a.m4a", "duration": 6000}) == [
        ("originalContentUrl", "must be a secure address that starts with https:// (LINE loads no other).")
    ]


# --- location --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("title", "ok"), [(APPLE * 50, True), (APPLE * 50 + "a", False), (KANJI * 100, True)])
def test_location_title_and_address_at_most_100_utf16_units(title, ok):
    payload = {"type": "location", "title": title, "address": title, "latitude": 35.6, "longitude": 139.7}
    assert (paths(payload) == []) is ok
    if not ok:
        assert paths(payload) == ["address", "title"]


# --- altText ---------------------------------------------------------------------------------------------
def template(altText: str = "Menu", **inner) -> dict:
    actions = [{"type": "message", "label": "Yes", "text": "yes"}]
    return {
        "type": "template",
        "altText": altText,
        "template": {"type": "buttons", "text": "t", "actions": actions, **inner},
    }


@pytest.mark.parametrize(
    ("alt_text", "ok"),
    [
        (APPLE * 200, True),  # 400 UTF-16 units
        (APPLE * 200 + "a", False),  # 401 units in 201 characters
        (APPLE * 201, False),  # the 201 apples: 402 units
        (KANJI * 400, True),
        (KANJI * 401, False),
        (FLAG * 100, True),  # a flag is 4 units
        (FLAG * 100 + "a", False),
    ],
)
def test_alt_text_at_most_400_utf16_units(alt_text, ok):
    found = refusals(template(alt_text))
    assert (found == []) is ok
    if not ok:
        units = len(alt_text.encode("utf-16-le")) // 2
        assert found == [("altText", f"{units:,} UTF-16 code units (an emoji counts 2); LINE allows at most 400.")]


# --- templates -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("inner", "limit"),
    [({}, 160), ({"title": "Menu"}, 60), ({"thumbnailImageUrl": "https://e.com/t.jpg"}, 60)],
)
def test_buttons_text_limit_depends_on_image_or_title_counting_graphemes(inner, limit):
    assert refusals(template(text=FAMILY * limit, **inner)) == []
    assert paths(template(text=FAMILY * (limit + 1), **inner)) == ["template.text"]


def test_buttons_title_at_most_40_graphemes():
    assert refusals(template(title=FLAG * 40)) == []
    assert refusals(template(title=FLAG * 41)) == [("template.title", "41 characters; LINE allows at most 40.")]


def test_template_thumbnail_must_be_https():
    assert refusals(template(thumbnailImageUrl="http://e.com/t.jpg")) == [
        ("template.thumbnailImageUrl", "must be a secure address that starts with https:// (LINE loads no other).")
    ]


def test_confirm_text_at_most_240_graphemes():
    actions = [{"type": "message", "label": l, "text": l} for l in ("Yes", "No")]  # noqa: E741
    confirm = {
        "type": "template",
        "altText": "a",
        "template": {"type": "confirm", "text": THUMB * 240, "actions": actions},
    }
    assert refusals(confirm) == []
    confirm["template"]["text"] += "!"
    assert paths(confirm) == ["template.text"]


def carousel(*columns) -> dict:
    return {"type": "template", "altText": "a", "template": {"type": "carousel", "columns": list(columns)}}


def column(text: str, **extra) -> dict:
    return {"text": text, "actions": [{"type": "postback", "label": "Buy", "data": "buy"}], **extra}


@pytest.mark.parametrize(
    ("extra", "limit"),
    [({}, 120), ({"title": "Hat"}, 60), ({"thumbnailImageUrl": "https://e.com/1.jpg"}, 60)],
)
def test_carousel_column_text_60_with_an_image_or_a_title_else_120(extra, limit):
    assert refusals(carousel(column(FAMILY * limit, **extra))) == []
    found = refusals(carousel(column(FAMILY * limit, **extra), column("a" * (limit + 1), **extra)))
    when = " when there is an image or a title (120 without)" if extra else ""
    assert found == [("template.columns[2].text", f"{limit + 1} characters; LINE allows at most {limit}{when}.")]


def test_image_carousel_labels_are_optional_and_at_most_12():
    def image_column(**action):
        return {"imageUrl": "https://e.com/1.jpg", "action": {"type": "uri", "uri": "https://e.com", **action}}

    payload = {"type": "template", "altText": "a", "template": {"type": "image_carousel", "columns": [image_column()]}}
    assert refusals(payload) == []
    payload["template"]["columns"] = [image_column(label=FLAG * 12), image_column(label=FLAG * 13)]
    assert refusals(payload) == [("template.columns[2].action.label", "13 characters; LINE allows at most 12.")]
    payload["template"]["columns"] = [dict(image_column(), imageUrl="http://e.com/1.jpg")]
    assert paths(payload) == ["template.columns[1].imageUrl"]


# --- actions ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("uri", "ok"),
    [
        ("https://example.com/a", True),
        ("http://example.com/a", True),
        ("line://nv/location", True),
        ("tel:+81312345678", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,<b>hi</b>", False),
        ("ftp://example.com/a", False),
        ("example.com/a", False),
    ],
)
def test_uri_actions_open_only_http_https_line_and_tel(uri, ok):
    payload = template()
    payload["template"]["actions"] = [{"type": "uri", "label": "Open", "uri": uri}]
    found = refusals(payload)
    assert (found == []) is ok
    if not ok:
        assert [path for path, _ in found] == ["template.actions[1].uri"]
        assert "LINE opens only http, https, line and tel links" in found[0][1]


def test_uri_action_alt_uri_desktop_scheme_too():
    payload = template()
    payload["template"]["actions"] = [
        {"type": "uri", "label": "Open", "uri": "https://e.com", "altUri": {"desktop": "javascript:void(0)"}}
    ]
    assert paths(payload) == ["template.actions[1].altUri.desktop"]


@pytest.mark.parametrize("key", ["displayText", "fillInText"])
def test_postback_texts_at_most_300_graphemes(key):
    payload = template()
    payload["template"]["actions"] = [{"type": "postback", "label": "Buy", "data": "buy", key: FLAG * 300}]
    assert refusals(payload) == []
    payload["template"]["actions"][0][key] = FLAG * 301
    assert refusals(payload) == [(f"template.actions[1].{key}", "301 characters; LINE allows at most 300.")]


def test_postback_display_text_and_text_not_both():
    payload = template()
    payload["template"]["actions"] = [
        {"type": "postback", "label": "Buy", "data": "b", "displayText": "d", "text": "t"}
    ]
    assert refusals(payload) == [("template.actions[1].text", "a postback action takes displayText or text, not both.")]


def test_message_action_text_required_and_at_most_300_graphemes():
    payload = template()
    payload["template"]["actions"] = [{"type": "message", "label": "Yes", "text": RAINBOW * 300}]
    assert refusals(payload) == []
    payload["template"]["actions"][0]["text"] += "!"
    assert paths(payload) == ["template.actions[1].text"]
    del payload["template"]["actions"][0]["text"]
    assert refusals(payload) == [("template.actions[1].text", "missing; LINE requires it.")]


def test_postback_data_at_most_300_utf16_units_from_the_schema():
    payload = template()
    payload["template"]["actions"] = [{"type": "postback", "label": "Buy", "data": APPLE * 150}]
    assert refusals(payload) == []
    payload["template"]["actions"][0]["data"] += "a"
    assert paths(payload) == ["template.actions[1].data"]


def test_template_button_labels_are_required():
    payload = template()
    payload["template"]["actions"] = [{"type": "postback", "data": "buy"}]
    assert refusals(payload) == [("template.actions[1].label", "missing; LINE requires it.")]


# --- imagemap --------------------------------------------------------------------------------------------
def imagemap(n_actions: int = 1, **changes) -> dict:
    action = {"type": "uri", "linkUri": "https://e.com/", "area": {"x": 0, "y": 0, "width": 520, "height": 1040}}
    payload = {
        "type": "imagemap",
        "baseUrl": "https://e.com/rm001",
        "altText": "Imagemap",
        "baseSize": {"width": 1040, "height": 1040},
        "actions": [copy.deepcopy(action) for _ in range(n_actions)],
    }
    return {**payload, **changes}


def test_imagemap_at_most_50_actions_with_an_https_base_url_and_a_base_size():
    assert refusals(imagemap(50)) == []
    assert refusals(imagemap(51)) == [("actions", "51 actions given; LINE allows at most 50.")]
    assert paths(imagemap(baseUrl="http://e.com/rm001")) == ["baseUrl"]
    assert paths(imagemap(baseUrl="https://e.com/" + "b" * 1987)) == ["baseUrl"]  # 2,001 characters
    payload = imagemap()
    del payload["baseSize"]
    assert refusals(payload) == [("baseSize", "missing; LINE requires it.")]


def test_imagemap_actions_link_schemes_and_text():
    payload = imagemap(2)
    payload["actions"][0]["linkUri"] = "javascript:alert(1)"
    payload["actions"][1] = {"type": "message", "text": APPLE * 200 + "a", "area": payload["actions"][1]["area"]}
    assert paths(payload) == ["actions[1].linkUri", "actions[2].text"]


# --- flex ------------------------------------------------------------------------------------------------
def bubble(**body) -> dict:
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "hi"}]},
        **body,
    }


def flex(contents, altText="Flex") -> dict:
    return {"type": "flex", "altText": altText, "contents": contents}


def test_flex_needs_alt_text_and_a_container():
    assert refusals(flex(bubble())) == []
    assert refusals({"type": "flex", "contents": bubble()}) == [("altText", "missing; LINE requires it.")]
    assert refusals(flex(bubble(), altText=APPLE * 201)) == [
        ("altText", "402 UTF-16 code units (an emoji counts 2); LINE allows at most 400.")
    ]
    assert refusals({"type": "flex", "altText": "a"}) == [("contents", "missing; LINE requires it.")]
    assert refusals(flex({"type": "grid"})) == [("contents.type", "must be one of: bubble, carousel.")]


def test_flex_carousel_at_most_12_bubbles():
    assert refusals(flex({"type": "carousel", "contents": [bubble() for _ in range(12)]})) == []
    assert refusals(flex({"type": "carousel", "contents": [bubble() for _ in range(13)]})) == [
        ("contents.contents", "13 bubbles given; LINE allows at most 12.")
    ]


def test_flex_images_https_and_button_labels_at_most_40():
    hero = {"type": "image", "url": "http://e.com/hero.jpg"}
    button = {"type": "button", "action": {"type": "uri", "label": FLAG * 41, "uri": "https://e.com"}}
    footer = {"type": "box", "layout": "vertical", "contents": [button, {"type": "button"}]}
    assert refusals(flex(bubble(hero=hero, footer=footer))) == [
        ("contents.footer.contents[1].action.label", "41 characters; LINE allows at most 40."),
        ("contents.footer.contents[2].action", "missing; LINE requires it."),
        ("contents.hero.url", "must be a secure address that starts with https:// (LINE loads no other)."),
    ]
    button["action"]["label"] = FLAG * 40
    footer["contents"].pop()
    hero["url"] = "https://e.com/hero.jpg"
    assert refusals(flex(bubble(hero=hero, footer=footer))) == []


def test_flex_button_label_required_but_optional_elsewhere():
    tap = {"type": "uri", "uri": "https://e.com"}
    box = {"type": "box", "layout": "vertical", "action": tap, "contents": [{"type": "button", "action": tap}]}
    assert refusals(flex(bubble(body=box))) == [
        ("contents.body.contents[1].action.label", "missing; LINE requires it.")
    ]


def test_a_native_payload_nested_too_deep_is_one_finding():
    deep: dict = {"type": "box", "layout": "vertical", "contents": []}
    node = deep
    for _ in range(40):
        child = {"type": "box", "layout": "vertical", "contents": []}
        node["contents"].append(child)
        node = child
    found = native.problems("line", flex(bubble(body=deep)))
    assert [(f.path, f.message) for f in found] == [
        ("", "the payload is nested more than 32 levels deep; simplify it (at most 32 levels).")
    ]
