"""What a draft says, and the canonical `POST /ott/v1/send` body built from it (camelCase, as in
ott-v1-send.txt).

`Message` and its `Block`s are the one in-memory shape of a draft: the composer's forms, the drafts
API, the services, the rules and the preview all take and give it; the models convert at the edge
(`Draft.to_message`). `message_template` turns a message into the part of the body shared by every
recipient, and `send_body` adds one recipient and its messageKey. Empty optional fields are left out.
customKeys is sent as ONE object in a list, holding every key that is set:
`[{"messagingType": "MESSAGE_TAG", "tag": "...", "notificationType": "..."}]`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, fields
from typing import Any

from ott.networks import NETWORKS

DEFAULT_VALIDITY_PERIOD = 30  # documented as required but "not yet supported": every example sends 30


@dataclass(frozen=True)
class Block:
    type: str
    text: str = ""
    url: str = ""
    alt_url: str = ""
    duration: int | None = None
    native_payload: Any = None
    is_reusable: bool = False
    attachment_id: str = ""


# A block's fields, defined once: the model, the forms, the API and the rules take them from here.
BLOCK_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Block))
# Each block field's key in the request body (the rules speak these; the draft speaks BLOCK_FIELDS).
BLOCK_KEYS: dict[str, str] = {name: re.sub(r"_(\w)", lambda m: m.group(1).upper(), name) for name in BLOCK_FIELDS}
BLOCK_FIELD_OF_KEY: dict[str, str] = {key: name for name, key in BLOCK_KEYS.items()}


@dataclass(frozen=True)
class Message:
    """A draft's message. `network` and `sender_id` are its sender's; a message typed before a
    sender is chosen leaves them empty, and the services set them from the draft's sender."""

    network: str = ""
    sender_id: str = ""
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    subject: str = ""
    message_group_key: str = ""
    messaging_type: str = ""
    tag: str = ""
    notification_type: str = ""
    validity_period: int = DEFAULT_VALIDITY_PERIOD


# The message fields a draft stores beside its blocks and sender.
MESSAGE_FIELDS: tuple[str, ...] = ("subject", "message_group_key", "messaging_type", "tag", "notification_type")


def _absent(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str) and value == "")


def content_json(block: Block) -> dict[str, Any]:
    # Messenger-only fields are kept on LINE too when set, so the rules name the mistake instead of
    # the builder silently dropping it.
    out: dict[str, Any] = {"type": block.type}
    for name, key in BLOCK_KEYS.items():
        value = getattr(block, name)
        if name != "type" and not _absent(value):
            out[key] = value
    return out


def custom_keys_json(message: Message) -> list[dict[str, str]]:
    if not NETWORKS[message.network].needs_custom_keys:
        return []
    keys = {
        "messagingType": message.messaging_type,
        "tag": message.tag if message.messaging_type == "MESSAGE_TAG" else "",
        "notificationType": message.notification_type,
    }
    keys = {name: value for name, value in keys.items() if value}
    return [keys] if keys else []


def message_template(message: Message) -> dict[str, Any]:
    """The body without `messageKey` and `to`: what every recipient of a send gets."""
    body: dict[str, Any] = {}
    if message.message_group_key:
        body["messageGroupKey"] = message.message_group_key
    body["from"] = {"senderType": message.network, "senderId": message.sender_id}
    inner: dict[str, Any] = {}
    if message.subject:
        inner["subject"] = message.subject
    inner["contents"] = [content_json(block) for block in message.blocks]
    custom = custom_keys_json(message)
    if custom:
        inner["customKeys"] = custom
    body["message"] = inner
    body["validityPeriod"] = message.validity_period
    return body


def send_body(template: dict[str, Any], *, message_key: str, ott_id: str = "", user_reference: str = "") -> dict:
    """One recipient's request body, keys in the documented order."""
    recipient = {}
    if ott_id:
        recipient["ottId"] = ott_id
    if user_reference:
        recipient["userReference"] = user_reference
    body: dict[str, Any] = {"messageKey": message_key}
    if "messageGroupKey" in template:
        body["messageGroupKey"] = template["messageGroupKey"]
    body["from"] = dict(template["from"])
    body["to"] = recipient
    body["message"] = copy.deepcopy(template["message"])
    body["validityPeriod"] = template["validityPeriod"]
    return body


def build_send_body(message: Message, *, message_key: str, ott_id: str = "", user_reference: str = "") -> dict:
    return send_body(message_template(message), message_key=message_key, ott_id=ott_id, user_reference=user_reference)
