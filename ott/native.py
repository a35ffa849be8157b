"""Checks of native payloads against each network's own limits (templates, stickers, locations...).

Each check yields (path inside the payload, message). Unknown kinds pass: the network decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ott.networks import LINE, MESSENGER, NETWORKS

Found = Iterator[tuple[str, str]]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _too_long(path: str, value: Any, limit: int, label: str) -> Found:
    if isinstance(value, str) and len(value) > limit:
        yield path, f"{label} is {len(value):,} characters; at most {limit:,}."


def _required(path: str, container: dict, key: str, label: str) -> Found:
    value = container.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        yield f"{path}{key}", f"{label} is required."


def _count(path: str, items: Any, low: int, high: int, label: str) -> Found:
    if not isinstance(items, list):
        yield path, f"{label} must be a list of {low} to {high}."
    elif not low <= len(items) <= high:
        exact = f"exactly {low}" if low == high else f"at most {high}" if low == 0 else f"{low} to {high}"
        yield path, f"{label}: {len(items)} given, {exact} allowed."


def _text_limit(name: str, text: str) -> Found:
    """A text message object holds as much as a text block: the network's own limit and unit."""
    network = NETWORKS[name]
    if (size := network.measure_text(text)) > network.text_limit:
        yield "text", f"text is {size:,} {network.text_unit}; {network.label} allows at most {network.text_limit:,}."


# --- LINE ------------------------------------------------------------------------------------------
def _line_action(path: str, action: Any) -> Found:
    if not isinstance(action, dict):
        yield path, "an action must be an object."
        return
    yield from _too_long(f"{path}.label", action.get("label"), 20, "action label")
    yield from _too_long(f"{path}.uri", action.get("uri"), 1000, "action uri")
    yield from _too_long(f"{path}.data", action.get("data"), 300, "postback data")


def _line_actions(path: str, actions: Any, low: int, high: int, label: str) -> Found:
    yield from _count(path, actions, low, high, label)
    if isinstance(actions, list):
        for i, action in enumerate(actions):
            yield from _line_action(f"{path}[{i + 1}]", action)


def _line_template(template: dict) -> Found:
    kind = template.get("type")
    if kind == "buttons":
        has_header = bool(template.get("thumbnailImageUrl") or template.get("title"))
        yield from _too_long("template.title", template.get("title"), 40, "buttons title")
        limit = 60 if has_header else 160
        yield from _required("template.", template, "text", "buttons text")
        yield from _too_long(
            "template.text",
            template.get("text"),
            limit,
            "buttons text" + (" (with an image or title)" if has_header else ""),
        )
        yield from _line_actions("template.actions", template.get("actions"), 1, 4, "buttons actions")
    elif kind == "confirm":
        yield from _required("template.", template, "text", "confirm text")
        yield from _too_long("template.text", template.get("text"), 240, "confirm text")
        yield from _line_actions("template.actions", template.get("actions"), 2, 2, "confirm actions")
    elif kind in ("carousel", "image_carousel"):
        columns = template.get("columns")
        yield from _count("template.columns", columns, 1, 10, f"{kind} columns")
        if isinstance(columns, list):
            counts = set()
            per_column = (1, 1) if kind == "image_carousel" else (1, 3)
            for i, column in enumerate(columns, start=1):
                if not isinstance(column, dict):
                    yield f"template.columns[{i}]", "a column must be an object."
                    continue
                actions = column.get("actions") if kind == "carousel" else [column.get("action")]
                if kind == "carousel":
                    yield from _too_long(f"template.columns[{i}].title", column.get("title"), 40, "column title")
                    yield from _too_long(f"template.columns[{i}].text", column.get("text"), 120, "column text")
                yield from _line_actions(f"template.columns[{i}].actions", actions, *per_column, "column actions")
                if isinstance(actions, list):
                    counts.add(len(actions))
            if len(counts) > 1:
                yield "template.columns", "every carousel column must have the same number of actions."
    else:
        yield "template.type", "template type must be one of buttons, confirm, carousel, image_carousel."


def _line(payload: dict) -> Found:
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        yield (
            "type",
            "a LINE message object needs a type (text, sticker, image, video, audio, location, imagemap, template).",
        )
        return
    if kind == "text":
        text = _str(payload.get("text"))
        if not text:
            yield "text", "text is required."
        yield from _text_limit(LINE, text)
    elif kind == "sticker":
        yield from _required("", payload, "packageId", "sticker packageId")
        yield from _required("", payload, "stickerId", "sticker stickerId")
    elif kind == "location":
        for key in ("title", "address", "latitude", "longitude"):
            yield from _required("", payload, key, f"location {key}")
        yield from _too_long("title", payload.get("title"), 100, "location title")
        yield from _too_long("address", payload.get("address"), 100, "location address")
    elif kind in ("template", "imagemap"):
        yield from _required("", payload, "altText", "altText")
        yield from _too_long("altText", payload.get("altText"), 400, "altText")
        if kind == "template":
            template = payload.get("template")
            if not isinstance(template, dict):
                yield "template", "template must be an object."
            else:
                yield from _line_template(template)


# --- Messenger -------------------------------------------------------------------------------------
def _messenger_buttons(path: str, buttons: Any, low: int) -> Found:
    if buttons is None and low == 0:
        return
    yield from _count(path, buttons, low, 3, "buttons")


def _messenger(payload: dict) -> Found:
    if "text" in payload:
        yield from _text_limit(MESSENGER, _str(payload.get("text")))
    attachment = payload.get("attachment")
    if attachment is None:
        if "text" not in payload:
            yield "", "a Messenger message needs text or an attachment."
        return
    if not isinstance(attachment, dict):
        yield "attachment", "attachment must be an object."
        return
    kind = attachment.get("type")
    inner = attachment.get("payload")
    if kind in ("image", "audio", "video", "file"):
        if isinstance(inner, dict) and isinstance(inner.get("url"), str) and not inner["url"].startswith("https://"):
            yield "attachment.payload.url", "the attachment url must be an https:// URL."
        return
    if kind != "template":
        yield "attachment.type", "attachment type must be one of template, image, audio, video, file."
        return
    if not isinstance(inner, dict):
        yield "attachment.payload", "the template payload must be an object."
        return
    template_type = inner.get("template_type")
    if template_type == "generic":
        elements = inner.get("elements")
        yield from _count("attachment.payload.elements", elements, 1, 10, "generic template elements")
        for i, element in enumerate(elements if isinstance(elements, list) else [], start=1):
            path = f"attachment.payload.elements[{i}]"
            if not isinstance(element, dict):
                yield path, "an element must be an object."
                continue
            yield from _required(f"{path}.", element, "title", "element title")
            yield from _too_long(f"{path}.title", element.get("title"), 80, "element title")
            yield from _too_long(f"{path}.subtitle", element.get("subtitle"), 80, "element subtitle")
            yield from _messenger_buttons(f"{path}.buttons", element.get("buttons"), 0)
    elif template_type == "button":
        yield from _required("attachment.payload.", inner, "text", "button template text")
        yield from _too_long("attachment.payload.text", inner.get("text"), 640, "button template text")
        yield from _messenger_buttons("attachment.payload.buttons", inner.get("buttons"), 1)


_CHECKS = {LINE: _line, MESSENGER: _messenger}


def problems(network: str, payload: dict) -> list[tuple[str, str]]:
    return list(_CHECKS[network](payload))
