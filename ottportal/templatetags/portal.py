"""Template filters every page uses: times with their zone, in one format."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

register = template.Library()

WHEN_FORMAT = "Y-m-d H:i:s"


def zone_abbreviation(local: datetime) -> str:
    """`JST`, `EDT`: from the time itself, so an hour that happens twice (autumn's repeated hour) still
    says which of the two it is (Django's `T` format leaves such times without a zone)."""
    return local.strftime("%Z") if local.tzinfo else ""


def local_text(value: datetime, seconds: bool = True) -> str:
    """`2026-11-30 17:20:05 JST`: a time in the viewer's zone, as plain text."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{format_date(local, WHEN_FORMAT if seconds else 'Y-m-d H:i')} {zone_abbreviation(local)}".strip()


@register.filter
def when(value, seconds: bool = True):
    """`2026-11-30 17:20:05 JST` in the viewer's time zone, in a <time> element carrying the instant
    (hover shows UTC). Empty for no value."""
    if not isinstance(value, datetime):
        return ""
    shown = local_text(value, seconds)
    utc = format_date(value.astimezone(UTC), "Y-m-d H:i:s") + " UTC" if timezone.is_aware(value) else ""
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), utc, shown)


@register.filter
def when_utc(value):
    """`2026-11-30 08:20 UTC`: the same instant for everyone, beside a time shown in the viewer's zone."""
    if not isinstance(value, datetime) or not timezone.is_aware(value):
        return ""
    shown = format_date(value.astimezone(UTC), "Y-m-d H:i") + " UTC"
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), shown)


@register.filter
def when_text(value):
    """A time that arrives as text (Marketing Cloud's eventDateTime), shown like every other time;
    text that is not a time is shown as it came."""
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is not None:
            return when(parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC))
    return value if value is not None else ""
