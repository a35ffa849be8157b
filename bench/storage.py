"""Disk per delivery: a send of N recipients prepared from an audience, measured table by table and
index by index, once queued and once sent.

    python bench/storage.py [--size 1000000] [--personal]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ottportal_bench_storage python bench/storage.py

It recreates its own database (SQLite `var/bench-storage.sqlite3` unless DATABASE_URL names a
PostgreSQL one), loads an audience of N rows (bench/prepare.py's), and prepares a LINE send to it with
the worker's own `preparation.prepare`. `--personal` makes the message use the audience's columns, so
each delivery keeps its own filled message.

"Sent" gives every delivery what the worker's record step writes for an accepted answer (status,
attempts, HTTP status, latency, ottRequestId, the answer kept, finish time: the fields are made by
`engine.record.outcome_event` itself) and its one attempt log row (`engine.record` makes those too);
it writes them with plain UPDATE/INSERT statements rather than posting a million requests.
Sizes are read after VACUUM (SQLite's `dbstat`; PostgreSQL's relation sizes, TOAST included), so
they are the rows' own size, not free space a later insert would reuse.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fresh import fresh_django  # noqa: E402

TARGET = 250  # bytes per delivery, table and indexes (issue: scale)
BATCH = 20_000


def sizes(tables: list[str]) -> dict[str, dict[str, int]]:
    """{table: {table or index name: bytes}} after VACUUM."""
    from django.db import connection

    out: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"VACUUM FULL ANALYZE {table}")
                cursor.execute(
                    "SELECT c.relname, pg_total_relation_size(c.oid) - pg_indexes_size(c.oid) FROM pg_class c "
                    "WHERE c.relname = %s UNION ALL SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
                    "WHERE c.relname = %s",
                    [table, table],
                )
                out[table] = dict(cursor.fetchall())
        else:
            cursor.execute("VACUUM")
            for table in tables:
                cursor.execute(
                    "SELECT d.name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_schema s ON s.name = d.name "
                    "WHERE s.tbl_name = %s GROUP BY d.name",
                    [table],
                )
                out[table] = dict(cursor.fetchall())
    return out


def report(title: str, measured: dict[str, dict[str, int]], count: int) -> int:
    print(f"  {title}:")
    total = 0
    for table, parts in measured.items():
        table_total = sum(parts.values())
        total += table_total
        print(f"    {table}: {table_total / count:,.0f} bytes per delivery")
        for name, size in sorted(parts.items(), key=lambda item: -item[1]):
            print(f"      {size / count:>7,.1f}  {name}")
    return total


def mark_sent(send) -> None:
    """Every delivery of `send` as the record step leaves it after an accepted answer, with its
    attempt log row."""
    from django.db import connection, transaction
    from django.utils import timezone

    from messages import bulk
    from messages.engine.attempt import Result
    from messages.engine.record import ATTEMPT_FIELDS, outcome_event
    from messages.models import Attempt, Delivery
    from ott.client import Accepted

    table = Delivery._meta.db_table
    columns = ("status", "attempts", "http_status", "latency_ms", "ott_request_id", "response_body", "finished_at")
    assign = ", ".join(f"{Delivery._meta.get_field(name).column} = %s" for name in columns)
    update = f"UPDATE {table} SET {assign} WHERE id = %s"  # noqa: S608
    ids = list(Delivery.objects.filter(send=send).order_by("id").values_list("id", flat=True))
    now = timezone.now()
    for start in range(0, len(ids), BATCH):
        rows, logs = [], []
        for pk in ids[start : start + BATCH]:
            request_id = str(uuid.uuid4())
            outcome = Accepted(201, {"ottRequestId": request_id}, 48, request_id)
            delivery = Delivery(pk=pk, send_id=send.pk, attempts=1, status=Delivery.Status.SENDING)
            _, log = outcome_event(Result(delivery, outcome, now), now, stopped=False)
            delivery.status = Delivery.Status.SENT
            fields = [Delivery._meta.get_field(name) for name in columns]
            rows.append([f.get_db_prep_save(getattr(delivery, f.attname), connection) for f in fields] + [pk])
            logs.extend(log)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(update, rows)
            bulk.insert(Attempt, ATTEMPT_FIELDS, logs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--personal", action="store_true", help="a message filled from each row's columns")
    args = parser.parse_args()
    fresh_django("bench-storage.sqlite3")
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from prepare import load_audience

    from messages import preparation, services, tasks
    from messages.models import Attempt, Delivery, Send
    from ott.payloads import Block, Message
    from senders.models import Sender

    marketer = get_user_model().objects.create_user("marketer")
    marketer.groups.add(Group.objects.get(name="Marketers"))
    sender = Sender.objects.create(network="line", sender_id="2000000001", name="Bench LINE")
    text = "{{ first_name }}さん、クーポン {{ coupon }} をどうぞ 😀" if args.personal else "セール 😀 Sale"
    draft = services.draft_create(
        owner=marketer, name="Bench", sender=sender, message=Message(blocks=(Block("text", text=text),))
    )
    audience = load_audience(args.size, marketer, "line")
    send = services.send_create(draft=draft, audience=audience, user=marketer)
    preparation.prepare(send.pk, enqueue_start=tasks.enqueue_start, enqueue=tasks.enqueue_deliveries)
    send.refresh_from_db()
    count = Delivery.objects.filter(send=send).count()
    assert count == args.size and send.status != Send.Status.PREPARING, (count, send.status)
    kind = "personalized" if args.personal else "the same message for all"
    print(f"storage: {connection.vendor}, {count:,} deliveries ({kind})")
    delivery_table, attempt_table = Delivery._meta.db_table, Attempt._meta.db_table
    queued = report("queued", sizes([delivery_table]), count)
    mark_sent(send)
    sent = sizes([delivery_table, attempt_table])
    report("sent", sent, count)
    delivery_bytes = sum(sent[delivery_table].values()) / count
    print(
        f"  per delivery: queued {queued / count:,.0f} bytes, sent {delivery_bytes:,.0f} bytes "
        f"(target {TARGET}: {'met' if delivery_bytes <= TARGET else 'missed'}), "
        f"with its attempt log {delivery_bytes + sum(sent[attempt_table].values()) / count:,.0f} bytes"
    )


if __name__ == "__main__":
    main()
