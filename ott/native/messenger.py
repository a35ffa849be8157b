"""Messenger message objects. Meta publishes no schema, so its limits live here, in one table, each
with the reference it comes from; the checks below only read the table.

Attachment and image addresses: Meta does not require https (its own Attachment Upload and quick
reply examples use http://), so an http:// address is a warning, not a refusal. Only a URL button
that opens the page with Messenger Extensions must be https.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ott.native.common import CHARACTERS, Finding, Found, count, item, join, required, scheme, too_long
from ott.native.common import web_address as _web_address
from ott.networks import MESSENGER as MESSENGER_NAME
from ott.networks import NETWORKS
from ott.words import _, gettext_noop

MESSENGER = "Messenger"
_SEND_API = "https://developers.facebook.com/docs/messenger-platform/reference/send-api/"
_QUICK_REPLIES = "https://developers.facebook.com/docs/messenger-platform/reference/buttons/quick-replies"
_BUTTONS = "https://developers.facebook.com/docs/messenger-platform/reference/buttons/"
_GENERIC = "https://developers.facebook.com/docs/messenger-platform/reference/templates/generic"
_BUTTON_TEMPLATE = "https://developers.facebook.com/docs/messenger-platform/reference/templates/button"
_ATTACHMENT_UPLOAD = "https://developers.facebook.com/docs/messenger-platform/reference/attachment-upload-api"


@dataclass(frozen=True)
class Limit:
    value: int
    source: str  # Meta's words and the page they are on


LIMITS: dict[str, Limit] = {
    "text": Limit(
        NETWORKS[MESSENGER_NAME].text_limit, f"Send API: message.text has a 2000 character limit ({_SEND_API})"
    ),
    "quick_replies": Limit(13, f"Quick replies: a maximum of 13 quick replies are supported ({_QUICK_REPLIES})"),
    "quick_reply.title": Limit(20, f"Quick replies: title, 20 character limit ({_QUICK_REPLIES})"),
    "quick_reply.payload": Limit(1000, f"Quick replies: payload, 1000 character limit ({_QUICK_REPLIES})"),
    "button.title": Limit(20, f"Buttons: title, 20 character limit ({_BUTTONS})"),
    "button.payload": Limit(1000, f"Buttons: postback button payload, 1000 character limit ({_BUTTONS})"),
    "generic.elements": Limit(10, f"Generic template: elements, limited to 10 ({_GENERIC})"),
    "element.title": Limit(80, f"Generic template: element title, 80 character limit ({_GENERIC})"),
    "element.subtitle": Limit(80, f"Generic template: element subtitle, 80 character limit ({_GENERIC})"),
    "element.buttons": Limit(3, f"Generic template: element buttons, a maximum of 3 ({_GENERIC})"),
    "button_template.text": Limit(640, f"Button template: text, up to 640 characters ({_BUTTON_TEMPLATE})"),
    "button_template.buttons": Limit(3, f"Button template: buttons, a set of 1-3 buttons ({_BUTTON_TEMPLATE})"),
}
# Quick reply content types (Quick replies reference: "Must be one of: text, user_phone_number, user_email").
QUICK_REPLY_TYPES = ("text", "user_phone_number", "user_email")
ATTACHMENT_TYPES = ("template", "image", "audio", "video", "file")  # Send API: attachment.type
# An https:// address is needed only here (Buttons reference, URL button: "Must use HTTPS protocol if
# messenger_extensions is true"); elsewhere Meta fetches http:// too (its Attachment Upload example:
# "url": "http://www.messenger-rocks.com/image.jpg", see _ATTACHMENT_UPLOAD).


def _limit(path: str, value: Any, name: str) -> Found:
    yield from too_long(path, value, LIMITS[name].value, CHARACTERS, MESSENGER)


def fetched_address(path: str, value: Any, what: str) -> Found:
    """An address Messenger downloads (a file, an image): a web address; http:// is only a warning."""
    if not isinstance(value, str) or not value.strip():
        return
    if not _web_address(value):
        yield Finding(path, _("must be the web address (https://…) of the %(what)s.") % {"what": _(what)})
    elif scheme(value) == "http":
        yield Finding(
            path,
            _(
                "the %(what)s is fetched over plain http://: Messenger accepts it, but https:// keeps it private "
                "and some devices may not load it."
            )
            % {"what": _(what)},
            warning=True,
        )


def _button(path: str, button: Any) -> Found:
    if not isinstance(button, dict):
        yield Finding(path, _("a button must be an object { … }."))
        return
    kind = button.get("type")
    if kind in ("web_url", "postback", "phone_number"):
        yield from required(path, button, "title", MESSENGER)
    yield from _limit(join(path, "title"), button.get("title"), "button.title")
    if kind == "postback":
        yield from required(path, button, "payload", MESSENGER)
        yield from _limit(join(path, "payload"), button.get("payload"), "button.payload")
    elif kind == "phone_number":
        yield from required(path, button, "payload", MESSENGER)
    elif kind == "web_url":
        yield from _url_button(path, button)


def _url_button(path: str, button: dict) -> Found:
    yield from required(path, button, "url", MESSENGER)
    url = button.get("url")
    if not isinstance(url, str) or not url.strip():
        return
    if not _web_address(url):
        yield Finding(join(path, "url"), _("must be a web address (https://…)."))
    elif button.get("messenger_extensions") in (True, "true") and scheme(url) != "https":
        yield Finding(join(path, "url"), _("must start with https:// when messenger_extensions is true."))


def _buttons(path: str, buttons: Any, low: int, limit: str) -> Found:
    if buttons is None and low == 0:
        return
    if buttons is None:
        words = _("missing; %(network)s needs %(low)s to %(high)s buttons.")
        yield Finding(path, words % {"network": MESSENGER, "low": low, "high": LIMITS[limit].value})
        return
    yield from count(path, buttons, low, LIMITS[limit].value, MESSENGER, "buttons")
    for index, button in enumerate(buttons if isinstance(buttons, list) else []):
        yield from _button(item(path, index), button)


def _quick_replies(value: Any) -> Found:
    yield from count("quick_replies", value, 1, LIMITS["quick_replies"].value, MESSENGER, "quick replies")
    for index, reply in enumerate(value if isinstance(value, list) else []):
        path = item("quick_replies", index)
        if not isinstance(reply, dict):
            yield Finding(path, _("a quick reply must be an object { … }."))
            continue
        kind = reply.get("content_type")
        if kind not in QUICK_REPLY_TYPES:
            yield Finding(
                join(path, "content_type"), _("must be one of: %(values)s.") % {"values": ", ".join(QUICK_REPLY_TYPES)}
            )
        if kind == "text":
            # "title: Required if content_type is text"; "payload: Required if content_type is text …
            # may be set to an empty string if image_url is set" (Quick replies reference).
            yield from required(path, reply, "title", MESSENGER)
            if reply.get("payload") is None or (reply.get("payload") == "" and not reply.get("image_url")):
                yield Finding(join(path, "payload"), _("missing; %(network)s requires it.") % {"network": MESSENGER})
        yield from _limit(join(path, "title"), reply.get("title"), "quick_reply.title")
        payload = reply.get("payload")  # "String or Number"
        payload = str(payload) if isinstance(payload, (int, float)) and not isinstance(payload, bool) else payload
        yield from _limit(join(path, "payload"), payload, "quick_reply.payload")
        yield from fetched_address(join(path, "image_url"), reply.get("image_url"), gettext_noop("quick reply image"))


def _template(inner: dict) -> Found:
    template_type = inner.get("template_type")
    if template_type == "generic":
        elements = inner.get("elements")
        if elements is None:
            yield Finding(
                "attachment.payload.elements", _("missing; %(network)s requires it.") % {"network": MESSENGER}
            )
        most = LIMITS["generic.elements"].value
        yield from count("attachment.payload.elements", elements, 1, most, MESSENGER, "elements")
        for index, element in enumerate(elements if isinstance(elements, list) else []):
            path = item("attachment.payload.elements", index)
            if not isinstance(element, dict):
                yield Finding(path, _("an element must be an object { … }."))
                continue
            yield from required(path, element, "title", MESSENGER)
            yield from _limit(join(path, "title"), element.get("title"), "element.title")
            yield from _limit(join(path, "subtitle"), element.get("subtitle"), "element.subtitle")
            yield from fetched_address(
                join(path, "image_url"), element.get("image_url"), gettext_noop("element's image")
            )
            default = element.get("default_action")
            if isinstance(default, dict):
                yield from _url_button(join(path, "default_action"), default)
            yield from _buttons(join(path, "buttons"), element.get("buttons"), 0, "element.buttons")
    elif template_type == "button":
        yield from required("attachment.payload", inner, "text", MESSENGER)
        yield from _limit("attachment.payload.text", inner.get("text"), "button_template.text")
        yield from _buttons("attachment.payload.buttons", inner.get("buttons"), 1, "button_template.buttons")


def findings(payload: dict) -> list[Finding]:
    return list(_findings(payload))


def _findings(payload: dict) -> Found:
    if "text" in payload:
        text = payload.get("text")
        if not isinstance(text, str):
            yield Finding("text", _("must be text."))
        else:
            yield from _limit("text", text, "text")
    if "quick_replies" in payload:
        yield from _quick_replies(payload.get("quick_replies"))
    attachment = payload.get("attachment")
    if attachment is None:
        if "text" not in payload:
            yield Finding("", _("a Messenger message needs text or an attachment."))
        return
    if not isinstance(attachment, dict):
        yield Finding("attachment", _("must be an object { … }."))
        return
    kind = attachment.get("type")
    inner = attachment.get("payload")
    if kind not in ATTACHMENT_TYPES:
        yield Finding("attachment.type", _("must be one of: %(values)s.") % {"values": ", ".join(ATTACHMENT_TYPES)})
        return
    if not isinstance(inner, dict):
        yield Finding("attachment.payload", _("must be an object { … }."))
        return
    if kind == "template":
        yield from _template(inner)
        return
    if not inner.get("url") and not inner.get("attachment_id"):
        yield Finding(
            "attachment.payload.url",
            _("missing; %(network)s needs a url or an attachment_id.") % {"network": MESSENGER},
        )
    what = {
        "image": gettext_noop("image"),
        "audio": gettext_noop("audio file"),
        "video": gettext_noop("video"),
        "file": gettext_noop("file"),
    }[kind]
    yield from fetched_address("attachment.payload.url", inner.get("url"), what)
