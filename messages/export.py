"""Deliveries as CSV, one line at a time (constant memory whatever the size): the history export and
the retention command's archive share it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet

CSV_COLUMNS = [
    ("created_at", "created_at"),
    ("finished_at", "finished_at"),
    ("send", "send_id"),
    ("network", "network"),
    ("sender", "sender__name"),
    ("sent_by", "created_by__username"),
    ("message_key", "message_key"),
    ("ott_id", "ott_id"),
    ("user_reference", "user_reference"),
    ("status", "status"),
    ("attempts", "attempts"),
    ("http_status", "http_status"),
    ("ott_request_id", "ott_request_id"),
    ("error_code", "error_code"),
    ("error_message", "error_message"),
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """Text for a spreadsheet: no formula injection from a recipient or a remote error message."""
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _text_cell(value) -> str:
    """`_cell` for a text column (None or str)."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _time_cell(value) -> str:
    """`_cell` for a time: its ISO text starts with a digit, never a formula."""
    return "" if value is None else value.isoformat()


def _converters(deliveries: QuerySet) -> list:
    """One function per CSV column giving what `_cell` gives, the cheaper one the column's type allows:
    the export calls it for every cell of up to millions of rows."""
    converters = []
    for _, source in CSV_COLUMNS:
        field = deliveries.model._meta.get_field(source.split("__")[0])
        if "__" in source:
            field = field.related_model._meta.get_field(source.split("__")[1])
        kind = field.get_internal_type()
        if kind in ("CharField", "TextField"):
            converters.append(_text_cell)
        elif kind == "DateTimeField":
            converters.append(_time_cell)
        else:  # numbers (a negative one starts with "-"), the UUID: the general rule
            converters.append(_cell)
    return converters


def csv_lines(deliveries: QuerySet, *, bom: bool = True) -> Iterator[str]:
    """The header, then one line per delivery, newest first."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" if bom else "") + writer.writerow([name for name, _ in CSV_COLUMNS])
    rows = deliveries.order_by("-id").values_list(*(source for _, source in CSV_COLUMNS))
    converters = _converters(deliveries)
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow([convert(value) for convert, value in zip(converters, row, strict=True)])


def refused_csv(rows: list) -> str:
    """Refused recipient rows ([line, text, reason], ...) as a small CSV file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "as_given", "reason"])
    writer.writerows([_cell(value) for value in row] for row in rows)
    return "\ufeff" + out.getvalue()
