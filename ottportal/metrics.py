"""`/metrics` for Prometheus, read from the database at each scrape.

The web process answers the scrape but the workers do the posting, on any number of machines. So
nothing here is counted in a process's memory: every number comes from the tables that are the truth
(deliveries, sends, worker heartbeats) or from the attempt log the workers write with their outcomes
(`Attempt`: one row per request to Marketing Cloud, with its outcome, HTTP status and latency). Each
web process, and each scrape, gives the same answer; nothing is lost when a process restarts.

Two kinds of numbers (docs/operations.md shows the queries and alerts):
- state, as gauges: deliveries by network and status, sends by status, the queue (depth, age of the
  oldest delivery waiting), workers alive and the age of the newest heartbeat;
- what happened in the last WINDOW_SECONDS, from the attempt log: requests by endpoint, outcome and
  HTTP status, their latency as a gauge histogram, 429 answers and retries. These are gauges over a
  sliding window, not counters: read them as they are (`ottportal_marketing_cloud_requests_recent / 60`
  is requests per second), not through rate().
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from itertools import accumulate

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector, CollectorRegistry

from messages.models import Attempt, Delivery, Send, SendCount
from messages.workers import WORKER_GONE_SECONDS, worker_state
from ott.networks import NETWORKS

WINDOW_SECONDS = 60
# Latency buckets in seconds (+Inf added): Marketing Cloud answers in tens of milliseconds when well,
# and the read timeout (OTT_READ_TIMEOUT, 30 s) bounds the slowest.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ENDPOINTS = {Attempt.Kind.SEND: "send", Attempt.Kind.LOOKUP: "status"}  # POST /ott/v1/send, GET .../{key}
PREFIX = "ottportal"


def _deliveries() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        f"{PREFIX}_deliveries",
        "Deliveries in the database by network and status (ott_retention removes old finished ones).",
        labels=["network", "status"],
    )
    counts = {(network, status): 0 for network in NETWORKS for status in Delivery.Status.values}
    # From the running counts per send and status (SendCount, kept by triggers): a few rows per send
    # instead of a scan of the deliveries; a delivery's network is its send's.
    networks = dict(Send.objects.values_list("id", "network"))
    for send_id, status, n in SendCount.objects.order_by().values_list("send_id", "status").annotate(n=Sum("n")):
        network = networks.get(send_id)
        if network is not None and n:  # a send made after the line above
            counts[(network, status)] = counts.get((network, status), 0) + n
    for (network, status), n in sorted(counts.items()):
        family.add_metric([network, status], n)
    yield family


def _sends() -> Iterator[Metric]:
    family = GaugeMetricFamily(f"{PREFIX}_sends", "Sends in the database by status.", labels=["status"])
    counts = dict.fromkeys(Send.Status.values, 0)
    for row in Send.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    for status, n in sorted(counts.items()):
        family.add_metric([status], n)
    yield family


def _queue(now) -> Iterator[Metric]:
    queued = Delivery.objects.filter(status=Delivery.Status.QUEUED)
    depth = SendCount.objects.filter(status=Delivery.Status.QUEUED).aggregate(n=Sum("n"))["n"] or 0
    yield GaugeMetricFamily(f"{PREFIX}_queue_depth", "Deliveries queued, waiting to be posted.", value=depth)
    # Of sends being sent (not paused), and not waiting out a retry delay or a held sender.
    due = queued.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).filter(
        send__status__in=(Send.Status.QUEUED, Send.Status.RUNNING)
    )
    oldest = due.order_by("id").values_list("created_at", flat=True).first()
    yield GaugeMetricFamily(
        f"{PREFIX}_queue_oldest_age_seconds",
        "Seconds since the oldest queued delivery whose time has come was queued (not counting deliveries "
        "waiting out a retry delay, or of paused sends); 0 when none waits.",
        value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )


def _workers(now) -> Iterator[Metric]:
    state = worker_state()
    yield GaugeMetricFamily(
        f"{PREFIX}_workers_alive", f"Workers whose heartbeat is newer than {WORKER_GONE_SECONDS} s.", value=state.alive
    )
    yield GaugeMetricFamily(
        f"{PREFIX}_worker_last_heartbeat_age_seconds",
        "Seconds since the newest worker heartbeat; +Inf when no worker has one (none ever ran, or all stopped).",
        value=(now - state.last_seen).total_seconds() if state.last_seen else float("inf"),
    )
    yield GaugeMetricFamily(
        f"{PREFIX}_sends_waiting",
        "Sends that need a worker now: queued, running, being prepared, or scheduled with their time come.",
        value=state.waiting,
    )
    yield GaugeMetricFamily(
        f"{PREFIX}_worker_missing",
        f"1 when sends wait and no worker has been seen for {WORKER_GONE_SECONDS} s (/readyz answers 503), else 0.",
        value=1 if state.missing else 0,
    )


def _window_rows(since) -> list[dict]:
    """One query: attempts since `since` grouped by kind, outcome, HTTP status and latency bucket (the
    index of the first bound it fits under; len(LATENCY_BUCKETS) above them all, -1 untimed), with
    their count, latency sum and retries. One CASE per row is cheaper than a filtered count per bucket."""
    bucket = Case(
        When(latency_ms__isnull=True, then=Value(-1)),
        *(When(latency_ms__lte=int(bound * 1000), then=Value(n)) for n, bound in enumerate(LATENCY_BUCKETS)),
        default=Value(len(LATENCY_BUCKETS)),
        output_field=IntegerField(),
    )
    return list(
        Attempt.objects.filter(at__gte=since)
        .order_by()
        .annotate(bucket=bucket)
        .values("kind", "outcome", "http_status", "bucket")
        .annotate(
            n=Count("*"),
            latency_total_ms=Sum("latency_ms"),
            retries=Count("id", filter=Q(kind=Attempt.Kind.SEND, number__gt=1)),
        )
    )


def _recent(now) -> Iterator[Metric]:
    rows = _window_rows(now - timedelta(seconds=WINDOW_SECONDS))
    yield GaugeMetricFamily(
        f"{PREFIX}_metrics_window_seconds", "Length of the window the *_recent metrics cover.", value=WINDOW_SECONDS
    )
    requests: dict[tuple[str, str, str], int] = defaultdict(int)
    # Per (endpoint, outcome): attempts per bucket (the last one above every bound), and the latency sum.
    latency: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * (len(LATENCY_BUCKETS) + 2))
    throttled = retries = 0
    for row in rows:
        endpoint = ENDPOINTS.get(row["kind"], row["kind"])
        code = row["http_status"] or 0
        requests[(endpoint, row["outcome"], str(code))] += row["n"]
        throttled += row["n"] if code == 429 else 0
        retries += row["retries"]
        if row["bucket"] >= 0:
            sums = latency[(endpoint, row["outcome"])]
            sums[row["bucket"]] += row["n"]
            sums[-1] += (row["latency_total_ms"] or 0) / 1000
    family = GaugeMetricFamily(
        f"{PREFIX}_marketing_cloud_requests_recent",
        f"Requests to Marketing Cloud in the last {WINDOW_SECONDS} s by endpoint (send: POST /ott/v1/send, status: "
        "GET /ott/v1/send/{messageKey}), outcome, and HTTP status (0: no answer).",
        labels=["endpoint", "outcome", "code"],
    )
    for labels, n in sorted(requests.items()):
        family.add_metric(list(labels), n)
    yield family
    histogram = GaugeHistogramMetricFamily(
        f"{PREFIX}_marketing_cloud_request_duration_seconds_recent",
        f"Latency of the requests to Marketing Cloud in the last {WINDOW_SECONDS} s, by endpoint and outcome.",
        labels=["endpoint", "outcome"],
    )
    bounds = [*(str(bound) for bound in LATENCY_BUCKETS), "+Inf"]
    for (endpoint, outcome), sums in sorted(latency.items()):
        cumulative = list(accumulate(sums[:-1]))
        histogram.add_metric([endpoint, outcome], list(zip(bounds, cumulative, strict=True)), sums[-1])
    yield histogram
    yield GaugeMetricFamily(
        f"{PREFIX}_marketing_cloud_throttled_recent",
        f"429 (Too Many Requests) answers from Marketing Cloud in the last {WINDOW_SECONDS} s.",
        value=throttled,
    )
    yield GaugeMetricFamily(
        f"{PREFIX}_retries_recent",
        f"Posts in the last {WINDOW_SECONDS} s that were a retry (not a delivery's first attempt).",
        value=retries,
    )


class PortalCollector(Collector):
    """Everything above, read at each scrape (a handful of aggregate queries, see docs/benchmarks.md)."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield from _deliveries()
        yield from _sends()
        yield from _queue(now)
        yield from _workers(now)
        yield from _recent(now)


REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(PortalCollector())


def bearer_matches(header: str) -> bool:
    """`Authorization: Bearer <METRICS_TOKEN>`, compared in constant time."""
    expected = settings.METRICS_TOKEN
    scheme, _, presented = (header or "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def render(accept: str) -> tuple[bytes, str]:
    """(body, content type): OpenMetrics when the scraper asks for it (Prometheus does), else the text
    format 0.0.4."""
    encoder, content_type = choose_encoder(accept)
    return encoder(REGISTRY), content_type
