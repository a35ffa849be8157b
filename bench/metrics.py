"""/metrics at a million deliveries: the cost of one Prometheus scrape, and of each part of it.

    python bench/metrics.py [--rows 1000000] [--recent 60000] [--queued 100000] [--runs 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ottportal_bench_metrics python bench/metrics.py

It recreates its own database (SQLite `var/bench-metrics.sqlite3` unless DATABASE_URL names a
PostgreSQL one; `--reuse` keeps the one a previous run loaded), loads the history data set of
bench/history.py (--rows deliveries over 90 days) with one attempt per delivery and --queued deliveries
waiting, adds --recent attempts for the window (1,000 a second: a worker at full speed), then times
the whole scrape through Django's test client and each part of the collector on its own (median and
p95 over --runs). The window's attempts are dated a few minutes ahead, so that they are still in the
window however long the timing takes (the query reads `at >= now - 60 s`: the same rows either way).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fresh import database_url_for, environment, prepare_database  # noqa: E402
from history import load  # noqa: E402

TOKEN = "bench-metrics-token"


def load_attempts(queued: int) -> None:
    """One attempt per delivery at its creation time, and `queued` deliveries turned back into queued
    ones (a big send under way)."""
    from django.db import connection

    from messages.models import Attempt, Delivery

    table = Attempt._meta.db_table
    columns = "delivery_id, number, kind, at, outcome, http_status, latency_ms, detail"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT id, 1, 'send', created_at, "  # noqa: S608
            "CASE status WHEN 'sent' THEN 'accepted' WHEN 'rejected' THEN 'rejected' ELSE 'failed' END, "
            "http_status, latency_ms, '' FROM " + Delivery._meta.db_table
        )
    waiting = list(Delivery.objects.order_by("-id").values_list("id", flat=True)[:queued])
    for start in range(0, len(waiting), 10_000):
        Delivery.objects.filter(id__in=waiting[start : start + 10_000]).update(status="queued", finished_at=None)


def add_recent(recent: int) -> None:
    """`recent` attempts in the window (dated up to 10 minutes ahead, see the top), replacing those of
    a previous run."""
    from django.db import connection
    from django.utils import timezone

    from messages.models import Attempt, Delivery

    rng = random.Random(11)
    now = timezone.now() + timedelta(minutes=10)
    Attempt.objects.filter(at__gt=timezone.now() - timedelta(hours=1)).delete()
    ids = list(Delivery.objects.order_by("-id").values_list("id", flat=True)[:recent])
    outcomes = [("accepted", 201), ("accepted", 201), ("accepted", 201), ("failed", 429), ("failed", 503)]
    rows = []
    for n, delivery_id in enumerate(ids):
        outcome, status = rng.choice(outcomes)
        at = now - timedelta(seconds=60 * n / max(1, recent))
        rows.append(
            Attempt(
                delivery_id=delivery_id,
                number=1 + n % 2,
                kind="send",
                at=at,
                outcome=outcome,
                http_status=status,
                latency_ms=rng.randint(20, 400),
            )
        )
    Attempt.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        # What autovacuum does to a settled table; on PostgreSQL it lets the counts read indexes alone.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def timed(function, runs: int) -> tuple[float, float, float]:
    """Median and p95 wall time, and median CPU time of this process, in ms. On SQLite the query runs
    in this process, so its CPU time says what it costs even on a machine busy with other work."""
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    ordered = sorted(times)
    return statistics.median(times), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--recent", type=int, default=60_000)
    parser.add_argument("--queued", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous run loaded")
    args = parser.parse_args()
    database_url = database_url_for("bench-metrics.sqlite3")
    if not args.reuse:
        prepare_database(database_url)
    os.environ.update({**environment(database_url), "METRICS_TOKEN": TOKEN})
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from ottportal import metrics

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not args.reuse:
        load(args.rows)
        load_attempts(args.queued)
    add_recent(args.recent)
    loaded = time.perf_counter() - started

    client = Client()

    def scrape():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.status_code
        return response

    body = scrape().content.decode()
    now = timezone.now
    parts = {
        "deliveries by network and status": lambda: list(metrics._deliveries()),
        "sends by status": lambda: list(metrics._sends()),
        "queue (depth, oldest)": lambda: list(metrics._queue(now())),
        "workers": lambda: list(metrics._workers(now())),
        "last minute of attempts": lambda: list(metrics._recent(now())),
    }
    results = {name: timed(part, args.runs) for name, part in parts.items()}
    whole = timed(scrape, args.runs)
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(
        f"metrics: {args.rows:,} deliveries and attempts over 90 days, {args.recent:,} attempts in the last minute, "
        f"{args.queued:,} queued, {engine}, {args.runs} runs each (load {loaded:.0f} s)"
    )
    for name, (median, p95, cpu) in [*results.items(), ("whole scrape (GET /metrics)", whole)]:
        print(f"  {name:40} median {median:8.1f} ms   p95 {p95:8.1f} ms   CPU here {cpu:8.1f} ms")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  answer: {len(body):,} bytes, {sum(1 for line in body.splitlines() if not line.startswith('#'))} samples")


if __name__ == "__main__":
    main()
