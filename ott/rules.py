"""Validation of a `POST /ott/v1/send` body: pure functions, no Django.

Two layers:
- the contract layer: what Marketing Cloud itself checks, with the documented messages and codes
  (ott-v1-send.txt "Possible Errors"), plus the rules the doc states without a message;
- the network layer: what LINE or Messenger refuse after Marketing Cloud has accepted a message.

`check(body)` is the one entry point for forms, serializers, services and the sandbox. It never
raises on odd input: every problem comes back as a `Problem`, all of them at once, in a stable order
(the order of the doc's error table, then block order, then the network rules).

`warnings(body)` gives what the network accepts but may not deliver well (an http:// attachment on
Messenger): shown beside the field, never a reason to refuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ott import native
from ott.networks import CONTENT_TYPES, MESSAGE_TAGS, MESSAGING_TYPES, NETWORKS, NOTIFICATION_TYPES, Network
from ott.payloads import BLOCK_KEYS
from ott.text import unsafe_path
from ott.words import _, ngettext

# Error codes. 10006 (envelope) and 10002 ("... must be provided") are documented; the others are ours.
ENVELOPE = 10006
MISSING = 10002
TOO_MANY_CONTENTS = 10004
INVALID_VALUE = 10007
NETWORK_LENGTH = 20001
NETWORK_URL = 20002
NETWORK_DURATION = 20003
NETWORK_UNSUPPORTED = 20004
NETWORK_ENUM = 20005
NETWORK_NATIVE = 20006
NETWORK_FORMAT = 20007

ENVELOPE_MESSAGE = "Please fix the following errors"
KEY_LIMIT = 100  # messageKey / messageGroupKey: "CanBeAGUIDorAny100UnicodeCharString"
RECIPIENT_LIMIT = 256


@dataclass(frozen=True)
class Problem:
    """One reason a request would be refused.

    `field` is the camelCase path in the body; a problem in a content block also carries the block
    (counting from 1) and the block's own key (`altUrl`), so callers never parse the path. `message`
    is the documented Marketing Cloud message (or the network rule's); `advice` says what to do, in
    a marketer's words.
    """

    field: str
    message: str
    code: int
    layer: str  # "contract" or "network"
    block: int | None = None
    key: str = ""
    advice: str = ""
    warning: bool = False  # accepted by the network, but worth fixing; never a reason to refuse

    def as_validation_error(self) -> dict[str, Any]:
        """The item shape Marketing Cloud uses in `validationErrors`."""
        return {"message": self.message, "errorcode": self.code, "documentation": ""}


# --- Keys are matched case-insensitively; `payload` is accepted for `nativePayload` -----------------
_CANONICAL = {
    "top": ("messageKey", "messageGroupKey", "from", "to", "message", "validityPeriod"),
    "from": ("senderType", "senderId"),
    "to": ("ottId", "userReference"),
    "message": ("subject", "contents", "customKeys"),
    "content": tuple(BLOCK_KEYS.values()),
    "customKeys": ("messagingType", "tag", "notificationType"),
}
_LOOKUP = {level: {key.lower(): key for key in keys} for level, keys in _CANONICAL.items()}
_LOOKUP["content"]["payload"] = "nativePayload"


def _canonical_keys(data: Any, level: str) -> Any:
    if not isinstance(data, Mapping):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = _LOOKUP[level].get(str(key).lower(), key)
        if name == "nativePayload" and "nativePayload" in out:
            continue  # an explicit nativePayload wins over the `payload` alias
        out[name] = value
    return out


def normalize(body: Any) -> Any:
    """The body with canonical camelCase keys (native payloads are left exactly as they are)."""
    body = _canonical_keys(body, "top")
    if not isinstance(body, dict):
        return body
    for key, level in (("from", "from"), ("to", "to"), ("message", "message")):
        body[key] = _canonical_keys(body.get(key), level)
    message = body.get("message")
    if isinstance(message, dict):
        contents = message.get("contents")
        if isinstance(contents, list):
            message["contents"] = [_canonical_keys(block, "content") for block in contents]
        custom = message.get("customKeys")
        if isinstance(custom, list):
            message["customKeys"] = [_canonical_keys(item, "customKeys") for item in custom]
        elif isinstance(custom, Mapping):
            message["customKeys"] = _canonical_keys(custom, "customKeys")
    return body


def custom_keys(message: Any) -> dict[str, Any]:
    """customKeys as one mapping: a list of objects is merged in order; a single object is accepted."""
    if not isinstance(message, dict):
        return {}
    raw = message.get("customKeys")
    items = raw if isinstance(raw, list) else [raw]
    merged: dict[str, Any] = {}
    for item in items:
        if isinstance(item, Mapping):
            merged.update(_canonical_keys(item, "customKeys"))
    return merged


def _provided(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict)):
        return bool(value)
    return True


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def network_of(body: Any) -> Network | None:
    sender = body.get("from") if isinstance(body, dict) else None
    sender_type = sender.get("senderType") if isinstance(sender, dict) else None
    return NETWORKS.get(sender_type.strip().lower()) if isinstance(sender_type, str) else None


def _blocks(body: dict) -> list[tuple[int, Any]]:
    message = body.get("message")
    contents = message.get("contents") if isinstance(message, dict) else None
    return list(enumerate(contents, start=1)) if isinstance(contents, list) else []


def _block_type(block: Any) -> str:
    value = block.get("type") if isinstance(block, dict) else None
    return value.strip().lower() if isinstance(value, str) else ""


# --- The contract layer ----------------------------------------------------------------------------
def _contract(body: dict, network: Network | None) -> Iterator[Problem]:
    def missing(field: str, message: str, advice: str = "") -> Problem:
        return Problem(field, message, MISSING, "contract", advice=advice)

    def invalid(field: str, message: str, advice: str = "") -> Problem:
        return Problem(field, message, INVALID_VALUE, "contract", advice=advice)

    def in_block(index: int, key: str, message: str, advice: str, code: int = MISSING) -> Problem:
        return Problem(f"message.contents[{index}].{key}", message, code, "contract", index, key, advice)

    if not _provided(body.get("messageKey")):
        yield missing("messageKey", "Message Key must be provided")

    sender = body.get("from")
    if not isinstance(sender, dict) or not sender:
        yield missing("from", "From object must be provided")
    else:
        if not _provided(sender.get("senderId")):
            yield missing("from.senderId", "Sender Id must be provided", _("Choose a sender."))
        if not _provided(sender.get("senderType")):
            yield missing("from.senderType", "Sender Type must be provided", _("Choose a sender."))
        elif network is None:
            yield invalid("from.senderType", "Sender Type must be one of: line, messenger", _("Choose a sender."))

    recipient = body.get("to")
    if not isinstance(recipient, dict):  # `"to": {}` is a To object, without ids (answered below)
        yield missing("to", "To object must be provided")

    message = body.get("message")
    blocks = _blocks(body)
    if not isinstance(message, dict) or not message:
        yield missing("message", "Message object must be provided")
    elif not blocks:
        contents = message.get("contents")
        if _provided(contents) and not isinstance(contents, list):
            yield invalid("message.contents", "Message contents must be a list of content objects", _("Add a block."))
        else:
            yield missing("message.contents", "Message contents must be provided", _("Add at least one block."))

    for index, block in blocks:
        if not isinstance(block, dict) or not _provided(block.get("type")):
            yield in_block(
                index, "type", "Content Type for all message contents must be provided", _("Choose the block's type.")
            )
        elif _block_type(block) not in CONTENT_TYPES:
            yield in_block(
                index,
                "type",
                "Content Type must be one of: text, image, audio, video, native",
                _("Choose text, image, audio, video or native."),
                INVALID_VALUE,
            )
    for index, block in blocks:
        if _block_type(block) == "text" and not _provided(block.get("text")):
            yield in_block(
                index,
                "text",
                "Text attribute must be provided for Text type Message Content",
                _("Type the text of this block, or remove the block."),
            )
    for index, block in blocks:
        kind = _block_type(block)
        if kind in ("image", "audio", "video") and not _provided(block.get("url")):
            yield in_block(
                index,
                "url",
                "Url attribute must be provided for Image, File, Audio and Video type Message Content",
                _("Enter the address (https://…) of the %(type)s file.") % {"type": kind},
            )
    if network is not None:
        for index, block in blocks:
            kind = _block_type(block)
            if kind in network.alt_url_required_for and not _provided(block.get("altUrl")):
                yield in_block(
                    index,
                    "altUrl",
                    f"AltUrl attribute must be provided for Image and Video type Message Content on {network.label}",
                    _("Enter a preview image address (https://…): %(network)s shows it before the %(type)s opens.")
                    % {"network": network.label, "type": kind},
                )
            if kind in network.duration_required_for and not _provided(block.get("duration")):
                yield in_block(
                    index,
                    "duration",
                    f"Duration attribute must be provided for Audio type Message Content on {network.label}",
                    _("Enter how long the audio plays, in milliseconds (13000 for 13 seconds): %(network)s needs it.")
                    % {"network": network.label},
                )
    for index, block in blocks:
        if _block_type(block) == "native" and not _provided(block.get("nativePayload")):
            yield in_block(
                index,
                "nativePayload",
                "Native Payload attribute must be provided for Native type Message Content",
                _("Paste the network's own message object (JSON) into this block."),
            )

    if not _provided(body.get("validityPeriod")):
        yield missing("validityPeriod", "Validity Period must be provided")

    if network is None:
        return
    if len(blocks) > network.max_contents:
        extra, most = len(blocks) - network.max_contents, network.max_contents
        yield Problem(
            "message.contents",
            f"Message object cannot contain more than {network.max_contents} message objects",
            TOO_MANY_CONTENTS,
            "contract",
            advice=ngettext(
                "%(network)s takes at most %(most)s block per message: remove %(extra)s (or choose another sender).",
                "%(network)s takes at most %(most)s blocks per message: remove %(extra)s (or choose another sender).",
                most,
            )
            % {"network": network.label, "most": most, "extra": extra},
        )
    if network.needs_custom_keys and isinstance(message, dict):
        keys = custom_keys(message)
        if not _provided(keys.get("messagingType")):
            yield missing(
                "message.customKeys.messagingType",
                "MessagingType must be provided as a Custom Key",
                _("Choose a messaging type: %(network)s needs one (Update for most messages).")
                % {"network": network.label},
            )
        elif _text(keys["messagingType"]).strip().upper() == "MESSAGE_TAG" and not _provided(keys.get("tag")):
            yield missing(
                "message.customKeys.tag",
                "Tag must be provided as a Custom Key when MessagingType is provided as MESSAGE_TAG",
                _("Choose a tag: a tagged message (Message tag) must say what kind of update it is."),
            )
    if isinstance(recipient, dict):
        has_ott_id = _provided(recipient.get("ottId"))
        if network.recipient_rule == "either" and not has_ott_id and not _provided(recipient.get("userReference")):
            yield missing("to", "Either OttId or UserReference must be provided in the To object")
        if network.recipient_rule == "ott_id" and not has_ott_id:
            yield missing("to.ottId", "OttId must be provided in the To object")


# --- The network layer -----------------------------------------------------------------------------
_CONTROL = re.compile("[\x00-\x1f\x7f]")  # a regular expression: an audience checks a million ids


def recipient_problems(value: Any, field: str) -> list[str]:
    """Why an ottId or userReference cannot be used (shared with the recipients parser)."""
    if value is None:
        return []
    text = _text(value)
    problems = []
    if len(text) > RECIPIENT_LIMIT:
        problems.append(
            _("%(field)s is %(size)s characters; at most %(limit)s are allowed.")
            % {"field": field, "size": f"{len(text):,}", "limit": RECIPIENT_LIMIT}
        )
    if _CONTROL.search(text):
        problems.append(_("%(field)s must not contain control characters.") % {"field": field})
    elif unsafe_path(text):
        problems.append(
            _("%(field)s must not contain NUL characters or unpaired surrogates (invalid Unicode).") % {"field": field}
        )
    return problems


def _is_whole_positive(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 0
    if isinstance(value, float):
        return value.is_integer() and value > 0
    return isinstance(value, str) and value.strip().isdigit() and int(value) > 0


def _url_problems(value: Any, field: str, network: Network) -> list[tuple[str, int, str, bool]]:
    """(message, code, advice, warning) for each thing wrong with a block's url or altUrl."""
    if not _provided(value):
        return []
    if not isinstance(value, str):
        return [(_("%(field)s must be a text URL.") % {"field": field}, NETWORK_URL, "", False)]
    url = value.strip()
    problems = []
    lowered = url.lower()
    secure = lowered.startswith("https://") and len(url) > len("https://")
    plain = lowered.startswith("http://") and len(url) > len("http://")
    if network.https_only and not secure:
        advice = _("Use a secure address that starts with https:// (%(network)s loads no other).") % {
            "network": network.label
        }
        problems.append((_("%(field)s must be an https:// URL.") % {"field": field}, NETWORK_URL, advice, False))
    elif not network.https_only and plain:
        problems.append(
            (
                _("%(field)s is not https://: %(network)s accepts it, but the file travels unencrypted.")
                % {"field": field, "network": network.label},
                NETWORK_URL,
                _("Use https:// if the file's server offers it: the address stays private and every device loads it."),
                True,
            )
        )
    elif not secure:
        advice = _("Enter the file's web address, starting with https://.")
        problems.append(
            (_("%(field)s must be a web address (https://…).") % {"field": field}, NETWORK_URL, advice, False)
        )
    if network.url_limit and len(url) > network.url_limit:
        problems.append(
            (
                _("%(field)s is %(size)s characters; %(network)s allows at most %(limit)s.")
                % {
                    "field": field,
                    "size": f"{len(url):,}",
                    "network": network.label,
                    "limit": f"{network.url_limit:,}",
                },
                NETWORK_URL,
                _("Use a shorter address: at most %(limit)s characters (this one has %(size)s).")
                % {"limit": f"{network.url_limit:,}", "size": f"{len(url):,}"},
                False,
            )
        )
    return problems


def _block_network(index: int, block: dict, network: Network) -> Iterator[Problem]:
    kind = _block_type(block)
    label = _("Block %(number)s (%(type)s)") % {"number": index, "type": kind or _("no type")}
    where = f"message.contents[{index}]"

    def problem(key: str, text: str, code: int, advice: str = "", path: str = "", warning: bool = False) -> Problem:
        said = _("%(block)s: %(problem)s") % {"block": label, "problem": text}
        return Problem(f"{where}.{path or key}", said, code, "network", index, key, advice, warning)

    text = block.get("text")
    if _provided(text):
        if not isinstance(text, str):
            yield problem("text", _("text must be a string."), NETWORK_FORMAT)
        else:
            size = network.measure_text(text)
            if size > network.text_limit:
                sizes = {"size": f"{size:,}", "network": network.label, "limit": f"{network.text_limit:,}"}
                if network.counts_utf16:
                    text_problem = _("text is %(size)s UTF-16 code units; %(network)s allows at most %(limit)s.")
                    advice = _(
                        "Shorten the text to %(limit)s characters: it has %(size)s (%(network)s counts an emoji as 2)."
                    )
                else:
                    text_problem = _("text is %(size)s characters; %(network)s allows at most %(limit)s.")
                    advice = _("Shorten the text to %(limit)s characters: it has %(size)s.")
                yield problem("text", text_problem % sizes, NETWORK_LENGTH, advice % sizes)
    for field in ("url", "altUrl"):
        for message, code, advice, warning in _url_problems(block.get(field), field, network):
            yield problem(field, message, code, advice, warning=warning)
    duration = block.get("duration")
    if _provided(duration) and not _is_whole_positive(duration):
        yield problem(
            "duration",
            _("duration must be a positive whole number of milliseconds."),
            NETWORK_DURATION,
            _("Enter the length as a whole number of milliseconds (13000 for 13 seconds)."),
        )
    for field in ("isReusable", "attachmentId"):
        if field in block and block[field] not in (None, "", False) and not network.supports_attachment_reuse:
            yield problem(
                field,
                _("%(field)s is only supported for Messenger.") % {"field": field},
                NETWORK_UNSUPPORTED,
                _("Clear this field: %(network)s does not reuse attachments.") % {"network": network.label},
            )
    if "isReusable" in block and block["isReusable"] is not None and not isinstance(block["isReusable"], bool):
        yield problem("isReusable", _("isReusable must be true or false."), NETWORK_FORMAT)
    attachment_id = block.get("attachmentId")
    if attachment_id is not None and (isinstance(attachment_id, bool) or not isinstance(attachment_id, (str, int))):
        yield problem("attachmentId", _("attachmentId must be a string or a number."), NETWORK_FORMAT)
    if kind == "native" and _provided(block.get("nativePayload")):
        payload = block["nativePayload"]
        if not isinstance(payload, dict):
            yield problem(
                "nativePayload",
                _("nativePayload must be a JSON object."),
                NETWORK_NATIVE,
                _("Write the native payload as one JSON object: { … }."),
            )
        else:
            for finding in native.problems(network.name, payload):
                # The path inside the payload is part of the message, so the API, the sandbox's Error
                # event and the composer all say where: "quickReply.items[14].action.label: …".
                if finding.path:
                    text = _("%(path)s: %(problem)s") % {"path": finding.path, "problem": finding.message}
                    advice = _("In the native payload, at %(problem)s") % {"problem": text}
                else:
                    text, advice = finding.message, finding.message[:1].upper() + finding.message[1:]
                path = f"nativePayload.{finding.path}" if finding.path else ""
                yield problem("nativePayload", text, NETWORK_NATIVE, advice, path, finding.warning)


def _network(body: dict, network: Network) -> Iterator[Problem]:
    for field in ("messageKey", "messageGroupKey"):
        value = body.get(field)
        if _provided(value) and len(_text(value)) > KEY_LIMIT:
            size = len(_text(value))
            yield Problem(
                field,
                _("%(field)s is %(size)s characters; at most %(limit)s.")
                % {"field": field, "size": f"{size:,}", "limit": KEY_LIMIT},
                NETWORK_LENGTH,
                "network",
                advice=_("Shorten it to %(limit)s characters (it has %(size)s).")
                % {"limit": KEY_LIMIT, "size": f"{size:,}"},
            )
    validity = body.get("validityPeriod")
    if _provided(validity) and not _is_whole_positive(validity):
        yield Problem("validityPeriod", _("validityPeriod must be a positive whole number."), NETWORK_FORMAT, "network")
    recipient = body.get("to")
    if isinstance(recipient, dict):
        for field in ("ottId", "userReference"):
            for message in recipient_problems(recipient.get(field), field):
                yield Problem(f"to.{field}", message, NETWORK_FORMAT, "network")
    message = body.get("message")
    if network.needs_custom_keys and isinstance(message, dict):
        keys = custom_keys(message)
        for field, allowed in (
            ("messagingType", MESSAGING_TYPES),
            ("tag", MESSAGE_TAGS),
            ("notificationType", NOTIFICATION_TYPES),
        ):
            value = keys.get(field)
            if _provided(value) and value not in allowed:
                yield Problem(
                    f"message.customKeys.{field}",
                    _("%(field)s must be one of %(values)s.") % {"field": field, "values": ", ".join(allowed)},
                    NETWORK_ENUM,
                    "network",
                    advice=_("Choose one of the listed values."),
                )
    for index, block in _blocks(body):
        if isinstance(block, dict):
            yield from _block_network(index, block, network)


def _everything(body: Any, network_rules: bool) -> list[Problem]:
    if not isinstance(body, Mapping):
        return [Problem("body", "The request body must be a JSON object", INVALID_VALUE, "contract")]
    body = normalize(body)
    network = network_of(body)
    problems = list(_contract(body, network))
    if network_rules and network is not None:
        problems.extend(_network(body, network))
    return problems


def check(body: Any, *, network_rules: bool = True) -> list[Problem]:
    """Every reason this send body would be refused, in a stable order; [] when it is fine.

    `network_rules=False` runs only the contract layer (what Marketing Cloud answers 400 to).
    """
    return [problem for problem in _everything(body, network_rules) if not problem.warning]


def warnings(body: Any) -> list[Problem]:
    """What the network accepts but may not deliver well (never a reason to refuse), in a stable order."""
    return [problem for problem in _everything(body, True) if problem.warning]
