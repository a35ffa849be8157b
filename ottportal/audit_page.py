"""What the audit page reads: its filters (who, what kind of action, which action, which days, any
text) and its CSV export, with each entry's hashes so that a copy can be checked outside the portal."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters

from audiences.csvfile import Echo, spreadsheet_cell
from messages.fields import FilterSet
from messages.filters import IdChoiceFilter
from ottportal.audit import ACTIONS, KINDS, label_of


def _day(label: str, help_text: str) -> filters.DateFilter:
    return filters.DateFilter(
        method="on_days", label=label, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"})
    )


def _day_start(day) -> datetime:
    """Midnight at the start of `day` in the viewer's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditFilterSet(FilterSet):
    q = filters.CharFilter(
        method="search",
        max_length=200,
        label=gettext_lazy("Search"),
        help_text=gettext_lazy("Any part of a username, an address, an object's name or number, or the detail"),
    )
    user = IdChoiceFilter(
        choices=lambda: get_user_model().objects.order_by("username"),
        empty_label=gettext_lazy("Anyone"),
        label=gettext_lazy("Who"),
    )
    kind = filters.ChoiceFilter(
        choices=list(KINDS.items()), method="of_kind", empty_label=gettext_lazy("Any kind"), label=gettext_lazy("Kind")
    )
    action = filters.ChoiceFilter(
        choices=list(ACTIONS.items()), empty_label=gettext_lazy("Any action"), label=gettext_lazy("Action")
    )
    after = _day(gettext_lazy("From"), gettext_lazy("On or after this day"))
    before = _day(gettext_lazy("To"), gettext_lazy("On or before this day"))

    def clean_days(self) -> None:
        """A reversed range says so (instead of matching nothing)."""
        if self.is_valid():
            after, before = self.form.cleaned_data["after"], self.form.cleaned_data["before"]
            if after and before and after > before:
                self.form.add_error("before", _("The end date must be on or after the start date."))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        found = (
            Q(username__icontains=value)
            | Q(object_label__icontains=value)
            | Q(detail__icontains=value)
            | Q(object_id=value)
            | Q(action__icontains=value)
        )
        if all(c in "0123456789abcdefABCDEF.:" for c in value):
            found |= Q(ip_address__startswith=value)
        return queryset.filter(found)

    def of_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(action__startswith=f"{value}.")

    def on_days(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if name == "after":
            return queryset.filter(at__gte=_day_start(value))
        return queryset.filter(at__lt=_day_start(value + timedelta(days=1)))


CSV_HEADER = [
    "id",
    "at_utc",
    "username",
    "ip_address",
    "action",
    "what",
    "object_type",
    "object_id",
    "object",
    "detail",
    "before",
    "after",
    "prev_hash",
    "hash",
]


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_csv_lines(entries: QuerySet) -> Iterator[str]:
    """The header, then one line per entry, newest first, formula-safe, in constant memory."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for entry in entries.order_by("-id").iterator(chunk_size=2000):
        row = [
            entry.pk,
            entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            entry.username,
            entry.ip_address,
            entry.action,
            label_of(entry.action),
            entry.object_type,
            entry.object_id,
            entry.object_label,
            entry.detail,
            _json(entry.before),
            _json(entry.after),
            entry.prev_hash,
            entry.hash,
        ]
        yield writer.writerow([spreadsheet_cell(value) for value in row])


def _shown(value) -> str:
    if value in (None, "", [], {}):
        return _("(empty)")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def changes_of(entry) -> list[tuple[str, str | None, str | None]]:
    """The entry's before and after, field by field, as the page shows them: (field, before, after),
    with None for a side the entry does not have (a creation has no before)."""
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("value", _shown(entry.before), _shown(entry.after))]
    return [
        (
            name,
            _shown(before.get(name)) if entry.before is not None else None,
            _shown(after.get(name)) if entry.after is not None else None,
        )
        for name in {**before, **after}
    ]
