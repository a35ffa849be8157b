"""A delivery's request body, rebuilt byte for byte from what is stored once per send and per row.

A send keeps its `template` (the body without messageKey and to); a delivery keeps its messageKey, its
recipient and, only when placeholders made its message differ from the template's, that message as
JSON text. The body is the JSON `json.dumps` would make of `ott.payloads.send_body(...)` (its
defaults: non-ASCII as \\u escapes, ", " and ": ", keys in the documented order): that text is what
the worker posts and what the pages and the API show, so what is shown is what was posted
(tests/messages/test_bodies.py compares them with the bytes Marketing Cloud, mocked at the HTTP
boundary, received from the worker).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as json_string  # what json.dumps uses for a str
from typing import Any


class Bodies:
    """One send's request bodies as JSON text: the template's parts serialized once."""

    def __init__(self, template: dict):
        middle = '", '
        if "messageGroupKey" in template:
            middle += f'"messageGroupKey": {json.dumps(template["messageGroupKey"])}, '
        self._middle = f'{middle}"from": {json.dumps(dict(template["from"]))}, "to": '
        self._validity = f', "validityPeriod": {json.dumps(template["validityPeriod"])}}}'
        self._tail = f', "message": {json.dumps(template["message"])}{self._validity}'

    def body(self, message_key: str, ott_id: str, user_reference: str, message: str = "") -> str:
        """The body for one recipient; `message` (JSON text), when given, replaces the template's."""
        if ott_id and user_reference:
            to = f'{{"ottId": {json_string(ott_id)}, "userReference": {json_string(user_reference)}}}'
        elif ott_id:
            to = f'{{"ottId": {json_string(ott_id)}}}'
        elif user_reference:
            to = f'{{"userReference": {json_string(user_reference)}}}'
        else:
            to = "{}"
        tail = self._tail if not message else f', "message": {message}{self._validity}'
        return '{"messageKey": "' + message_key + self._middle + to + tail


def message_text(message: dict | str | None) -> str:
    """What a delivery's `message` column keeps: a filled message as JSON text, "" for the template's."""
    if message is None:
        return ""
    return message if isinstance(message, str) else json.dumps(message)


def delivery_body(delivery: Any, bodies: Bodies | None = None) -> str:
    """The exact JSON text posted (or to be posted) for `delivery`; `bodies`: its send's, when the caller
    has them (else they are made from `delivery.send`)."""
    bodies = bodies or Bodies(delivery.send.template)
    return bodies.body(str(delivery.message_key), delivery.ott_id, delivery.user_reference, delivery.message)


def kept_answer(answer: object, ott_request_id: str) -> str:
    """What a delivery keeps of Marketing Cloud's accepting answer: nothing when it is the usual
    `{"ottRequestId": ...}`, whose id the delivery keeps anyway (`answer_text` gives it back)."""
    if answer == {"ottRequestId": ott_request_id}:
        return ""
    return json.dumps(answer, ensure_ascii=False)


def answer_text(delivery: Any) -> str:
    """The last answer to the delivery's post, as kept (see `kept_answer`)."""
    if delivery.response_body or not delivery.ott_request_id or not 200 <= (delivery.http_status or 0) < 300:
        return delivery.response_body
    return json.dumps({"ottRequestId": delivery.ott_request_id}, ensure_ascii=False)
