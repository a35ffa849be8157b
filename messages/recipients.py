"""Recipients from one entry, a pasted list or a CSV file: every row kept or refused with its reason.

A row is an ottId and an optional userReference; what a network needs (LINE an ottId, Messenger one of
the two) comes from its `recipient_rule` in ott/networks.py.
Repeated recipients are collapsed and counted; nothing is dropped without being listed or counted.
A CSV file is read as a stream, one line at a time; of the refused lines, the first MAX_REFUSED_KEPT
are kept (line, text, reason) and the rest counted, so a file of mostly bad lines stays small.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction

from messages.models import Draft, RecipientList
from ott.networks import NETWORKS
from ott.rules import recipient_problems

MAX_ROWS = 100_000
MAX_REFUSED_KEPT = 1_000
CSV_HEADER = ("ott_id", "user_reference")
# Bytes that are not UTF-8, as the "surrogateescape" error handler decodes them.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


@dataclass
class Recipients:
    valid: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text as given, reason)
    refused: int = 0  # every refused line, the listed ones (`invalid`, at most MAX_REFUSED_KEPT) and the rest
    duplicates: int = 0
    error: str = ""  # a problem with the input as a whole (wrong header, too many rows)


def row_problems(ott_id: str, user_reference: str, network: str) -> list[str]:
    problems = recipient_problems(ott_id, "ottId") + recipient_problems(user_reference, "userReference")
    rule = NETWORKS[network].recipient_rule if network in NETWORKS else "either"
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
            return Recipients(error=f"At most {MAX_ROWS:,} recipients can be sent at once; this list has more.")
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


class _Unreadable(Exception):
    """The file as a whole cannot be read as a recipients CSV (the message says why)."""


def parse_csv(file: BinaryIO, network: str) -> Recipients:
    """A CSV file (binary, read as a stream) with the header `ott_id,user_reference`, UTF-8 with or
    without a BOM."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        return _collect(_csv_rows(csv.reader(text)), network)
    except _Unreadable as exc:
        return Recipients(error=str(exc))
    finally:
        text.detach()  # the caller's file stays open


def _csv_rows(reader):
    """(line number, text as given, ott_id, user_reference) for each line after the header."""

    def readable(row: list[str]) -> str:
        given = ",".join(row)
        if _NOT_UTF8.search(given):
            raise _Unreadable(f"The file is not UTF-8 text (line {reader.line_num} cannot be read). Save it as UTF-8.")
        return given

    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise _Unreadable("The file is empty.")
        readable(header)
        names = tuple(cell.strip().lower() for cell in header)
        if "ott_id" not in names:
            found = ",".join(names)
            raise _Unreadable(f"The first row must be the header {','.join(CSV_HEADER)} (found: {found}).")
        id_at = names.index("ott_id")
        ref_at = names.index("user_reference") if "user_reference" in names else None
        for row in reader:
            given = readable(row)
            ott_id = row[id_at] if id_at < len(row) else ""
            ref = row[ref_at] if ref_at is not None and ref_at < len(row) else ""
            yield reader.line_num, given, ott_id, ref
    except csv.Error as exc:
        raise _Unreadable(f"The file is not valid CSV near line {reader.line_num}: {exc}.") from exc


# Pending lists: what the confirm page shows and queues. A user has at most PENDING_PER_USER of them
# (each bounded by the upload limit and MAX_REFUSED_KEPT); older ones are dropped, and any left
# unconfirmed are dropped after a day by the housekeeping task.
PENDING_PER_USER = 3


def recipient_list_create(*, draft: Draft, user, recipients: Recipients) -> RecipientList:
    """Keep checked recipients for the confirm page, dropping the user's oldest pending lists beyond
    PENDING_PER_USER (their confirm pages are then gone)."""
    with transaction.atomic():
        pending = RecipientList.objects.create(
            draft=draft,
            created_by=user,
            recipients=recipients.valid,
            invalid=recipients.invalid,
            invalid_count=recipients.refused,
            duplicate_count=recipients.duplicates,
        )
        others = RecipientList.objects.filter(created_by=user).exclude(pk=pending.pk).order_by("-created_at")
        dropped = list(others.values_list("pk", flat=True)[PENDING_PER_USER - 1 :])
        RecipientList.objects.filter(pk__in=dropped).delete()
    return pending
