"""Audiences made from a CSV file (streamed) or from a list of recipients (the API's JSON).

A CSV file has the header `ott_id,user_reference` plus any columns of its own (their values fill the
placeholders of a message), UTF-8 with or without a BOM, and at most MAX_ROWS rows. It is read as a
stream (audiences/csvfile.py) and never held whole: each row is checked with the send page's rules
for its network (`messages.recipients.row_problems`), repeated recipients (the same ott_id and
user_reference) are collapsed and counted, and refused rows are counted with the first
MAX_REFUSED_KEPT kept (line, text, reason). Kept rows are written in batches of BATCH, each batch its
own transaction, so an upload of a million rows never holds the database's write lock for long (the
worker keeps writing meanwhile). Until the last batch is written the audience is `loading`, which no
send may use; an upload that fails part way is removed with its rows.

What stays in memory is bounded: a 16-byte digest per distinct recipient (to find repeats) and one
batch of rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextlib import closing
from functools import partial
from typing import BinaryIO

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audiences.csvfile import MAX_CELL, Unreadable, as_given, header_names, records
from audiences.models import Audience, AudienceRow
from messages.personalize import column_key
from messages.recipients import MAX_REFUSED_KEPT, row_problems
from ott.networks import NETWORKS
from ott.text import unsafe_path
from ottportal import audit

BATCH = 5_000
DELETE_BATCH = 50_000
ANALYZE_FROM = 10_000  # rows in a new audience from which PostgreSQL's statistics are refreshed
MAX_ROWS = 1_000_000
MAX_JSON_ROWS = 100_000  # in one API request; a bigger audience is uploaded as a CSV file
MAX_COLUMNS = 50
MAX_COLUMN_NAME = 100
RESERVED = ("ott_id", "user_reference")
HEADER = "ott_id,user_reference"
QUOTE_ADVICE = gettext_noop("put a value that holds a comma in double quotes.")


class AudienceInvalid(Exception):
    """Nothing was saved. `errors`: {field: [message, ...]}; when the file had no valid row, `refused`
    lists its refused rows ([line, text, reason], the first MAX_REFUSED_KEPT) and `refused_count`
    counts them all."""

    def __init__(self, errors: dict[str, list[str]], refused: list | None = None, refused_count: int = 0):
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = errors
        self.refused = refused or []
        self.refused_count = refused_count


def _basics(name: str, network: str) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = [_("Give the audience a name.")]
    elif len(name) > 200:
        errors["name"] = [_("The name is %(size)s characters; at most 200 are allowed.") % {"size": f"{len(name):,}"}]
    elif unsafe_path(name):
        errors["name"] = [_("The name must not contain NUL characters or unpaired surrogates (invalid Unicode).")]
    if network not in NETWORKS:
        errors["network"] = [_("Choose a network: %(networks)s.") % {"networks": " or ".join(NETWORKS)}]
    if errors:
        raise AudienceInvalid(errors)


def column_problem(name: str, position: int, where: str = "") -> str:
    """Why a column name cannot be used ("" when it can); `where` names the column (default: its
    position in the header)."""
    if not name or len(name) > MAX_COLUMN_NAME or unsafe_path(name):
        column = where or _("Column %(position)s of the header") % {"position": position}
    if not name:
        return _("%(column)s has no name: name it, or delete the column.") % {"column": column}
    if len(name) > MAX_COLUMN_NAME:
        words = _("%(column)s is %(size)s characters long; at most %(limit)s.")
        return words % {"column": column, "size": f"{len(name):,}", "limit": MAX_COLUMN_NAME}
    if unsafe_path(name):
        words = _("%(column)s must not contain NUL characters or unpaired surrogates (invalid Unicode).")
        return words % {"column": column}
    return ""


def _columns(names: list[str], found_in: str) -> list[str]:
    """The extra columns of a header, checked (raises AudienceInvalid naming `found_in`)."""
    problems, seen, columns = [], {}, []
    for position, name in enumerate(names, start=1):
        key = column_key(name)
        if problem := column_problem(name, position):
            problems.append(problem)
        elif key in seen:
            words = _("The column “%(name)s” is given twice (as “%(other)s” too); keep one.")
            problems.append(words % {"name": name, "other": seen[key]})
        else:
            seen[key] = name
            if key not in RESERVED:
                columns.append(name)
    if len(columns) > MAX_COLUMNS:
        words = _("The file has %(count)s columns of its own; at most %(limit)s are allowed.")
        problems.append(words % {"count": len(columns), "limit": MAX_COLUMNS})
    if problems:
        raise AudienceInvalid({found_in: problems})
    return columns


def value_problems(values: dict[str, str]) -> list[str]:
    if sum(map(len, values.values())) <= MAX_CELL and not unsafe_path("".join(values.values())):
        return []  # the usual row: checked with one search
    problems = []
    for column, value in values.items():
        if len(value) > MAX_CELL:
            words = _("“%(column)s” is %(size)s characters; at most %(limit)s are allowed.")
            problems.append(words % {"column": column, "size": f"{len(value):,}", "limit": f"{MAX_CELL:,}"})
        elif unsafe_path(value):
            words = _("“%(column)s” must not contain NUL characters or unpaired surrogates (invalid Unicode).")
            problems.append(words % {"column": column})
    return problems


_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # made once: it is a million calls


class _Writer:
    """Rows into the database, BATCH at a time, each batch committed on its own."""

    def __init__(self, audience: Audience):
        self.audience_id = audience.pk
        self.rows: list[tuple] = []
        table = AudienceRow._meta.db_table
        self.columns = ("audience_id", "line", "ott_id", "user_reference", "vars")
        self.insert = f"INSERT INTO {table} ({', '.join(self.columns)}) VALUES ({', '.join(['%s'] * 5)})"  # noqa: S608
        self.copy = f"COPY {table} ({', '.join(self.columns)}) FROM STDIN"

    def add(self, line: int, ott_id: str, user_reference: str, values: dict[str, str]) -> None:
        text = _to_json(values)
        self.rows.append((self.audience_id, line, ott_id, user_reference, text))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert, self.rows)
        self.rows.clear()


class _Loader:
    """Checks, collapses and writes the rows of one audience, in the order given."""

    def __init__(self, audience: Audience, max_rows: int):
        self.audience = audience
        self.network = audience.network
        self.max_rows = max_rows
        self.writer = _Writer(audience)
        self.seen: set[bytes] = set()
        self.count = self.kept = self.refused_count = self.duplicates = 0
        self.refused: list[list] = []

    def offer(self, line: int, given, ott_id: str, user_reference: str, values: dict, problems=()) -> None:
        """`given`: the row as the user gave it, or a function that makes it (asked only if refused)."""
        self.count += 1
        if self.count > self.max_rows:
            raise AudienceInvalid(
                {
                    "file": [
                        _("An audience can have at most %(max)s rows; this file has more. Split it.")
                        % {"max": f"{self.max_rows:,}"}
                    ]
                }
            )
        found = row_problems(ott_id, user_reference, self.network) + list(problems)
        if found:
            self.refused_count += 1
            if len(self.refused) < MAX_REFUSED_KEPT:
                self.refused.append([line, given() if callable(given) else given, " ".join(found)])
            return
        key = hashlib.blake2b(f"{ott_id}\0{user_reference}".encode(), digest_size=16).digest()
        if key in self.seen:
            self.duplicates += 1
            return
        self.seen.add(key)
        self.kept += 1
        self.writer.add(line, ott_id, user_reference, values)

    def finish(self, empty: str, field: str = "file") -> Audience:
        """Write what is left and make the audience ready; AudienceInvalid naming `field` (with the
        refused rows) when no row was kept."""
        self.writer.flush()
        if not self.kept:
            raise AudienceInvalid({field: [empty]}, refused=self.refused, refused_count=self.refused_count)
        fields = {
            "status": Audience.Status.READY,
            "size": self.kept,
            "refused_lines": self.refused,
            "refused_count": self.refused_count,
            "duplicate_count": self.duplicates,
        }
        Audience.objects.filter(pk=self.audience.pk).update(**fields)
        if connection.vendor == "postgresql" and self.kept >= ANALYZE_FROM:
            # Fresh statistics: without them PostgreSQL reads a new audience's rows back (audience_rows)
            # by sorting all of them for every batch instead of walking the (audience, line) index.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {AudienceRow._meta.db_table}")
        for name, value in fields.items():
            setattr(self.audience, name, value)
        audit.record(
            "audience.upload", user=self.audience.created_by, obj=self.audience, after=audit_facts(self.audience)
        )
        return self.audience


def audit_facts(audience: Audience) -> dict:
    """What the audit trail keeps of an audience uploaded or deleted."""
    facts = {"name": audience.name, "network": audience.network, "recipients": audience.size}
    facts |= {"file": audience.file_name, "refused": audience.refused_count, "repeated": audience.duplicate_count}
    return facts | {"replaces": audience.replaces_id}


def discard(audience: Audience) -> None:
    """Remove an audience and its rows, DELETE_BATCH rows per statement (a million rows in one statement
    would hold SQLite's write lock for seconds)."""
    rows = AudienceRow.objects.filter(audience_id=audience.pk)
    while bound := list(rows.order_by("line").values_list("line", flat=True)[DELETE_BATCH - 1 : DELETE_BATCH]):
        rows.filter(line__lte=bound[0]).delete()
    rows.delete()
    Audience.objects.filter(pk=audience.pk).delete()


def _new(*, name: str, network: str, user, file_name: str, columns: list[str], replaces, one_off=False) -> Audience:
    return Audience.objects.create(
        one_off=one_off,
        name=name.strip(),
        network=network,
        columns=columns,
        file_name=file_name[:255],
        created_by=user,
        replaces=replaces,
    )


def audience_from_csv(
    *,
    file: BinaryIO,
    name: str,
    network: str,
    user,
    file_name: str = "",
    replaces: Audience | None = None,
    one_off: bool = False,
) -> Audience:
    """Read an uploaded CSV file (binary, any size) into a new ready audience (`one_off`: for one send,
    not listed with the saved audiences). Raises AudienceInvalid
    (with nothing saved) for a bad name or network, an unreadable file or header, more than MAX_ROWS
    rows, or a file without a valid row."""
    _basics(name, network)
    with closing(records(file)) as rows:
        return _from_records(
            rows, name=name, network=network, user=user, file_name=file_name, replaces=replaces, one_off=one_off
        )


def _from_records(rows, *, name, network, user, file_name, replaces, one_off) -> Audience:
    try:
        first = next(rows, None)
        if first is None:
            empty = _("The file is empty. Its first row must be the header %(header)s.") % {"header": HEADER}
            raise AudienceInvalid({"file": [empty]})
        names = header_names(first[1])
        keys = [column_key(name) for name in names]
        if "ott_id" not in keys:
            found = ",".join(names)[:200]
            words = _("The first row must be the header %(header)s, then any columns of your own (found: %(found)s).")
            raise AudienceInvalid({"file": [words % {"header": HEADER, "found": found}]})
        columns = _columns(names, "file")
    except Unreadable as exc:
        raise AudienceInvalid({"file": [str(exc)]}) from exc
    id_at = keys.index("ott_id")
    ref_at = keys.index("user_reference") if "user_reference" in keys else None
    extra = [(position, names[position]) for position, key in enumerate(keys) if key not in RESERVED]
    width = len(names)
    audience = _new(
        name=name, network=network, user=user, file_name=file_name, columns=columns, replaces=replaces, one_off=one_off
    )
    loader = _Loader(audience, MAX_ROWS)
    try:
        for line, cells in rows:
            count = len(cells)
            problems = []
            if count > width and any(cell.strip() for cell in cells[width:]):
                words = _("This line has %(count)s cells and the header %(width)s: %(advice)s")
                problems.append(words % {"count": count, "width": width, "advice": _(QUOTE_ADVICE)})
            values = {column: cells[position].strip() if position < count else "" for position, column in extra}
            problems += value_problems(values)
            ott_id = cells[id_at].strip() if id_at < count else ""
            user_reference = cells[ref_at].strip() if ref_at is not None and ref_at < count else ""
            loader.offer(line, partial(as_given, cells), ott_id, user_reference, values, problems)
        return loader.finish(_("No valid recipient in this file (see the refused lines)."))
    except Unreadable as exc:
        discard(audience)
        raise AudienceInvalid({"file": [str(exc)]}) from exc
    except BaseException:
        discard(audience)
        raise


def audience_from_rows(
    *, name: str, network: str, user, recipients: Iterable[dict], replaces: Audience | None = None
) -> Audience:
    """A new ready audience from recipients given as values: `{"ott_id", "user_reference", "vars":
    {column: text}}` each (the API's JSON). The columns are the vars' names in the order they first
    appear; a row without one of them has "" there. Raises AudienceInvalid naming each bad row as
    `recipients[N]` (N counting from 0, as the send API does); nothing is saved then."""
    _basics(name, network)
    recipients = list(recipients)
    if not recipients:
        raise AudienceInvalid({"recipients": [_("Give at least one recipient.")]})
    if len(recipients) > MAX_JSON_ROWS:
        raise AudienceInvalid(
            {
                "recipients": [
                    _("At most %(max)s recipients in one request; upload a CSV file for more.")
                    % {"max": f"{MAX_JSON_ROWS:,}"}
                ]
            }
        )
    errors: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}  # column key -> the name as first given
    for index, recipient in enumerate(recipients):
        problems = row_problems(recipient.get("ott_id", ""), recipient.get("user_reference", ""), network)
        values = recipient.get("vars") or {}
        for name_given in values:
            key = column_key(name_given)
            where = _("The column “%(name)s”") % {"name": name_given[:50]}
            if problem := column_problem(name_given.strip(), 1, where):
                problems.append(problem)
            elif key in RESERVED:
                problems.append(_("“%(name)s” is the recipient itself; give it outside vars.") % {"name": name_given})
            elif spelled.setdefault(key, name_given.strip()) != name_given.strip():
                words = _("The column “%(name)s” is also spelled “%(other)s”; use one spelling.")
                problems.append(words % {"name": name_given, "other": spelled[key]})
        problems += value_problems(values)
        if problems:
            errors[f"recipients[{index}]"] = problems
    columns = list(spelled.values())
    if len(columns) > MAX_COLUMNS:
        words = _("The recipients have %(count)s columns; at most %(limit)s are allowed.")
        errors["recipients"] = [words % {"count": len(columns), "limit": MAX_COLUMNS}]
    if errors:
        raise AudienceInvalid(errors)
    audience = _new(name=name, network=network, user=user, file_name="", columns=columns, replaces=replaces)
    loader = _Loader(audience, MAX_JSON_ROWS)
    try:
        for line, recipient in enumerate(recipients, start=1):
            given = {column_key(key): value for key, value in (recipient.get("vars") or {}).items()}
            values = {column: given.get(column_key(column), "") for column in columns}
            ott_id, user_reference = recipient.get("ott_id", ""), recipient.get("user_reference", "")
            loader.offer(line, f"{ott_id},{user_reference}", ott_id, user_reference, values)
        return loader.finish(_("No valid recipient."), "recipients")
    except BaseException:
        discard(audience)
        raise
