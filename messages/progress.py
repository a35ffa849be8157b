"""How far a send has come, in the words its page shows: outcomes (a delivery the network refused
after Marketing Cloud accepted it is not counted as plain "sent"), retries waiting and when the next
one is due, a time left that includes those waits, and whether a worker is there to do the work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messages.models import Delivery, Send
from messages.selectors import in_partial_index, send_counts
from messages.workers import workers_alive
from ott.networks import NETWORKS

DS = Delivery.Status

# The bar's segments, in order: (key, label). `network_error` is sent-then-refused by the network.
SEGMENTS = (
    ("sent", _("Sent")),
    ("network_error", _("Sent, then refused by %(network)s")),
    ("rejected", _("Rejected")),
    ("failed", _("Failed")),
    ("canceled", _("Canceled")),
)
# The counters under the bar, one per delivery status: a word for each, shorter than the status's label.
COUNTER_WORDS = {
    DS.QUEUED: _("Queued"),
    DS.SENDING: _("Sending"),
    DS.SENT: _("Sent"),
    DS.REJECTED: _("Rejected"),
    DS.FAILED: _("Failed"),
    DS.CANCELED: _("Canceled"),
    DS.SUPPRESSED: _("Suppressed"),
    DS.CAPPED: _("Capped"),
}


@dataclass
class SendProgress:
    send: Send
    counts: dict[str, int]  # by delivery status, every status present
    network_errors: int  # among `sent`
    retry_waiting: int  # among `queued`: failed before, waiting for their next try
    next_retry_at: datetime | None
    last_retry_at: datetime | None
    worker_missing: bool
    segments: list[dict] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(self.counts[s] for s in Delivery.TERMINAL)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.send.total) if self.send.total else 100

    @property
    def counters(self) -> list[tuple[str, str, int]]:
        """(status, word, count) for each delivery status, in the statuses' order."""
        return [(status, COUNTER_WORDS.get(status, status), count) for status, count in self.counts.items()]

    @property
    def rate(self) -> float | None:
        send = self.send
        if not (send.started_at and self.done):
            return None
        elapsed = max(0.001, ((send.finished_at or timezone.now()) - send.started_at).total_seconds())
        return self.done / elapsed

    @property
    def seconds_left(self) -> int | None:
        """At the current rate, but never less than the wait for the last retry already scheduled."""
        if self.send.is_finished or self.send.status == Send.Status.PAUSED or not self.rate:
            return None
        left = (self.send.total - self.done) / self.rate
        if self.last_retry_at:
            left = max(left, (self.last_retry_at - timezone.now()).total_seconds())
        return max(0, int(left))

    @property
    def waiting_for_worker(self) -> bool:
        """No worker, and the send needs one now (not while it waits for approval or its time)."""
        return self.worker_missing and needs_worker(self.send)


def needs_worker(send: Send, now: datetime | None = None) -> bool:
    """Whether the send waits for a worker now: being prepared, queued, running, or due to start."""
    if send.status in (Send.Status.PREPARING, Send.Status.QUEUED, Send.Status.RUNNING):
        return True
    due = send.scheduled_at is None or send.scheduled_at <= (now or timezone.now())
    return send.status == Send.Status.SCHEDULED and due


def send_progress(send: Send) -> SendProgress:
    rows = Delivery.objects.filter(send=send)
    counts = send_counts([send.pk])[send.pk]
    # COUNT(*), not COUNT(id): the partial index delivery_retry_waiting then answers it alone (an
    # index-only scan on PostgreSQL) instead of a visit to each row of a big send.
    waiting = rows.filter(in_partial_index("delivery_retry_waiting")).aggregate(
        n=Count("*"), first=Min("next_attempt_at"), last=Max("next_attempt_at")
    )
    network_errors = rows.filter(status=DS.SENT, network_error=True).count() if counts[DS.SENT] else 0
    progress = SendProgress(
        send=send,
        counts=counts,
        network_errors=network_errors,
        retry_waiting=waiting["n"],
        next_retry_at=waiting["first"],
        last_retry_at=waiting["last"],
        worker_missing=not send.is_finished and workers_alive() == 0,
    )
    progress.segments = _segments(progress)
    return progress


def _segments(progress: SendProgress) -> list[dict]:
    network = NETWORKS[progress.send.network].label if progress.send.network in NETWORKS else progress.send.network
    values = {**progress.counts, "sent": progress.counts[DS.SENT] - progress.network_errors}
    values["network_error"] = progress.network_errors
    total, x, segments = progress.send.total or 1, 0.0, []
    for key, label in SEGMENTS:
        if values[key]:
            width = 100 * values[key] / total
            segments.append(
                {"key": key, "label": label % {"network": network}, "count": values[key], "x": x, "width": width}
            )
            x += width
    return segments
