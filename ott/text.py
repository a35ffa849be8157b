"""Text that cannot be stored or sent: NUL characters (PostgreSQL refuses them in text and JSON) and
unpaired UTF-16 surrogates (JSON's `\\ud800` escapes decode to them; they cannot be encoded as UTF-8)."""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
PROBLEM = "must not contain NUL characters or unpaired surrogates (invalid Unicode)"


def unsafe_path(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) in nested JSON data that holds unsafe text."""
    if isinstance(value, str):
        return path or "value" if _UNSAFE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _UNSAFE.search(key):
                return where
            if found := unsafe_path(item, where):
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if found := unsafe_path(item, f"{path}[{index}]"):
                return found
    return None
