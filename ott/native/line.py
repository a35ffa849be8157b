"""LINE message objects: LINE's own schema first, then by hand only what the schema does not encode.

`ott.native.line_schema` checks a payload against LINE's published OpenAPI file (required
properties, types, enums, and the few `maxLength`/`maxItems` it states: quick reply items 13,
`sender.name` 20, postback `data` 300 …). The rules below add what LINE documents in prose only.
Each names its source:

- [REF] LINE Messaging API reference, https://developers.line.biz/en/reference/messaging-api/
  (read from line/line-developers-docs-source, docs/en/reference/messaging-api/index.html.md, Aug 2026)
- [COUNT] LINE Developers, "Character counting in a text",
  https://developers.line.biz/en/docs/messaging-api/text-character-count/ : text is counted in UTF-16
  code units, except action labels, postback/message action `text` and `displayText`, and the
  buttons/confirm/carousel template `title` and `text`, which are counted in grapheme clusters.

Paths count list items from 1 (`template.columns[2].actions[1].label`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ott.native.common import (
    CHARACTERS,
    GRAPHEMES,
    UTF16,
    Finding,
    Found,
    count,
    item,
    join,
    list_at,
    object_at,
    path_order,
    required,
    scheme,
    too_long,
)
from ott.native.line_schema import findings as schema_findings
from ott.networks import LINE as LINE_NAME
from ott.networks import NETWORKS
from ott.words import _, gettext_noop

LINE = "LINE"
TEXT_LIMIT = NETWORKS[LINE_NAME].text_limit  # [REF] text message `text`: 5000 (UTF-16, [COUNT])
URL_LIMIT = 2000  # [REF] every image, video, audio, icon and imagemap base URL: "Max character limit: 2000"
URI_LIMIT = 1000  # [REF] URI action `uri` and `altUri.desktop`, imagemap `linkUri`: "Max character limit: 1000"
# [REF] URI action: "The available schemes are http, https, line, and tel"
URI_SCHEMES = ("http", "https", "line", "tel")
ALT_TEXT_LIMIT = 400  # template, imagemap and flex `altText`, in UTF-16 units ([COUNT]). LINE's current
# reference allows 1,500; the project keeps 400 (shared/spec/NOTES.md), which every LINE client shows whole.
LOCATION_LIMIT = 100  # [REF] location `title` and `address`: 100 (UTF-16, [COUNT])
TRACKING_ID_LIMIT = 100  # [REF] video `trackingId`: 100
IMAGEMAP_ACTIONS = 50  # [REF] imagemap `actions`: "Max: 50"
IMAGEMAP_LABEL_LIMIT = 100  # [REF] imagemap action `label`: 100
IMAGEMAP_TEXT_LIMIT = 400  # [REF] imagemap message action `text`: 400
IMAGEMAP_LINK_LABEL_LIMIT = 30  # [REF] imagemap `video.externalLink.label`: 30
# [REF] postback `displayText`, `text`, `fillInText` and message action `text`: 300 (grapheme clusters, [COUNT])
ACTION_TEXT_LIMIT = 300
FLEX_BUBBLES = 12  # [REF] flex carousel `contents`: "Max: 12 bubbles"
TEMPLATE_COLUMNS = 10  # [REF] carousel and image carousel `columns`: "Max columns: 10"
# [REF] buttons template: title 40, text 160 (60 with an image or a title), 1 to 4 actions;
# confirm: text 240, exactly 2 actions; carousel column: title 40, text 120 (60 with an image or a
# title), 1 to 3 actions. All of these titles and texts are counted in grapheme clusters ([COUNT]).
TEMPLATE_TITLE_LIMIT = 40
BUTTONS_TEXT_LIMIT, BUTTONS_TEXT_WITH_HEADER = 160, 60
CONFIRM_TEXT_LIMIT = 240
COLUMN_TEXT_LIMIT, COLUMN_TEXT_WITH_HEADER = 120, 60

# [REF] "This action can be configured only with quick reply buttons" (camera, camera roll,
# location) and "only with rich menus. It can't be used for Flex Messages or quick replies"
# (rich menu switch): neither may appear in a message elsewhere.
_QUICK_REPLY_ONLY = frozenset({"camera", "cameraRoll", "location"})
_RICH_MENU_ONLY = frozenset({"richmenuswitch"})
_MESSAGE_ACTIONS = frozenset({"postback", "message", "uri", "datetimepicker", "clipboard"})


@dataclass(frozen=True)
class Place:
    """Where an action sits: its label rule depends on it ([REF] "Specifications of the label")."""

    name: str
    label_required: bool
    label_limit: int
    types: frozenset[str]


QUICK_REPLY = Place(gettext_noop("a quick reply button"), True, 20, _MESSAGE_ACTIONS | _QUICK_REPLY_ONLY)
TEMPLATE = Place(gettext_noop("a template button"), True, 20, _MESSAGE_ACTIONS)
DEFAULT_ACTION = Place(gettext_noop("a template's default action"), False, 20, _MESSAGE_ACTIONS)
IMAGE_CAROUSEL = Place(gettext_noop("an image carousel column"), False, 12, _MESSAGE_ACTIONS)
FLEX_BUTTON = Place(gettext_noop("a flex button"), True, 40, _MESSAGE_ACTIONS)
FLEX = Place(gettext_noop("a flex component"), False, 40, _MESSAGE_ACTIONS)


def _https(path: str, value: Any, limit: int = URL_LIMIT) -> Found:
    """[REF] images, videos, audio and icons: "Protocol: HTTPS (TLS 1.2 or later)", at most 2000."""
    if not isinstance(value, str) or not value.strip():
        return
    if scheme(value) != "https":
        yield Finding(path, _("must be a secure address that starts with https:// (LINE loads no other)."))
    yield from too_long(path, value.strip(), limit, CHARACTERS, LINE)


def _link(path: str, value: Any, limit: int = URI_LIMIT) -> Found:
    """A link LINE opens: [REF] schemes http, https, line and tel only; at most 1000."""
    if not isinstance(value, str) or not value.strip():
        return
    if scheme(value) not in URI_SCHEMES:
        if scheme(value):
            words = _("%(scheme)s: links cannot be opened; LINE opens only http, https, line and tel links.")
        else:
            words = _("This link has no scheme and cannot be opened; LINE opens only http, https, line and tel links.")
        yield Finding(path, words % {"scheme": scheme(value)})
    yield from too_long(path, value.strip(), limit, CHARACTERS, LINE)


# --- Actions -----------------------------------------------------------------------------------------
def action(path: str, value: Any, place: Place) -> Found:
    if not isinstance(value, dict):
        return  # the schema names a missing or malformed action
    kind = value.get("type")
    if kind in _RICH_MENU_ONLY:
        words = _("a %(type)s action works only in rich menus, not in %(place)s.")
        yield Finding(join(path, "type"), words % {"type": kind, "place": _(place.name)})
    elif kind in _QUICK_REPLY_ONLY and kind not in place.types:
        words = _("a %(type)s action works only in quick reply buttons, not in %(place)s.")
        yield Finding(join(path, "type"), words % {"type": kind, "place": _(place.name)})
    label = value.get("label")
    if place.label_required and kind not in _RICH_MENU_ONLY:
        yield from required(path, value, "label", LINE)
    yield from too_long(join(path, "label"), label, place.label_limit, GRAPHEMES, LINE)
    if kind == "postback":
        for key in ("displayText", "text", "fillInText"):
            yield from too_long(join(path, key), value.get(key), ACTION_TEXT_LIMIT, GRAPHEMES, LINE)
        if value.get("displayText") is not None and value.get("text") is not None:
            # [REF] postback: "The displayText and text properties can't both be used at the same time."
            yield Finding(join(path, "text"), _("a postback action takes displayText or text, not both."))
    elif kind == "message":
        yield from required(path, value, "text", LINE)  # [REF] message action `text`: required
        yield from too_long(join(path, "text"), value.get("text"), ACTION_TEXT_LIMIT, GRAPHEMES, LINE)
    elif kind == "uri":
        yield from required(path, value, "uri", LINE)  # [REF] URI action `uri`: required
        yield from _link(join(path, "uri"), value.get("uri"))
        alt = object_at(value, "altUri")
        if alt is not None:
            yield from _link(join(join(path, "altUri"), "desktop"), alt.get("desktop"))
    elif kind == "datetimepicker":
        for key in ("data", "mode"):  # [REF] datetime picker action: `data` and `mode` required
            yield from required(path, value, key, LINE)


def _actions(path: str, value: Any, low: int, high: int, place: Place) -> Found:
    yield from count(path, value, low, high, LINE, "actions")
    for index, entry in enumerate(value if isinstance(value, list) else []):
        yield from action(item(path, index), entry, place)


# --- Message-level properties ------------------------------------------------------------------------
def _quick_reply(value: Any) -> Found:
    """[REF] quick reply: `items` required (at most 13, in the schema); each button `type` "action",
    an `action` (required), an optional `imageUrl` (https, at most 2000)."""
    if not isinstance(value, dict):
        return
    yield from required("quickReply", value, "items", LINE)
    for index, button in enumerate(list_at(value, "items")):
        path = item("quickReply.items", index)
        if not isinstance(button, dict):
            continue  # the schema names it
        if button.get("type", "action") != "action":
            yield Finding(join(path, "type"), _("must be action."))
        yield from required(path, button, "action", LINE)
        yield from _https(join(path, "imageUrl"), button.get("imageUrl"))
        yield from action(join(path, "action"), button.get("action"), QUICK_REPLY)


def _sender(value: Any) -> Found:
    """[REF] `sender.iconUrl`: HTTPS, at most 2000 (`sender.name`, at most 20, is in the schema)."""
    if isinstance(value, dict):
        yield from _https("sender.iconUrl", value.get("iconUrl"))


# --- Message types -------------------------------------------------------------------------------------
def _text(payload: dict) -> Found:
    text = payload.get("text")
    if isinstance(text, str) and (size := UTF16.measure(text)) > TEXT_LIMIT:
        words = _("%(size)s UTF-16 code units (an emoji counts 2); LINE allows at most %(limit)s.")
        yield Finding("text", words % {"size": f"{size:,}", "limit": f"{TEXT_LIMIT:,}"})


def _media(payload: dict) -> Found:
    for key in ("originalContentUrl", "previewImageUrl"):
        yield from _https(key, payload.get(key))
    yield from too_long("trackingId", payload.get("trackingId"), TRACKING_ID_LIMIT, CHARACTERS, LINE)


def _location(payload: dict) -> Found:
    for key in ("title", "address"):
        yield from too_long(key, payload.get(key), LOCATION_LIMIT, UTF16, LINE)


def _alt_text(payload: dict) -> Found:
    yield from too_long("altText", payload.get("altText"), ALT_TEXT_LIMIT, UTF16, LINE)


def _imagemap(payload: dict) -> Found:
    yield from _https("baseUrl", payload.get("baseUrl"))
    yield from _alt_text(payload)
    actions = payload.get("actions")
    yield from count("actions", actions, 1, IMAGEMAP_ACTIONS, LINE, "actions")
    for index, entry in enumerate(actions if isinstance(actions, list) else []):
        if not isinstance(entry, dict):
            continue
        path = item("actions", index)
        yield from too_long(join(path, "label"), entry.get("label"), IMAGEMAP_LABEL_LIMIT, UTF16, LINE)
        if entry.get("type") == "uri":
            yield from _link(join(path, "linkUri"), entry.get("linkUri"))
        elif entry.get("type") == "message":
            yield from too_long(join(path, "text"), entry.get("text"), IMAGEMAP_TEXT_LIMIT, UTF16, LINE)
    video = object_at(payload, "video")
    if video is not None:
        for key in ("originalContentUrl", "previewImageUrl"):
            yield from _https(join("video", key), video.get(key))
        link = object_at(video, "externalLink")
        if link is not None:
            yield from _link("video.externalLink.linkUri", link.get("linkUri"))
            yield from too_long("video.externalLink.label", link.get("label"), IMAGEMAP_LINK_LABEL_LIMIT, UTF16, LINE)


def _template(payload: dict) -> Found:
    yield from _alt_text(payload)
    template = object_at(payload, "template")
    if template is None:
        return
    kind = template.get("type")
    if kind == "buttons":
        yield from _https("template.thumbnailImageUrl", template.get("thumbnailImageUrl"))
        yield from too_long("template.title", template.get("title"), TEMPLATE_TITLE_LIMIT, GRAPHEMES, LINE)
        header = bool(template.get("thumbnailImageUrl") or template.get("title"))
        text = template.get("text")
        yield from _header_text("template.text", text, header, BUTTONS_TEXT_WITH_HEADER, BUTTONS_TEXT_LIMIT)
        yield from _actions("template.actions", template.get("actions"), 1, 4, TEMPLATE)
        yield from action("template.defaultAction", template.get("defaultAction"), DEFAULT_ACTION)
    elif kind == "confirm":
        yield from too_long("template.text", template.get("text"), CONFIRM_TEXT_LIMIT, GRAPHEMES, LINE)
        yield from _actions("template.actions", template.get("actions"), 2, 2, TEMPLATE)
    elif kind == "carousel":
        yield from _carousel(template)
    elif kind == "image_carousel":
        columns = template.get("columns")
        yield from count("template.columns", columns, 1, TEMPLATE_COLUMNS, LINE, "columns")
        for index, column in enumerate(columns if isinstance(columns, list) else []):
            if isinstance(column, dict):
                path = item("template.columns", index)
                yield from _https(join(path, "imageUrl"), column.get("imageUrl"))
                yield from action(join(path, "action"), column.get("action"), IMAGE_CAROUSEL)


def _header_text(path: str, value: Any, header: bool, with_header: int, without: int) -> Found:
    """A template text whose limit is lower when the template (or column) has an image or a title."""
    limit = with_header if header else without
    if isinstance(value, str) and (size := GRAPHEMES.measure(value)) > limit:
        values = {"size": f"{size:,}", "limit": f"{limit:,}", "without": f"{without:,}"}
        if header:
            words = _(
                "%(size)s characters; LINE allows at most %(limit)s when there is an image or a title "
                "(%(without)s without)."
            )
        else:
            words = _("%(size)s characters; LINE allows at most %(limit)s.")
        yield Finding(path, words % values)


def _carousel(template: dict) -> Found:
    columns = template.get("columns")
    yield from count("template.columns", columns, 1, TEMPLATE_COLUMNS, LINE, "columns")
    sizes = set()
    for index, column in enumerate(columns if isinstance(columns, list) else []):
        if not isinstance(column, dict):
            continue
        path = item("template.columns", index)
        yield from _https(join(path, "thumbnailImageUrl"), column.get("thumbnailImageUrl"))
        yield from too_long(join(path, "title"), column.get("title"), TEMPLATE_TITLE_LIMIT, GRAPHEMES, LINE)
        header = bool(column.get("thumbnailImageUrl") or column.get("title"))
        text = column.get("text")
        yield from _header_text(join(path, "text"), text, header, COLUMN_TEXT_WITH_HEADER, COLUMN_TEXT_LIMIT)
        yield from _actions(join(path, "actions"), column.get("actions"), 1, 3, TEMPLATE)
        yield from action(join(path, "defaultAction"), column.get("defaultAction"), DEFAULT_ACTION)
        if isinstance(column.get("actions"), list):
            sizes.add(len(column["actions"]))
    if len(sizes) > 1:
        # [REF] "Keep the number of actions consistent for all columns."
        yield Finding("template.columns", _("every column must have the same number of actions."))


# --- Flex ------------------------------------------------------------------------------------------------
def _flex(payload: dict) -> Found:
    yield from _alt_text(payload)
    container = object_at(payload, "contents")
    if container is None:
        return
    if container.get("type") == "carousel":
        bubbles = container.get("contents")
        yield from count("contents.contents", bubbles, 1, FLEX_BUBBLES, LINE, "bubbles")
        for index, bubble in enumerate(bubbles if isinstance(bubbles, list) else []):
            yield from _bubble(item("contents.contents", index), bubble)
    elif container.get("type") == "bubble":
        yield from _bubble("contents", container)


def _bubble(path: str, bubble: Any) -> Found:
    if not isinstance(bubble, dict):
        return
    for block in ("header", "hero", "body", "footer"):
        yield from _component(join(path, block), bubble.get(block))
    yield from action(join(path, "action"), bubble.get("action"), FLEX)


def _component(path: str, component: Any) -> Found:
    """A flex component and everything inside it. Depth is bounded: native payloads nested more than
    `ott.text.MAX_DEPTH` levels are refused before any check walks them."""
    if not isinstance(component, dict):
        return
    kind = component.get("type")
    if kind == "button":
        yield from action(join(path, "action"), component.get("action"), FLEX_BUTTON)
    else:
        yield from action(join(path, "action"), component.get("action"), FLEX)
    if kind in ("image", "icon"):
        yield from _https(join(path, "url"), component.get("url"))  # [REF] flex image and icon `url`: HTTPS, 2000
    elif kind == "video":
        for key in ("url", "previewUrl"):  # [REF] flex video `url` and `previewUrl`: HTTPS, 2000
            yield from _https(join(path, key), component.get(key))
        yield from _component(join(path, "altContent"), component.get("altContent"))
    elif kind == "box":
        for index, child in enumerate(list_at(component, "contents")):
            yield from _component(item(join(path, "contents"), index), child)


# --- The message object ------------------------------------------------------------------------------------
_BY_TYPE = {
    "text": _text,
    "textV2": _text,  # [REF] text message (v2) `text`: 5000
    "image": _media,
    "video": _media,
    "audio": _media,
    "location": _location,
    "imagemap": _imagemap,
    "template": _template,
    "flex": _flex,
}


def findings(payload: dict) -> list[Finding]:
    """Every reason LINE would refuse this message object (the schema's and the hand rules'), by path."""
    out = list(schema_findings(payload))
    out.extend(_quick_reply(payload.get("quickReply")))
    out.extend(_sender(payload.get("sender")))
    check = _BY_TYPE.get(payload.get("type")) if isinstance(payload.get("type"), str) else None
    if check is not None:
        out.extend(check(payload))
    unique: dict[tuple[str, str], Finding] = {}
    for finding in out:
        unique.setdefault((finding.path, finding.message), finding)
    return sorted(unique.values(), key=lambda finding: path_order(finding.path))
