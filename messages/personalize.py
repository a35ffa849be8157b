"""Placeholders: `{{ column }}` or `{{ column | default: "friend" }}` in a message's text, URLs,
altUrl and the string values of native payloads, filled per recipient from an audience's columns.

Plain substitution: a placeholder is replaced by the recipient's value (or its default when the value
is empty or the audience has no such column); nothing in a value is ever read as a placeholder or
run as code. Column names match the audience's headers without regard to case or surrounding spaces.
The filled body is then checked by `ott.rules` like any other, in the network's own unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# `{{ name }}` / `{{ name | default: "text" }}`; a name is letters, digits, `_` or `-` (any script).
_PLACEHOLDER = re.compile(
    r"""\{\{\s*(?P<column>[\w-]+)\s*(?:\|\s*default\s*:\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')\s*)?\}\}"""
)
_OPEN = re.compile(r"\{\{")
FIELDS = ("text", "url", "altUrl")  # the block fields that may hold placeholders, besides nativePayload
SYNTAX = (
    'A placeholder is {{ column }} or {{ column | default: "text" }}: a column name of letters, digits, _ or -, '
    "then optionally a default in quotes."
)


def column_key(name: str) -> str:
    """How a column name is compared: `First_Name ` and `first_name` are the same column."""
    return name.strip().lower()


@dataclass(frozen=True)
class Placeholder:
    column: str  # as compared (column_key)
    default: str | None  # None: no default given
    text: str  # as written

    @classmethod
    def of(cls, match: re.Match) -> Placeholder:
        default = match["dq"] if match["dq"] is not None else match["sq"]
        return cls(column_key(match["column"]), default, match[0])


@dataclass(frozen=True)
class PlaceholderProblem:
    path: str  # `contents[2].text`, `contents[1].nativePayload.altText`
    message: str


def _strings(block: dict, path: str) -> Iterator[tuple[str, str]]:
    """(path, string) of every place in a block that may hold a placeholder."""
    for field in FIELDS:
        if isinstance(block.get(field), str):
            yield f"{path}.{field}", block[field]
    yield from _native_strings(block.get("nativePayload"), f"{path}.nativePayload")


def _native_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _native_strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _native_strings(item, f"{path}[{index}]")


def _contents(body: dict) -> list:
    message = body.get("message") if isinstance(body, dict) else None
    contents = message.get("contents") if isinstance(message, dict) else None
    return contents if isinstance(contents, list) else []


def places(body: dict) -> Iterator[tuple[str, str]]:
    """(path, string) of every string of the body's contents that may hold placeholders (blocks
    counted from 1, as the composer numbers them)."""
    for number, block in enumerate(_contents(body), start=1):
        if isinstance(block, dict):
            yield from _strings(block, f"contents[{number}]")


def scan(text: str) -> tuple[list[Placeholder], int]:
    """The placeholders in `text`, and how many `{{` do not start a well-formed one."""
    found = [Placeholder.of(match) for match in _PLACEHOLDER.finditer(text)]
    return found, len(_OPEN.findall(text)) - len(found)


def placeholders(body: dict) -> list[Placeholder]:
    """Every placeholder of the body, first occurrence of each column first (its first default)."""
    seen: dict[str, Placeholder] = {}
    for _, text in places(body):
        for placeholder in scan(text)[0]:
            seen.setdefault(placeholder.column, placeholder)
    return list(seen.values())


def problems(body: dict) -> list[PlaceholderProblem]:
    """Malformed placeholders (`{{ first name }}`, `{{ x | upper }}`, a `{{` never closed), by path."""
    return [
        PlaceholderProblem(path, f"{path} has a placeholder that cannot be read. {SYNTAX}")
        for path, text in places(body)
        if scan(text)[1]
    ]


def has_placeholders(body: dict) -> bool:
    return any("{{" in text for _, text in places(body))


def missing_columns(body: dict, columns: list[str]) -> list[str]:
    """Columns the message uses, without a default, that the audience does not have."""
    have = {column_key(name) for name in columns}
    return [p.column for p in placeholders(body) if p.column not in have and p.default is None]


def fill_text(text: str, values: Mapping[str, str]) -> str:
    """`text` with each placeholder replaced by its value (`values` keyed by column_key), or its
    default when the value is empty or absent, or "" when there is neither."""
    if "{{" not in text:
        return text

    def one(match: re.Match) -> str:
        placeholder = Placeholder.of(match)
        value = values.get(placeholder.column) or ""
        return value if value else (placeholder.default or "")

    return _PLACEHOLDER.sub(one, text)


def _fill_native(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return fill_text(value, values)
    if isinstance(value, dict):
        return {key: _fill_native(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_native(item, values) for item in value]
    return value


def fill(body: dict, values: Mapping[str, str]) -> dict:
    """A copy of `body` with its contents filled for one recipient (the rest shared, not copied)."""
    contents = []
    for block in _contents(body):
        if not isinstance(block, dict):
            contents.append(block)
            continue
        filled = dict(block)
        for field in FIELDS:
            if isinstance(filled.get(field), str):
                filled[field] = fill_text(filled[field], values)
        if "nativePayload" in filled:
            filled["nativePayload"] = _fill_native(filled["nativePayload"], values)
        contents.append(filled)
    return {**body, "message": {**body["message"], "contents": contents}}


def sample_values(body: dict) -> dict[str, str]:
    """Values that stand in for a recipient when a draft is checked without one: each placeholder's
    default, or its column name (so a URL stays a URL and a text is not empty)."""
    return {p.column: p.default or p.column for p in placeholders(body)}


SAMPLE_URL = "https://example.com/sample"


def sample(body: dict) -> dict:
    """The body as a draft check judges it without a recipient: each placeholder stands in as its
    default or its column name, and a URL field that is one placeholder and nothing else as an
    https address (each recipient's filled body is judged again when the send is prepared)."""
    values = sample_values(body)
    contents = []
    for block in _contents(body):
        if isinstance(block, dict):
            block = dict(block)
            for field in ("url", "altUrl"):
                text = block.get(field)
                if isinstance(text, str) and (match := _PLACEHOLDER.fullmatch(text.strip())):
                    block[field] = Placeholder.of(match).default or SAMPLE_URL
        contents.append(block)
    return fill({**body, "message": {**body["message"], "contents": contents}}, values)


def keyed(values: Mapping[str, Any]) -> dict[str, str]:
    """A recipient's values keyed as placeholders name them; None becomes ""."""
    return {column_key(str(name)): "" if value is None else str(value) for name, value in values.items()}
