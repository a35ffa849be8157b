"""Payloads no one here wrote (LINE's SDK tests, Meta's samples; see examples/native/README.md) pass the
portal's native rules, and each one pushed one step past a documented limit is refused at the right path.

The limits below are written down again from LINE's and Meta's references, independently of
`ott.native`: for each place in a fixture that has a limit, the test sets it to exactly the limit
(still accepted) and one step past it (refused at that path), in the unit the network counts.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ott import native, rules
from tests.ott.conftest import valid_body

NATIVE = Path(__file__).parent / "examples" / "native"
FLAG = "🇯🇵"  # 1 character for LINE's grapheme-counted fields, 4 UTF-16 units
APPLE = "🍎"  # 2 UTF-16 units


def _load(network: str) -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(NATIVE.glob(f"{network}-*.json")):
        for entry in json.loads(path.read_text())["messages"]:
            cases.append((f"{path.stem}: {entry['from']}", entry))
    return cases


LINE_CASES = _load("line")
MESSENGER_CASES = _load("messenger")


def _refused(network: str, payload) -> list[str]:
    return [f.path for f in native.problems(network, payload) if not f.warning]


def _warned(network: str, payload) -> list[str]:
    return [f.path for f in native.problems(network, payload) if f.warning]


def test_the_fixtures_are_there():
    assert len(LINE_CASES) == 26 and len(MESSENGER_CASES) == 18
    kinds = {entry["payload"]["type"] for _, entry in LINE_CASES}
    assert kinds == {"text", "sticker", "image", "video", "audio", "location", "imagemap", "template", "flex"}


@pytest.mark.parametrize(("name", "entry"), LINE_CASES, ids=[name for name, _ in LINE_CASES])
def test_every_line_sdk_payload_passes(name, entry):
    assert _refused("line", entry["payload"]) == entry.get("refused", [])
    assert _warned("line", entry["payload"]) == []


@pytest.mark.parametrize(("name", "entry"), MESSENGER_CASES, ids=[name for name, _ in MESSENGER_CASES])
def test_every_meta_sample_passes(name, entry):
    assert _refused("messenger", entry["payload"]) == []
    assert _warned("messenger", entry["payload"]) == entry.get("warnings", [])


@pytest.mark.parametrize(("name", "entry"), LINE_CASES[:3] + MESSENGER_CASES[:3], ids=lambda v: str(v)[:40])
def test_a_fixture_in_a_send_body_passes_the_whole_rule_set(name, entry):
    network = "messenger" if name.startswith("messenger") else "line"
    body = valid_body(network)
    body["message"]["contents"] = [{"type": "native", "nativePayload": entry["payload"]}]
    assert rules.check(body) == []


# --- One step past each limit ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spot:
    """A place in a payload with a documented limit: `at` is the list of keys and indexes to it."""

    at: tuple
    edge: Any  # the value exactly at the limit (accepted)
    past: Any  # one step past it (refused at this place)
    why: str  # the limit, as the reference states it


def _path(at: tuple) -> str:
    out = ""
    for part in at:
        out = f"{out}[{part + 1}]" if isinstance(part, int) else (f"{out}.{part}" if out else part)
    return out


def _get(payload, at):
    for part in at:
        payload = payload[part]
    return payload


def _set(payload, at, value):
    payload = copy.deepcopy(payload)
    _get(payload, at[:-1])[at[-1]] = value
    return payload


def _grown(items: list, size: int) -> list:
    return [copy.deepcopy(items[index % len(items)]) for index in range(size)]


def _text(limit: int, unit: str) -> tuple[str, str]:
    """(at the limit, one past it) in the unit: UTF-16 with emoji (2 units each), graphemes with flags."""
    if unit == "utf16":
        return APPLE * (limit // 2) + "a" * (limit % 2), APPLE * (limit // 2) + "a" * (limit % 2 + 1)
    return FLAG * limit, FLAG * (limit + 1)


def _action_spots(at: tuple, action: Any, label_limit: int) -> Iterator[Spot]:
    if not isinstance(action, dict):
        return
    yield Spot((*at, "label"), *_text(label_limit, "graphemes"), f"action label {label_limit} characters")
    if action.get("type") == "uri":
        yield Spot((*at, "uri"), "https://e.com/" + "u" * 986, "javascript:alert(1)", "uri schemes http/https/line/tel")
    if action.get("type") == "postback" and "displayText" in action:
        yield Spot((*at, "displayText"), *_text(300, "graphemes"), "displayText 300 characters")
    if action.get("type") == "message":
        yield Spot((*at, "text"), *_text(300, "graphemes"), "message action text 300 characters")


def _https(at: tuple) -> Spot:
    edge = "https://e.com/" + "a" * (2000 - len("https://e.com/"))
    return Spot(at, edge, "http://e.com/a.jpg", "https only, at most 2,000")


def _flex_spots(at: tuple, node: Any) -> Iterator[Spot]:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("image", "icon"):
        yield _https((*at, "url"))
    if kind == "video":
        yield _https((*at, "url"))
        yield _https((*at, "previewUrl"))
    if isinstance(node.get("action"), dict):
        yield from _action_spots((*at, "action"), node["action"], 40)
    for key in ("header", "hero", "body", "footer", "altContent"):
        yield from _flex_spots((*at, key), node.get(key))
    if kind == "box":
        for index, child in enumerate(node.get("contents", [])):
            yield from _flex_spots((*at, "contents", index), child)


def line_spots(payload: dict) -> Iterator[Spot]:
    kind = payload["type"]
    if kind == "text":
        yield Spot(("text",), *_text(5000, "utf16"), "text 5,000 UTF-16 units")
    if kind in ("template", "imagemap", "flex"):
        yield Spot(("altText",), *_text(400, "utf16"), "altText 400 UTF-16 units")
    if kind in ("image", "video", "audio"):
        yield _https(("originalContentUrl",))
    if kind in ("image", "video"):
        yield _https(("previewImageUrl",))
    if kind == "location":
        for key in ("title", "address"):
            yield Spot((key,), *_text(100, "utf16"), f"location {key} 100 UTF-16 units")
    if "sender" in payload:
        yield Spot(("sender", "name"), *_text(20, "utf16"), "sender.name 20")
        yield _https(("sender", "iconUrl"))
    if "quickReply" in payload:
        items = payload["quickReply"]["items"]
        yield Spot(("quickReply", "items"), _grown(items, 13), _grown(items, 14), "quick reply 13 items")
        for index, button in enumerate(items):
            yield from _action_spots(("quickReply", "items", index, "action"), button["action"], 20)
    if kind == "imagemap":
        actions = payload["actions"]
        yield _https(("baseUrl",))
        yield Spot(("actions",), _grown(actions, 50), _grown(actions, 51), "imagemap 50 actions")
    if kind == "template":
        template = payload["template"]
        if template["type"] == "buttons":
            header = "thumbnailImageUrl" in template or "title" in template
            yield Spot(("template", "text"), *_text(60 if header else 160, "graphemes"), "buttons text 160/60")
            yield Spot(("template", "title"), *_text(40, "graphemes"), "buttons title 40")
            yield _https(("template", "thumbnailImageUrl"))
            actions = template["actions"]
            yield Spot(("template", "actions"), _grown(actions, 4), _grown(actions, 5), "buttons 4 actions")
            for index, action in enumerate(actions):
                yield from _action_spots(("template", "actions", index), action, 20)
        if template["type"] == "confirm":
            yield Spot(("template", "text"), *_text(240, "graphemes"), "confirm text 240")
            actions = template["actions"]
            yield Spot(("template", "actions"), actions, _grown(actions, 3), "confirm exactly 2 actions")
        if template["type"] == "carousel":
            columns = template["columns"]
            yield Spot(("template", "columns"), _grown(columns, 10), _grown(columns, 11), "carousel 10 columns")
            for index, column in enumerate(columns):
                at = ("template", "columns", index)
                header = "thumbnailImageUrl" in column or "title" in column
                yield Spot((*at, "text"), *_text(60 if header else 120, "graphemes"), "column text 120/60")
                yield _https((*at, "thumbnailImageUrl"))
                for number, action in enumerate(column["actions"]):
                    yield from _action_spots((*at, "actions", number), action, 20)
        if template["type"] == "image_carousel":
            for index, column in enumerate(template["columns"]):
                yield _https(("template", "columns", index, "imageUrl"))
                yield from _action_spots(("template", "columns", index, "action"), column["action"], 12)
    if kind == "flex":
        container = payload["contents"]
        if container["type"] == "carousel":
            bubbles = container["contents"]
            yield Spot(("contents", "contents"), _grown(bubbles, 12), _grown(bubbles, 13), "flex carousel 12 bubbles")
            for index, bubble in enumerate(bubbles):
                yield from _flex_spots(("contents", "contents", index), bubble)
        else:
            yield from _flex_spots(("contents",), container)


def messenger_spots(payload: dict) -> Iterator[Spot]:
    if "text" in payload:
        yield Spot(("text",), "ก" * 2000, "ก" * 2001, "text 2,000 characters")
    for index, _reply in enumerate(payload.get("quick_replies", [])):
        yield Spot(("quick_replies", index, "title"), "t" * 20, "t" * 21, "quick reply title 20")
        yield Spot(("quick_replies", index, "payload"), "p" * 1000, "p" * 1001, "quick reply payload 1,000")
    if "quick_replies" in payload:
        replies = payload["quick_replies"]
        yield Spot(("quick_replies",), _grown(replies, 13), _grown(replies, 14), "13 quick replies")
    attachment = payload.get("attachment", {})
    inner = attachment.get("payload", {})
    base = ("attachment", "payload")

    def buttons(at: tuple, items: list, most: int) -> Iterator[Spot]:
        yield Spot(at, _grown(items, most), _grown(items, most + 1), f"{most} buttons")
        for index, button in enumerate(items):
            if "title" in button:
                yield Spot((*at, index, "title"), "b" * 20, "b" * 21, "button title 20")
            if button.get("type") == "postback":
                yield Spot((*at, index, "payload"), "p" * 1000, "p" * 1001, "postback payload 1,000")

    if inner.get("template_type") == "button":
        yield Spot((*base, "text"), "x" * 640, "x" * 641, "button template text 640")
        yield from buttons((*base, "buttons"), inner["buttons"], 3)
    if inner.get("template_type") == "generic":
        elements = inner["elements"]
        yield Spot((*base, "elements"), _grown(elements, 10), _grown(elements, 11), "10 elements")
        for index, element in enumerate(elements):
            at = (*base, "elements", index)
            yield Spot((*at, "title"), "T" * 80, "T" * 81, "element title 80")
            yield Spot((*at, "subtitle"), "S" * 80, "S" * 81, "element subtitle 80")
            if "buttons" in element:
                yield from buttons((*at, "buttons"), element["buttons"], 3)


def _spot_cases(cases, spots) -> list:
    out = []
    for name, entry in cases:
        for spot in spots(entry["payload"]):
            out.append(pytest.param(entry, spot, id=f"{name} @ {_path(spot.at)} ({spot.why})"))
    return out


LINE_SPOTS = _spot_cases(LINE_CASES, line_spots)
MESSENGER_SPOTS = _spot_cases(MESSENGER_CASES, messenger_spots)


def test_every_fixture_has_limits_to_push():
    assert len(LINE_SPOTS) > 150 and len(MESSENGER_SPOTS) > 40
    assert {spot.values[0]["payload"]["type"] for spot in LINE_SPOTS} >= {"text", "image", "template", "flex"}


@pytest.mark.parametrize(("entry", "spot"), LINE_SPOTS)
def test_line_fixture_at_a_limit_passes_and_one_past_it_is_refused(entry, spot):
    path = _path(spot.at)
    before = set(_refused("line", entry["payload"]))
    at_edge = _refused("line", _set(entry["payload"], spot.at, spot.edge))
    assert path not in at_edge
    assert all(found in before or found.startswith(f"{path}[") for found in at_edge)  # a grown list repeats items
    assert path in _refused("line", _set(entry["payload"], spot.at, spot.past))


@pytest.mark.parametrize(("entry", "spot"), MESSENGER_SPOTS)
def test_messenger_fixture_at_a_limit_passes_and_one_past_it_is_refused(entry, spot):
    path = _path(spot.at)
    assert _refused("messenger", _set(entry["payload"], spot.at, spot.edge)) == []
    assert path in _refused("messenger", _set(entry["payload"], spot.at, spot.past))
