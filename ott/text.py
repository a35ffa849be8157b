"""Text as it may be stored and sent.

- Unsafe text: NUL characters (PostgreSQL refuses them in text and JSON) and unpaired UTF-16
  surrogates (JSON's `\\ud800` escapes decode to them; they cannot be encoded as UTF-8).
- Line endings: a browser's textarea posts `\\r\\n`; what is stored, counted and sent is `\\n`.
- Depth: JSON nested deeper than `MAX_DEPTH` is refused before anything walks it recursively (the
  payload builder copies it, the database encodes it).
- Counting: the networks count text in different units. LINE counts most text in UTF-16 code units
  (an emoji outside the BMP is 2, a flag 4, a family emoji 11) but action labels, `displayText` and
  template titles and texts in user-perceived characters, grapheme clusters (a flag or a family
  emoji is 1). Source: LINE Developers, "Character counting in a text"
  (https://developers.line.biz/en/docs/messaging-api/text-character-count/). Grapheme clusters are
  Unicode's extended grapheme clusters (UAX #29) as the `regex` module's `\\X` finds them.

The walkers here are iterative, so no input can exhaust Python's recursion limit.
"""

from __future__ import annotations

import re
from typing import Any

import regex

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
PROBLEM = "must not contain NUL characters or unpaired surrogates (invalid Unicode)"
MAX_DEPTH = 32  # objects and lists inside one another; LINE's deepest documented flex message needs ~12
DEPTH_PROBLEM = f"is nested more than {MAX_DEPTH} levels deep; simplify it (at most {MAX_DEPTH} levels)"
_GRAPHEME = regex.compile(r"\X")


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as LINE counts most text (a character outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def grapheme_length(text: str) -> int:
    """Length in user-perceived characters (extended grapheme clusters): 🇯🇵 and 👨‍👩‍👧‍👦 count 1 each."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def _join(path: str, key: Any, in_list: bool) -> str:
    if in_list:
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _children(value: Any, path: str):
    if isinstance(value, dict):
        return [(_join(path, key, False), key, item) for key, item in value.items()]
    if isinstance(value, list):
        return [(_join(path, index, True), None, item) for index, item in enumerate(value)]
    return []


def unsafe_path(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) in nested JSON data that holds unsafe text."""
    stack = [(path, None, value)]
    while stack:
        where, key, item = stack.pop()
        if isinstance(key, str) and _UNSAFE.search(key):
            return where
        if isinstance(item, str):
            if _UNSAFE.search(item):
                return where or "value"
            continue
        stack.extend(reversed(_children(item, where)))
    return None


def too_deep(value: Any, path: str = "", limit: int = MAX_DEPTH) -> str | None:
    """The path of the first object or list nested more than `limit` levels deep; None when it is not."""
    stack = [(path, value, 1)]
    while stack:
        where, item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        if depth > limit:
            return where or "value"
        stack.extend((child, inner, depth + 1) for child, _, inner in reversed(_children(item, where)))
    return None


def newlines(text: str) -> str:
    """`\\r\\n` and a lone `\\r` become `\\n`: one line break is one character everywhere."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def newlines_in(value: Any) -> Any:
    """`newlines` on every string value of JSON data (keys are left alone). Call after `too_deep`."""
    if isinstance(value, str):
        return newlines(value)
    if isinstance(value, list):
        return [newlines_in(item) for item in value]
    if isinstance(value, dict):
        return {key: newlines_in(item) for key, item in value.items()}
    return value
