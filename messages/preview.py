"""What the phone preview draws: a message (ott.payloads.Message) turned into a list of bubbles, one
per thing the recipient would see. Templates render them; Django escapes every value, so user content
is text."""

from __future__ import annotations

import json
from typing import Any

from ott.networks import LINE, MESSENGER
from ott.payloads import BLOCK_FIELD_OF_KEY, Block, Message


def _https(url: Any) -> str:
    """A URL the preview may load (https only); anything else is shown as text, not fetched."""
    return url if isinstance(url, str) and url.startswith("https://") else ""


def _seconds(duration: Any) -> str:
    try:
        return f"{int(duration) / 1000:.1f} s"
    except (TypeError, ValueError):
        return ""


def _json_card(payload: Any, label: str) -> dict:
    return {"kind": "json", "label": label, "json": json.dumps(payload, indent=2, ensure_ascii=False)}


def _labels(actions: Any, key: str = "label") -> list[str]:
    return (
        [str(a.get(key) or a.get("title") or "") for a in actions if isinstance(a, dict)]
        if isinstance(actions, list)
        else []
    )


def _line_native(payload: dict) -> dict:
    kind = payload.get("type")
    if kind == "text":
        return {"kind": "text", "text": str(payload.get("text") or "")}
    if kind == "sticker":
        return {
            "kind": "card",
            "label": "Sticker",
            "lines": [f"package {payload.get('packageId')}, sticker {payload.get('stickerId')}"],
        }
    if kind == "location":
        return {
            "kind": "card",
            "label": "Location",
            "lines": [str(payload.get("title") or ""), str(payload.get("address") or "")],
        }
    if kind == "image":
        return {
            "kind": "image",
            "src": _https(payload.get("previewImageUrl")),
            "url": payload.get("originalContentUrl"),
        }
    if kind == "video":
        return {
            "kind": "video",
            "src": _https(payload.get("previewImageUrl")),
            "url": payload.get("originalContentUrl"),
        }
    if kind == "audio":
        return {
            "kind": "audio",
            "url": payload.get("originalContentUrl"),
            "duration": _seconds(payload.get("duration")),
        }
    template = payload.get("template") if kind == "template" else None
    if isinstance(template, dict):
        tkind = template.get("type")
        if tkind == "buttons":
            return {
                "kind": "buttons",
                "image": _https(template.get("thumbnailImageUrl")),
                "title": str(template.get("title") or ""),
                "text": str(template.get("text") or ""),
                "actions": _labels(template.get("actions")),
            }
        if tkind == "confirm":
            return {
                "kind": "buttons",
                "text": str(template.get("text") or ""),
                "actions": _labels(template.get("actions")),
                "confirm": True,
            }
        if tkind in ("carousel", "image_carousel"):
            columns = [
                {
                    "image": _https(c.get("thumbnailImageUrl") or c.get("imageUrl")),
                    "title": str(c.get("title") or ""),
                    "text": str(c.get("text") or ""),
                    "actions": _labels(c.get("actions") if tkind == "carousel" else [c.get("action")]),
                }
                for c in template.get("columns") or []
                if isinstance(c, dict)
            ]
            return {"kind": "carousel", "columns": columns}
    return _json_card(payload, f"LINE {kind or 'native'} message")


def _messenger_native(payload: dict) -> dict:
    attachment = payload.get("attachment")
    if not isinstance(attachment, dict):
        if "text" in payload:
            return {"kind": "text", "text": str(payload.get("text") or "")}
        return _json_card(payload, "Messenger message")
    kind, inner = attachment.get("type"), attachment.get("payload")
    inner = inner if isinstance(inner, dict) else {}
    if kind in ("image", "video", "audio"):
        url = inner.get("url")
        return {"kind": kind, "src": _https(url) if kind == "image" else "", "url": url, "duration": ""}
    if kind == "template" and inner.get("template_type") == "generic":
        columns = [
            {
                "image": _https(e.get("image_url")),
                "title": str(e.get("title") or ""),
                "text": str(e.get("subtitle") or ""),
                "actions": _labels(e.get("buttons"), "title"),
            }
            for e in inner.get("elements") or []
            if isinstance(e, dict)
        ]
        return {"kind": "carousel", "columns": columns}
    if kind == "template" and inner.get("template_type") == "button":
        return {
            "kind": "buttons",
            "text": str(inner.get("text") or ""),
            "actions": _labels(inner.get("buttons"), "title"),
        }
    return _json_card(payload, f"Messenger {kind or 'native'} message")


_NATIVE = {LINE: _line_native, MESSENGER: _messenger_native}  # each network's own message objects


def bubbles(message: Message) -> list[dict]:
    """One bubble per content block of a message, as the recipient's phone would show it."""
    out = []
    for block in message.blocks:
        kind = block.type
        if kind == "text":
            out.append({"kind": "text", "text": str(block.text or "")})
        elif kind == "image":
            out.append({"kind": "image", "src": _https(block.alt_url) or _https(block.url), "url": block.url})
        elif kind == "video":
            out.append({"kind": "video", "src": _https(block.alt_url), "url": block.url})
        elif kind == "audio":
            out.append({"kind": "audio", "url": block.url, "duration": _seconds(block.duration)})
        elif kind == "native":
            payload, draw = block.native_payload, _NATIVE.get(message.network)
            out.append(draw(payload) if isinstance(payload, dict) and draw else _json_card(payload, "Native payload"))
    return out


def template_bubbles(template: dict) -> list[dict]:
    """The bubbles of a send's frozen message (its template: the body without messageKey and to), so
    an approver sees what will go out, not what the draft says now."""
    message = template.get("message") if isinstance(template, dict) else None
    contents = message.get("contents") if isinstance(message, dict) else None
    blocks = tuple(
        Block(**{BLOCK_FIELD_OF_KEY[key]: value for key, value in content.items() if key in BLOCK_FIELD_OF_KEY})
        for content in contents or ()
        if isinstance(content, dict) and "type" in content
    )
    network = (template.get("from") or {}).get("senderType", "")
    return bubbles(Message(network=network, blocks=blocks))
