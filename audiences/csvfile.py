"""CSV files read as a stream and written for spreadsheets: what the audience upload, the suppression
import and the exports share.

Reading: the binary upload goes through a text wrapper (UTF-8, a BOM dropped) in chunks of
READ_CHUNK bytes into `csv.reader`, one record at a time, so a file of any size costs the same memory;
quoted commas and line breaks, CRLF or LF line ends, and empty cells are the csv module's. Bytes that
are not UTF-8 stop the reading with a message naming the line.
Writing: every cell that a spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from django.utils.translation import gettext as _

READ_CHUNK = 64 * 1024
MAX_CELL = 2_000  # characters in one cell: room for a long URL, not for a pasted document
# Bytes that are not UTF-8, as the "surrogateescape" error handler decodes them.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Unreadable(Exception):
    """The file as a whole cannot be read (the message says why, in a user's words)."""


def records(file: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells) of every record, blank lines left out."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", errors="surrogateescape", newline="")
    text._CHUNK_SIZE = READ_CHUNK  # how much the wrapper asks of the file at a time
    reader = csv.reader(text)
    line = 0
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            joined = "".join(cells)  # one search per record, not one per cell: a million records
            if not joined.strip():
                continue
            if _NOT_UTF8.search(joined):
                words = _("The file is not UTF-8 text (line %(line)s cannot be read). Save it as UTF-8.")
                raise Unreadable(words % {"line": start})
            yield start, cells
    except csv.Error as exc:
        words = _("The file is not valid CSV near line %(line)s: %(problem)s.")
        raise Unreadable(words % {"line": reader.line_num, "problem": exc}) from exc
    except UnicodeError as exc:  # pragma: no cover - surrogateescape decodes every byte
        raise Unreadable(_("The file is not UTF-8 text. Save it as UTF-8.")) from exc
    finally:
        with contextlib.suppress(ValueError):  # the file was closed already
            text.detach()  # the caller's file stays open


def header_names(cells: list[str]) -> list[str]:
    return [cell.strip() for cell in cells]


def as_given(cells: list[str]) -> str:
    """A record as the user would recognise it in a refused-rows list (cut at 300 characters), a NUL
    shown as ␀ (PostgreSQL stores no NUL in JSON)."""
    return ",".join(cells)[:300].replace("\0", "\u2400")


def spreadsheet_cell(value) -> str:
    """Text for a spreadsheet: no formula injection from a recipient id or a column value (as in
    messages/export.py)."""
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def from_spreadsheet_cell(text: str) -> str:
    """Undo `spreadsheet_cell` for a file the portal exported and a user imports again."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


class Echo:
    """A file-like sink for csv.writer: each written row comes back as a string to stream."""

    def write(self, value):
        return value
