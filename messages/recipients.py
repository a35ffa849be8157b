"""Recipients from one entry, a pasted list or a CSV file: every row kept or refused with its reason.

A row is an ottId and an optional userReference. LINE needs an ottId; Messenger needs one of the two.
Repeated recipients are collapsed and counted; nothing is dropped without being listed or counted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ott.rules import recipient_problems

MAX_ROWS = 100_000
CSV_HEADER = ("ott_id", "user_reference")


@dataclass
class Recipients:
    valid: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text as given, reason)
    duplicates: int = 0
    error: str = ""  # a problem with the input as a whole (wrong header, too many rows)


def row_problems(ott_id: str, user_reference: str, network: str) -> list[str]:
    problems = recipient_problems(ott_id, "ottId") + recipient_problems(user_reference, "userReference")
    if network == "line" and not ott_id:
        problems.insert(0, "LINE needs an ottId (the LINE user id).")
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


def parse_csv(data: bytes, network: str) -> Recipients:
    """A CSV file with the header `ott_id,user_reference`, UTF-8 with or without a BOM."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Recipients(error=f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). Save it as UTF-8.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    except csv.Error as exc:
        return Recipients(error=f"The file is not valid CSV: {exc}.")
    if header is None:
        return Recipients(error="The file is empty.")
    names = tuple(cell.strip().lower() for cell in header)
    if "ott_id" not in names:
        return Recipients(error=f"The first row must be the header {','.join(CSV_HEADER)} (found: {','.join(names)}).")
    id_at = names.index("ott_id")
    ref_at = names.index("user_reference") if "user_reference" in names else None

    def rows():
        try:
            for row in reader:
                ott_id = row[id_at] if id_at < len(row) else ""
                ref = row[ref_at] if ref_at is not None and ref_at < len(row) else ""
                yield reader.line_num, ",".join(row), ott_id, ref
        except csv.Error as exc:
            raise ValueError(str(exc)) from exc

    try:
        return _collect(rows(), network)
    except ValueError as exc:
        return Recipients(error=f"The file is not valid CSV near line {reader.line_num}: {exc}.")
