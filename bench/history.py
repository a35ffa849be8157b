"""History at a million rows or ten: list pages, filters, search, detail, the admin changelist, the CSV export.

    python bench/history.py [--rows 1000000] [--runs 20] [--sends 1000] [--no-export]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ottportal_bench_history python bench/history.py

It recreates its own database (SQLite `var/bench-history.sqlite3` unless DATABASE_URL names a
PostgreSQL one), bulk-loads deliveries spread over 90 days, 2 networks, 20 senders and 5 statuses, then
times each page through Django's test client as an auditor (median and p95 over --runs), the Django
admin changelist of the same model for comparison, and the full CSV export in a separate process
(time and that process's peak RSS). The page and the progress fragment (the counters the page polls)
of the first send are timed too: with `--sends 1` that send holds every row. The load drops the
delivery table's secondary indexes and builds them again after (ten million rows in minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fresh import database_url_for, environment, fresh_django  # noqa: E402

STATUSES = [("sent", 0.90), ("failed", 0.03), ("rejected", 0.03), ("canceled", 0.02), ("queued", 0.02)]


def load(rows: int, sends_wanted: int = 1000) -> dict:
    """Bulk-load the data set; returns ids and values the timed queries look for."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from messages.models import Delivery, Draft, Send, SendCount
    from senders.models import Sender

    User = get_user_model()
    users = [User.objects.create_user(f"user{i}") for i in range(3)]
    auditor = User.objects.create_user("auditor")
    auditor.groups.add(Group.objects.get(name="Auditors"))
    User.objects.create_superuser("boss")
    senders = [
        Sender.objects.create(network=("line", "messenger")[i % 2], sender_id=str(1_000_000 + i), name=f"Sender {i}")
        for i in range(20)
    ]
    draft = Draft.objects.create(name="Bench", sender=senders[0])
    now = timezone.now()
    start = now - timedelta(days=90)
    step = (now - start) / rows
    per_send = rows // sends_wanted
    sends = Send.objects.bulk_create(
        Send(
            draft=draft,
            draft_name="Bench",
            sender=senders[i % 20],
            sender_name=senders[i % 20].name,
            network=senders[i % 20].network,
            template={
                "from": {"ottId": senders[i % 20].sender_id, "network": senders[i % 20].network},
                "message": {"contents": [{"type": "text", "text": "Hi"}]},
                "validityPeriod": 86400,
            },
            status="done",
            total=per_send,
            created_by=users[i % 3],
        )
        for i in range(sends_wanted)
    )
    Send.objects.update(created_at=start)
    rng = random.Random(7)
    names, weights = zip(*STATUSES, strict=True)
    columns = [
        "send_id",
        "network",
        "sender_id",
        "created_by_id",
        "message_key",
        "ott_id",
        "user_reference",
        "message",
        "status",
        "attempts",
        "needs_lookup",
        "http_status",
        "ott_request_id",
        "error_code",
        "error_message",
        "validation_errors",
        "response_body",
        "latency_ms",
        "network_events",
        "events_final",
        "network_error",
        "created_at",
        "finished_at",
    ]
    probe = {}

    key_field = Delivery._meta.get_field("message_key")
    when = connection.ops.adapt_datetimefield_value

    def generate():
        for n in range(rows):
            send = sends[min(n // per_send, sends_wanted - 1)]
            sender = senders[send.sender_id - senders[0].pk]
            status = rng.choices(names, weights)[0]
            key = uuid.uuid4()
            request_id = str(uuid.uuid4()) if status == "sent" else ""
            ott_id = f"U{rng.randrange(10**9):09d}"
            at = start + step * n
            if n == rows // 2:
                probe.update(request_id=request_id or "none", ott_id=ott_id, key=str(key))
            yield (
                send.pk,
                send.network,
                sender.pk,
                send.created_by_id,
                key_field.get_db_prep_value(key, connection),
                ott_id,
                "",
                "",  # the send's template's message
                status,
                1,
                False,
                201 if status == "sent" else 500,
                request_id,
                None,
                "server error (HTTP 500)" if status == "failed" else "",
                "[]",
                "",
                55,
                "[]",
                status == "sent",
                False,
                when(at),
                when(at) if status != "queued" else None,
            )

    table = Delivery._meta.db_table
    started = time.perf_counter()
    # The secondary indexes (and on PostgreSQL the unique and foreign key constraints) are dropped for
    # the load and built again after it from their own definitions: the same schema is timed, loaded
    # in minutes rather than an hour at ten million rows (one sort per index, not a random insert per row).
    rebuild = _drop_secondary(connection, table)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in generate():
                copy.write_row(row)
    else:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        batch = []
        with connection.cursor() as cursor:
            # One transaction, no journal, a 1 GB cache: the unique messageKey index (random keys) stays
            # in memory and is written once. Committing every batch instead wrote most of that index
            # to the WAL again at each commit (an hour for ten million rows).
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
            with transaction.atomic():
                for row in generate():
                    batch.append(row)
                    if len(batch) == 50_000:
                        cursor.executemany(sql, batch)
                        batch.clear()
                cursor.executemany(sql, batch)
    probe["insert_seconds"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        for statement in rebuild:
            cursor.execute(statement)
        if connection.vendor == "sqlite":  # as the portal runs
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-2000")
        # The running counts the portal keeps for what it inserts (messages.counts), for the loaded rows.
        count = SendCount._meta.db_table
        cursor.execute(
            f"INSERT INTO {count} (send_id, status, shard, n) "  # noqa: S608
            f"SELECT send_id, status, 0, count(*) FROM {table} GROUP BY send_id, status"
        )
        cursor.execute("ANALYZE")
    probe["load_seconds"] = time.perf_counter() - started
    ids = list(Delivery.objects.order_by("id").values_list("id", flat=True)[rows // 10 : rows // 10 + 1])
    probe["deep_before"] = ids[0]
    probe["detail_id"] = Delivery.objects.filter(message_key=probe["key"]).values_list("id", flat=True)[0]
    probe["send_id"], probe["send_size"] = sends[0].pk, Delivery.objects.filter(send=sends[0]).count()
    return probe


def loaded() -> dict:
    """What load() returns, read back from a data set it loaded before (`--reuse`)."""
    from django.db.models import Max, Min

    from messages.models import Delivery, Send

    bounds = Delivery.objects.aggregate(first=Min("id"), last=Max("id"))
    rows = bounds["last"] - bounds["first"] + 1
    middle = Delivery.objects.get(pk=bounds["first"] + rows // 2)
    send = Send.objects.order_by("id").first()
    return {
        "rows": rows,
        "load_seconds": 0.0,
        "insert_seconds": 0.0,
        "request_id": middle.ott_request_id or "none",
        "ott_id": middle.ott_id,
        "key": str(middle.message_key),
        "deep_before": bounds["first"] + rows // 10,
        "detail_id": middle.pk,
        "send_id": send.pk,
        "send_size": Delivery.objects.filter(send=send).count(),
    }


def _drop_secondary(connection, table: str) -> list[str]:
    """Drop the table's secondary indexes (PostgreSQL: also its unique and foreign key constraints);
    return the statements that create them again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            return [definition for _, definition in indexes] + [
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints
            ]
        # SQLite: the unique messageKey index belongs to the table's definition and stays.
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        indexes = [(name, sql) for name, sql in cursor.fetchall() if sql]
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in indexes]


def timed(client, url: str, params: dict, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    ordered = sorted(times)
    return statistics.median(times), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def export_only() -> None:
    """Stream the whole CSV export (run in its own process, so its peak RSS is its own)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="auditor"))
    before = _memory_mb("VmRSS")
    started = time.perf_counter()
    response = client.get("/history/export.csv")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    peak = _memory_mb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "rss_before_mb": before, "bytes": size, "lines": lines}))


def _memory_mb(field: str) -> float:
    """This process's VmRSS (now) or VmHWM (peak) in MB. Not getrusage's ru_maxrss: Linux carries the
    parent's peak into a child started with vfork (as subprocess does), so ru_maxrss showed the
    bench's own size whenever that was the larger."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(f"{field}:"))) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sends", type=int, default=1000, help="sends the rows are spread over (default 1,000)")
    parser.add_argument("--no-export", action="store_true", help="skip the CSV export (it reads every row)")
    parser.add_argument("--reuse", action="store_true", help="time the data set a previous run loaded (no load)")
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_only:
        export_only()
        return
    if args.reuse:
        os.environ.update(environment(database_url_for("bench-history.sqlite3")))
        import django

        django.setup()
    else:
        fresh_django("bench-history.sqlite3")
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    probe = loaded() if args.reuse else load(args.rows, args.sends)
    args.rows = probe.get("rows", args.rows)
    auditor, boss = Client(), Client()
    auditor.force_login(get_user_model().objects.get(username="auditor"))
    boss.force_login(get_user_model().objects.get(username="boss"))
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    cases = [
        ("history first page", auditor, "/history/", {}),
        (
            "filtered (network+status+7 days)",
            auditor,
            "/history/",
            {"network": "line", "status": "failed", "created_after": week_ago},
        ),
        ("deep page (90% down)", auditor, "/history/", {"before": probe["deep_before"]}),
        ("search by messageKey", auditor, "/history/", {"q": probe["key"]}),
        ("search by ottRequestId", auditor, "/history/", {"q": probe["request_id"]}),
        ("search by recipient", auditor, "/history/", {"q": probe["ott_id"]}),
        ("delivery detail", auditor, f"/history/{probe['detail_id']}/", {}),
        (f"send page ({probe['send_size']:,} deliveries)", auditor, f"/sends/{probe['send_id']}/", {}),
        ("send progress (polled counters)", auditor, f"/sends/{probe['send_id']}/progress/", {}),
        ("admin changelist (first page)", boss, "/admin/ott_messages/delivery/", {}),
        (
            "admin changelist filtered",
            boss,
            "/admin/ott_messages/delivery/",
            {"status__exact": "failed", "network__exact": "line"},
        ),
    ]
    results = {name: timed(client, url, params, args.runs) for name, client, url, params in cases}
    exported = None
    if not args.no_export:
        export = subprocess.run(
            [sys.executable, __file__, "--export-only"], env={**os.environ}, capture_output=True, text=True, check=True
        )
        exported = json.loads(export.stdout.strip().splitlines()[-1])

    from django.db import connection

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(f"history: {args.rows:,} deliveries over 90 days, {engine}, {args.runs} runs each, {os.cpu_count()} CPUs")
    print(
        "  load: reused"
        if args.reuse
        else f"  load: {probe['load_seconds']:.1f} s ({probe['insert_seconds']:.1f} s inserting, "
        f"the rest building indexes and ANALYZE)"
    )
    for name, (median, p95) in results.items():
        print(f"  {name:36} median {median:8.1f} ms   p95 {p95:8.1f} ms")
    first = results["history first page"][0]
    filtered = results["filtered (network+status+7 days)"][0]
    print(
        f"  admin/history first page: {results['admin changelist (first page)'][0] / first:.0f}x; "
        f"filtered: {results['admin changelist filtered'][0] / filtered:.0f}x (target >= 10x)"
    )
    slowest = max((median, name) for name, (median, _) in results.items() if not name.startswith("admin"))
    verdict = "met" if slowest[0] <= 50 else "missed"
    print(f"  slowest page median {slowest[0]:.1f} ms, {slowest[1]} (target <= 50 ms): {verdict}")
    if exported:
        met = "met" if exported["seconds"] <= 20 and exported["peak_rss_mb"] <= 100 else "missed"
        print(
            f"  CSV export: {exported['lines'] - 1:,} rows, {exported['bytes'] / 1e6:.0f} MB "
            f"in {exported['seconds']:.1f} s, "
            f"peak RSS {exported['peak_rss_mb']:.0f} MB ({exported['rss_before_mb']:.0f} MB before the request; "
            f"targets for 1,000,000 rows <= 20 s, <= 100 MB): {met}"
        )


if __name__ == "__main__":
    main()
