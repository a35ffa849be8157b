"""What the LINE and Messenger checks share: the finding, the units text is counted in, and the
small checks (length, count, required, address) that both networks need.

Paths name a place inside the native payload the way the rest of the portal names places: dotted
keys, list items counted from 1 (`quickReply.items[14]` is the 14th quick reply button).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ott.text import grapheme_length, utf16_length
from ott.words import _, gettext_noop


@dataclass(frozen=True)
class Finding:
    """One reason the network would refuse the payload (or, with `warning`, a risk it would not)."""

    path: str  # inside the payload; "" for the payload as a whole
    message: str  # what is wrong, in words; the caller puts the block and the path in front
    warning: bool = False


Found = Iterator[Finding]


@dataclass(frozen=True)
class Unit:
    """How a network counts the length of a text, and how the portal names that unit to a marketer."""

    name: str
    measure: Callable[[str], int]


CHARACTERS = Unit(
    gettext_noop("characters"), len
)  # Unicode code points: Messenger's text, and URLs (ASCII once encoded)
UTF16 = Unit(gettext_noop("UTF-16 code units (an emoji counts 2)"), utf16_length)
GRAPHEMES = Unit(gettext_noop("characters"), grapheme_length)  # user-perceived: a flag or a family emoji counts 1


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    """The path of a list item; `index` counts from 0 as Python does, the path from 1."""
    return f"{path}[{index + 1}]"


def too_long(path: str, value: Any, limit: int, unit: Unit, network: str) -> Found:
    if isinstance(value, str) and (size := unit.measure(value)) > limit:
        words = _("%(size)s %(unit)s; %(network)s allows at most %(limit)s.")
        yield Finding(
            path, words % {"size": f"{size:,}", "unit": _(unit.name), "network": network, "limit": f"{limit:,}"}
        )


def required(path: str, container: dict, key: str, network: str) -> Found:
    value = container.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        yield Finding(join(path, key), _("missing; %(network)s requires it.") % {"network": network})


# The things a list holds, as `count` names them: (one, several), each marked for translation.
NOUNS = {
    "items": (gettext_noop("item"), gettext_noop("items")),
    "actions": (gettext_noop("action"), gettext_noop("actions")),
    "columns": (gettext_noop("column"), gettext_noop("columns")),
    "bubbles": (gettext_noop("bubble"), gettext_noop("bubbles")),
    "buttons": (gettext_noop("button"), gettext_noop("buttons")),
    "elements": (gettext_noop("element"), gettext_noop("elements")),
    "quick replies": (gettext_noop("quick reply"), gettext_noop("quick replies")),
}


def count(path: str, items: Any, low: int, high: int, network: str, noun: str = "items") -> Found:
    """A list of `low` to `high` entries (a missing list is left to the `required` checks)."""
    if items is None:
        return
    if not isinstance(items, list):
        yield Finding(path, _("must be a list of %(things)s.") % {"things": _(NOUNS.get(noun, (noun, noun))[1])})
        return
    if low <= len(items) <= high:
        return
    one, several = NOUNS.get(noun, (noun, noun))
    values = {
        "size": len(items),
        "things": _(one if len(items) == 1 else several),
        "network": network,
        "low": low,
        "high": high,
    }
    if low == high:
        words = _("%(size)s %(things)s given; %(network)s needs exactly %(low)s.")
    elif len(items) > high:
        words = _("%(size)s %(things)s given; %(network)s allows at most %(high)s.")
    else:
        words = _("%(size)s %(things)s given; %(network)s needs %(low)s to %(high)s.")
    yield Finding(path, words % values)


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_order(path: str) -> list[tuple[int, int, str]]:
    """A sort key that keeps a payload's places together and counts list items as numbers."""
    return [(0, int(index), "") if index else (1, 0, key) for key, index in _TOKEN.findall(path)]


def scheme(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:  # urlsplit refuses a few malformed addresses (an unclosed IPv6 bracket)
        return ""


def web_address(url: str) -> bool:
    """http(s)://host…: an address a network can fetch."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def object_at(container: dict, key: str) -> dict | None:
    value = container.get(key)
    return value if isinstance(value, dict) else None


def list_at(container: dict, key: str) -> list:
    value = container.get(key)
    return value if isinstance(value, list) else []
