"""LINE message objects checked against LINE's own published schema (ott/schemas/line-messaging-api.yml).

The schema is OpenAPI 3.0: each family of objects (messages, templates, flex containers and
components, actions, imagemap actions) is a base schema with a `discriminator` that names the
schema of each `type`. JSON Schema has no discriminators, so `_with_dispatch` adds, for each base,
a `<Base>ByType` schema that checks the object against the schema of its own `type` (and refuses a
type the base does not list), and points every reference to the base there. The references that
the type schemas make to their base (`allOf: [$ref: Message]`) are left alone.

Lengths (`maxLength`, `minLength`) are counted in UTF-16 code units: every `maxLength` in the file
is on a property that LINE counts that way (the properties LINE counts in grapheme clusters carry
no `maxLength` there; they are checked by hand in `ott.native.line`). Source: LINE Developers,
"Character counting in a text".

`format: uri` is not checked here: the hand rules check addresses (https only, the URI schemes).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

from ott.native.common import Finding
from ott.text import utf16_length
from ott.words import _, gettext_noop

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "line-messaging-api.yml"
_REF = "#/components/schemas/"
_TYPE_WORDS = {
    "string": gettext_noop("text"),
    "integer": gettext_noop("a whole number"),
    "number": gettext_noop("a number"),
    "boolean": gettext_noop("true or false"),
    "object": gettext_noop("an object { … }"),
    "array": gettext_noop("a list [ … ]"),
}


@functools.cache
def _components() -> dict:
    """`components.schemas` of the vendored file, read once (about 40 ms with libyaml)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SCHEMA_FILE.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)  # noqa: S506 (a safe loader, C or Python)
    return document["components"]["schemas"]


def _with_dispatch(schemas: dict) -> dict:
    """The component schemas with a `<Base>ByType` dispatcher for each discriminated base."""
    schemas = copy.deepcopy(schemas)
    bases = {
        name: schema["discriminator"]
        for name, schema in schemas.items()
        if isinstance(schema.get("discriminator"), dict) and schema["discriminator"].get("mapping")
    }

    def rewrite(node: Any, base_ref_allowed: bool = False) -> None:
        if isinstance(node, list):
            for child in node:
                rewrite(child)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF) and not base_ref_allowed:
                name = ref[len(_REF) :]
                if name in bases:
                    node["$ref"] = f"{_REF}{name}ByType"
            for key, child in node.items():
                if key == "allOf" and isinstance(child, list):
                    for part in child:  # a type schema's own `allOf: [$ref: Base]` stays on the base
                        rewrite(part, base_ref_allowed=True)
                else:
                    rewrite(child)

    rewrite(schemas)
    for name, discriminator in bases.items():
        field = discriminator["propertyName"]
        mapping = discriminator["mapping"]
        known = list(mapping)
        schemas[f"{name}ByType"] = {
            "if": {"properties": {field: {"enum": known}}, "required": [field]},
            "then": {
                "allOf": [
                    {"if": {"properties": {field: {"const": value}}}, "then": {"$ref": target}}
                    for value, target in mapping.items()
                ]
            },
            "else": {
                "allOf": [{"$ref": f"{_REF}{name}"}],
                "required": [field],
                "properties": {field: {"type": "string", "enum": known}},
            },
        }
    return schemas


def _utf16_max_length(validator, limit, instance, schema):
    if validator.is_type(instance, "string") and utf16_length(instance) > limit:
        yield ValidationError(f"{instance!r} is too long")


def _utf16_min_length(validator, limit, instance, schema):
    if validator.is_type(instance, "string") and utf16_length(instance) < limit:
        yield ValidationError(f"{instance!r} is too short")


_Validator = validators.extend(Draft202012Validator, {"maxLength": _utf16_max_length, "minLength": _utf16_min_length})


@functools.cache
def _message_validator() -> Draft202012Validator:
    root = {"components": {"schemas": _with_dispatch(_components())}}
    root["$ref"] = f"{_REF}MessageByType"
    return _Validator(root)


def message_types() -> list[str]:
    """The message types the schema knows (`text`, `sticker`, … `flex`, `coupon`)."""
    return list(_components()["Message"]["discriminator"]["mapping"])


def _path(parts) -> str:
    out = ""
    for part in parts:
        out = f"{out}[{part + 1}]" if isinstance(part, int) else (f"{out}.{part}" if out else str(part))
    return out


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _words(error) -> Iterator[tuple[str, str]]:
    """(path, message) for one schema error, in a marketer's words."""
    path = _path(error.absolute_path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        for key in expected:
            if isinstance(instance, dict) and key not in instance:
                yield _child(path, key), _("missing; %(network)s requires it.") % {"network": "LINE"}
    elif kind == "maxLength":
        size = utf16_length(instance)
        words = _("%(size)s UTF-16 code units (an emoji counts 2); LINE allows at most %(limit)s.")
        yield path, words % {"size": f"{size:,}", "limit": f"{expected:,}"}
    elif kind == "minLength":
        if expected == 1:
            yield path, _("must not be empty.")
        else:
            yield path, _("must be at least %(limit)s characters.") % {"limit": f"{expected:,}"}
    elif kind == "maxItems":
        yield (
            path,
            _("%(size)s items given; LINE allows at most %(limit)s.") % {"size": len(instance), "limit": expected},
        )
    elif kind == "minItems":
        yield (
            path,
            _("%(size)s items given; LINE needs at least %(limit)s.") % {"size": len(instance), "limit": expected},
        )
    elif kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        words = _(" or ").join(_(_TYPE_WORDS[name]) if name in _TYPE_WORDS else name for name in names)
        yield path, _("must be %(kinds)s.") % {"kinds": words}
    elif kind == "enum":
        if path.endswith("type") and not isinstance(instance, str):
            return  # reported once, by the type error beside it
        yield path, _("must be one of: %(values)s.") % {"values": ", ".join(str(value) for value in expected)}
    elif kind == "const":
        yield path, _("must be %(kinds)s.") % {"kinds": expected}
    else:
        yield path, error.message


def _document_order(error) -> list[tuple]:
    return [(0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in error.absolute_path]


def findings(payload: Any) -> list[Finding]:
    """Everything LINE's schema says is wrong with one message object, in document order."""
    errors = sorted(_message_validator().iter_errors(payload), key=_document_order)
    seen: set[tuple[str, str]] = set()
    out = []
    for error in errors:
        for path, message in _words(error):
            if (path, message) not in seen:
                seen.add((path, message))
                out.append(Finding(path, message))
    return out
