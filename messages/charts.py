"""A small server-side SVG bar chart (no JavaScript, no external library)."""

from __future__ import annotations

from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from messages.models import Delivery

# Stacked from the bottom: what went well first.
SERIES = [
    (Delivery.Status.SENT, "#1e7b3a"),
    (Delivery.Status.REJECTED, "#b3261e"),
    (Delivery.Status.FAILED, "#e8710a"),
    (Delivery.Status.CANCELED, "#8a94a6"),
    (Delivery.Status.SUPPRESSED, "#5f6b7a"),
    (Delivery.Status.CAPPED, "#5f6b7a"),
    (Delivery.Status.QUEUED, "#c9a227"),
    (Delivery.Status.SENDING, "#c9a227"),
]
WIDTH, HEIGHT, PAD = 560, 160, 24


def _n(value: float) -> str:
    return f"{value:.1f}"


def deliveries_per_day_svg(days: list[tuple]) -> str:
    """`days`: (date, {status: count}) oldest first. Returns an accessible inline SVG."""
    busiest = max((sum(counts.values()) for _day, counts in days), default=0)
    top = busiest or 1
    slot = (WIDTH - PAD) / max(1, len(days))
    day_format = pgettext("a chart's day, as a Django date format", "M d")  # ja: n/j
    bars, labels = [], []
    for index, (day, counts) in enumerate(days):
        x = PAD + index * slot + 2
        y = HEIGHT - PAD
        for status, colour in SERIES:
            height = (HEIGHT - 2 * PAD) * counts.get(status, 0) / top
            if height > 0:
                y -= height
                title = f"{format_date(day, day_format)}: {counts[status]} {Delivery.Status(status).label}"
                bars.append((_n(x), _n(y), _n(slot - 4), _n(height), colour, title))
        labels.append((_n(x), _n(HEIGHT - 6), f"{day:%d}"))
    rects = format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>', bars)
    texts = format_html_join("", '<text x="{}" y="{}" font-size="9" fill="#5b6475">{}</text>', labels)
    summary = _(", ").join(f"{format_date(day, day_format)}: {sum(c.values())}" for day, c in days)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<text x="0" y="12" font-size="10" fill="#5b6475">{}</text>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9dde5"/>{}{}</svg>',
        WIDTH,
        HEIGHT,
        _("Deliveries per day over 14 days: %(days)s") % {"days": summary},
        busiest or _("No deliveries in these 14 days"),
        PAD,
        HEIGHT - PAD,
        WIDTH,
        HEIGHT - PAD,
        rects,
        texts,
    )
