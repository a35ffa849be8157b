"""What a send will do before it does it: who is left out (frequency caps; suppression lives in the
audiences app), what is left of the sender's allowance, how long it should take at the sender's rate,
and whether that overlaps its quiet hours. The confirm page and the API's dry run show it; preparation
applies the same rules batch by batch.

Counted messages: a sender's deliveries that went or will go (`sent`, `queued`, `sending`); canceled,
refused, failed and skipped ones do not count against a cap or an allowance.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messages.models import Delivery
from senders.models import Sender

COUNTED = (Delivery.Status.SENT, Delivery.Status.QUEUED, Delivery.Status.SENDING)
DEFAULT_LATENCY_MS = 200  # the estimate's guess of one request's time before the sender has history
CAP_WINDOWS = (
    ("frequency_cap_24h", timedelta(hours=24), "24 hours"),
    ("frequency_cap_7d", timedelta(days=7), "7 days"),
)


def recipient_key(ott_id: str, user_reference: str) -> str:
    """Who a recipient is for caps and suppression: their ottId, else their userReference."""
    return ott_id or user_reference


def capped(sender: Sender, pairs: Iterable[tuple[str, str]], now: datetime | None = None) -> dict[str, str]:
    """The recipients (by recipient_key) this sender may not message again now, with the reason in
    words ("3 messages in the last 24 hours; the cap is 3")."""
    caps = [(getattr(sender, name), span, words) for name, span, words in CAP_WINDOWS if getattr(sender, name)]
    if not caps:
        return {}
    now = now or timezone.now()
    pairs = list(pairs)
    with_id = {ott_id for ott_id, _ in pairs if ott_id}
    by_reference = {reference for ott_id, reference in pairs if not ott_id}
    longest = max(span for _, span, _ in caps)
    recent = Delivery.objects.filter(sender=sender, status__in=COUNTED, created_at__gte=now - longest).filter(
        Q(ott_id__in=with_id) | Q(ott_id="", user_reference__in=by_reference)
    )
    sent: dict[str, list[datetime]] = {}
    for ott_id, reference, at in recent.values_list("ott_id", "user_reference", "created_at"):
        sent.setdefault(recipient_key(ott_id, reference), []).append(at)
    out = {}
    for key, times in sent.items():
        for cap, span, words in caps:
            seen = sum(1 for at in times if at >= now - span)
            if seen >= cap:
                out[key] = f"{seen:,} messages in the last {words}; the cap is {cap:,}"
                break
    return out


@dataclass(frozen=True)
class Allowance:
    limit: int | None  # None: no allowance of that kind
    used: int
    daily: bool  # else monthly

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


def allowances(sender: Sender, now: datetime | None = None) -> list[Allowance]:
    """The sender's daily and monthly allowances (days and months in its own time zone) and what is
    used of each."""
    now = (now or timezone.now()).astimezone(sender.zone)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    out = []
    for limit, start, daily in ((sender.daily_allowance, day, True), (sender.monthly_allowance, month, False)):
        if limit:
            used = Delivery.objects.filter(sender=sender, status__in=COUNTED, created_at__gte=start).count()
            out.append(Allowance(limit, used, daily))
    return out


def allowance_left(sender: Sender, now: datetime | None = None) -> int | None:
    """The smallest allowance left (None: the sender has no allowance)."""
    left = [a.left for a in allowances(sender, now)]
    return min(left) if left else None


_OVER_DAILY = gettext_lazy(
    "%(name)s may send %(limit)s messages a day; %(used)s are used today and this send has %(total)s: %(left)s left."
)
_OVER_MONTHLY = gettext_lazy(
    "%(name)s may send %(limit)s messages a month; %(used)s are used this month and this send has %(total)s: "
    "%(left)s left."
)


def allowance_problem(sender: Sender, total: int, now: datetime | None = None, *, advice: bool = True) -> str:
    """Why a send of `total` messages would go past an allowance, with the numbers; "" when it fits.
    `advice`: followed by what the marketer can do about it."""
    for allowance in allowances(sender, now):
        if total > allowance.left:
            numbers = {
                "name": sender.name,
                "limit": f"{allowance.limit:,}",
                "used": f"{allowance.used:,}",
                "total": f"{total:,}",
                "left": f"{allowance.left:,}",
            }
            text = (_OVER_DAILY if allowance.daily else _OVER_MONTHLY) % numbers
            if advice:
                text += " " + _("Send to fewer recipients, or choose to send up to the allowance.")
            return text
    return ""


def rate_per_second(sender: Sender) -> float:
    """Posts per second the sender can expect from one worker: its rate cap, or what the worker's
    threads manage at the sender's recent latency, whichever is lower."""
    latencies = list(
        Delivery.objects.filter(sender=sender, latency_ms__isnull=False)
        .order_by("-id")
        .values_list("latency_ms", flat=True)[:200]
    )
    latency = statistics.median(latencies) if latencies else DEFAULT_LATENCY_MS
    threads = max(1, int(settings.OTT_SEND_CONCURRENCY)) / (max(latency, 1) / 1000)
    cap = sender.rate_limit or float(settings.OTT_SENDER_RATE_LIMIT) or threads
    return min(cap, threads)


def estimated_seconds(sender: Sender, total: int) -> int:
    return round(total / rate_per_second(sender)) if total else 0


def quiet_hours_overlap(sender: Sender, start: datetime, seconds: float) -> bool:
    """Does [start, start + seconds] touch the sender's quiet hours?"""
    if sender.quiet_hours_start is None or sender.quiet_hours_end is None:
        return False
    if sender.quiet_until(start):
        return True
    local = start.astimezone(sender.zone)
    begins = datetime.combine(local.date(), sender.quiet_hours_start, tzinfo=sender.zone)
    if begins <= local:
        begins += timedelta(days=1)
    return begins <= start + timedelta(seconds=seconds)
