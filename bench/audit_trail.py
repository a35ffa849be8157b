"""The audit trail's costs: one entry written (the lock, the read of the last hash, the insert), the
same with writers at once, and `audit_verify` over the whole chain.

    python bench/audit_trail.py [--entries 100000] [--writers 4] [--timed 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ottportal_bench_audit python bench/audit_trail.py

It recreates its own database (SQLite `var/bench-audit.sqlite3` unless DATABASE_URL names a PostgreSQL
one), times --timed entries written one after the other by `audit.record` (each in its own transaction,
as an action outside any other would), then --timed entries written by --writers threads at once,
fills the chain up to --entries and times `audit_verify` reading all of it.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fresh import fresh_django  # noqa: E402


def _write(count: int, detail: str) -> list[float]:
    from ottportal import audit

    took = []
    for n in range(count):
        started = time.perf_counter()
        audit.record(
            "draft.edit", username="bench", detail=f"{detail} {n}", before={"name": "old"}, after={"name": "new"}
        )
        took.append(time.perf_counter() - started)
    return took


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {ordered[int(len(ordered) * 0.95)] * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--timed", type=int, default=2000)
    args = parser.parse_args()
    fresh_django("bench-audit.sqlite3")
    from django.core.management import call_command
    from django.db import connection, connections

    from ottportal.models import AuditEntry

    print(f"database: {connection.vendor}")

    took = _write(args.timed, "one writer")
    print(f"one writer: {args.timed:,} entries, {len(took) / sum(took):,.0f} a second; {_ms(took)} each")

    per_writer, times = args.timed // args.writers, []

    def writer(number: int) -> None:
        try:
            times.extend(_write(per_writer, f"writer {number}"))
        finally:
            connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(
        f"{args.writers} writers at once: {len(times):,} entries in {elapsed:.2f} s, "
        f"{len(times) / elapsed:,.0f} a second; {_ms(times)} each"
    )

    remaining = args.entries - AuditEntry.objects.count()
    if remaining > 0:
        _write(remaining, "filler")
    out = io.StringIO()
    started = time.perf_counter()
    call_command("audit_verify", stdout=out)
    elapsed = time.perf_counter() - started
    count = AuditEntry.objects.count()
    print(f"audit_verify: {count:,} entries in {elapsed:.2f} s ({count / elapsed:,.0f} a second)")
    print(out.getvalue().splitlines()[0])


if __name__ == "__main__":
    main()
