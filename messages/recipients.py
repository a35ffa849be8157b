"""Recipients from one entry or a pasted list: every row kept or refused with its reason. (A CSV
file uploaded on the send page is streamed into a one-off audience: messages/pending_lists.py.)

A row is an ottId and an optional userReference; what a network needs (LINE an ottId, Messenger one of
the two) comes from its `recipient_rule` in ott/networks.py.
Repeated recipients are collapsed and counted; nothing is dropped without being listed or counted.
Of the refused lines, the first MAX_REFUSED_KEPT are kept (line, text, reason) and the rest counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ott.networks import NETWORKS
from ott.rules import RECIPIENT_LIMIT, recipient_problems

MAX_ROWS = 100_000
MAX_REFUSED_KEPT = 1_000


@dataclass
class Recipients:
    valid: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text as given, reason)
    refused: int = 0  # every refused line, the listed ones (`invalid`, at most MAX_REFUSED_KEPT) and the rest
    duplicates: int = 0
    error: str = ""  # a problem with the input as a whole (wrong header, too many rows)


# What `recipient_problems` refuses in a value (control characters, NUL, unpaired surrogates), found
# with one search: the usual row is accepted without building a list of problems.
_REFUSED_CHARACTERS = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def row_problems(ott_id: str, user_reference: str, network: str) -> list[str]:
    rule = NETWORKS[network].recipient_rule if network in NETWORKS else "either"
    if (
        (ott_id or (user_reference and rule != "ott_id"))
        and len(ott_id) <= RECIPIENT_LIMIT
        and len(user_reference) <= RECIPIENT_LIMIT
        and not _REFUSED_CHARACTERS.search(ott_id)
        and not _REFUSED_CHARACTERS.search(user_reference)
    ):
        return []
    problems = recipient_problems(ott_id, "ottId") + recipient_problems(user_reference, "userReference")
    if rule == "ott_id" and not ott_id:
        label = NETWORKS[network].label
        problems.insert(0, f"{label} needs an ottId (the {label} user id).")
    elif not ott_id and not user_reference:
        problems.insert(0, "Give an ottId or a userReference.")
    return problems


def _collect(rows, network: str) -> Recipients:
    """rows: (line number, text as given, ott_id, user_reference); blank rows are skipped."""
    result = Recipients()
    seen: set[tuple[str, str]] = set()
    count = 0
    for line, text, ott_id, user_reference in rows:
        ott_id, user_reference = ott_id.strip(), user_reference.strip()
        if not ott_id and not user_reference and not text.strip(", \t"):
            continue
        count += 1
        if count > MAX_ROWS:
            error = _("At most %(max)s recipients can be sent at once; this list has more.") % {"max": f"{MAX_ROWS:,}"}
            return Recipients(error=error)
        if problems := row_problems(ott_id, user_reference, network):
            result.refused += 1
            if len(result.invalid) < MAX_REFUSED_KEPT:
                result.invalid.append((line, text[:300], " ".join(problems)))
            continue
        key = (ott_id, user_reference)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        result.valid.append(key)
    return result


def parse_text(text: str, network: str) -> Recipients:
    """One recipient per line: `ottId` or `ottId,userReference` (`,userReference` for Messenger)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        ott_id, _, user_reference = line.partition(",")
        rows.append((number, line, ott_id, user_reference))
    return _collect(rows, network)
