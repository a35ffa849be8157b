"""A big send's confirm and its preparation: how long the confirm holds the request, and how long the
worker takes to write the deliveries, at 100,000 and 1,000,000 recipients.

    python bench/prepare.py [--sizes 100000 1000000] [--sources list audience]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ottportal_bench_prepare python bench/prepare.py

It recreates its own database (SQLite `var/bench-prepare.sqlite3` unless DATABASE_URL names a
PostgreSQL one, which is dropped and created again), makes a LINE sender and a draft, and for each
size and source:
- list: a send of N pasted recipients through `services.send_create` (what the confirm page and the
  API call), timed; then `preparation.prepare` as the worker's task runs it, timed;
- audience: a saved audience of N rows (written straight to its table, with two columns), a send to
  it through `send_create(audience=...)` when the send side takes one, else with `Send.audience` set
  on a send made by `send_create`; then the same preparation from the audience's rows.
Preparation is timed until the send leaves `preparing` (its deliveries written, the recipients'
fingerprint taken and the worker's tasks enqueued); the process's CPU seconds are printed beside the
wall time, as the machine may be shared (its load average is printed too).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fresh import fresh_django  # noqa: E402

TARGETS = {"postgresql": 60.0, "sqlite": 120.0}  # seconds to prepare 1,000,000 deliveries
CONFIRM_TARGET = 1.0


def load_audience(size: int, user, network: str):
    """A ready audience of `size` rows (LINE ids, a customer reference, first_name and coupon)."""
    from django.db import connection, transaction

    from audiences.models import Audience, AudienceRow

    audience = Audience.objects.create(
        name=f"Bench {size:,}", network=network, status=Audience.Status.READY, size=size,
        columns=["first_name", "coupon"], created_by=user,
    )  # fmt: skip
    table = AudienceRow._meta.db_table
    columns = "audience_id, line, ott_id, user_reference, vars"
    for start in range(0, size, 50_000):
        rows = [
            (audience.pk, n + 1, f"U{n:032x}", f"cust-{n:08d}", json.dumps({"first_name": "花子", "coupon": f"C{n}"}))
            for n in range(start, min(size, start + 50_000))
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)", rows)  # noqa: S608
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return audience


def server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (None on SQLite, whose work is this
    process's own, or when the server is on another machine)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def confirm(source: str, size: int, draft, user):
    """Create the send as the confirm does; returns (send, seconds, what was called)."""
    from messages import services

    if source == "list":
        recipients = [(f"U{n:032x}", "") for n in range(size)]
        started = time.perf_counter()
        send = services.send_create(draft=draft, recipients=recipients, user=user)
        return send, time.perf_counter() - started, "send_create(recipients=[N])"
    audience = load_audience(size, user, draft.sender.network)
    started = time.perf_counter()
    send = services.send_create(draft=draft, audience=audience, user=user)
    return send, time.perf_counter() - started, "send_create(audience=...)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sources", nargs="+", default=["list", "audience"], choices=["list", "audience"])
    args = parser.parse_args()
    fresh_django("bench-prepare.sqlite3")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from messages import preparation, tasks
    from messages.models import Delivery, Send
    from messages.services import draft_create
    from ott.payloads import Block, Message
    from senders.models import Sender

    marketer = get_user_model().objects.create_user("marketer")
    marketer.groups.add(Group.objects.get(name="Marketers"))
    sender = Sender.objects.create(network="line", sender_id="2000000001", name="Bench LINE")
    draft = draft_create(
        owner=marketer, name="Bench", sender=sender, message=Message(blocks=(Block("text", text="セール 😀 Sale"),))
    )
    engine = connection.vendor
    print(
        f"prepare: {engine}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"OTT_PREPARE_INLINE_MAX={settings.OTT_PREPARE_INLINE_MAX:,}, batch {preparation.BATCH:,}"
    )
    for size in args.sizes:
        for source in args.sources:
            send, confirm_seconds, how = confirm(source, size, draft, marketer)
            assert send.status == Send.Status.PREPARING, send.status
            started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
            preparation.prepare(send.pk, enqueue_start=tasks.enqueue_start, enqueue=tasks.enqueue_deliveries)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            server = f", {server_cpu() - server:.1f} s of the server's" if server is not None else ""
            send.refresh_from_db()
            written = Delivery.objects.filter(send=send).count()
            assert written == size and send.status != Send.Status.PREPARING, (written, send.status)
            target = TARGETS[engine] * size / 1_000_000
            print(
                f"  {size:>9,} from {'a list' if source == 'list' else 'an audience':<11}: confirm "
                f"{confirm_seconds:.2f} s [{how}]; prepare {seconds:.1f} s "
                f"({size / seconds:,.0f}/s, {cpu:.1f} s CPU{server}; target {target:.1f} s: "
                f"{'met' if seconds <= target else 'missed'}), load average {os.getloadavg()[0]:.1f}"
            )
            if confirm_seconds > CONFIRM_TARGET:
                print(f"    the confirm took more than {CONFIRM_TARGET:.0f} s")


if __name__ == "__main__":
    main()
