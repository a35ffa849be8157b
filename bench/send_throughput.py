"""Bulk send throughput: the portal's worker against a fast OTT stub, beside a ceiling and a naive loop.

    python bench/send_throughput.py [--n 10000] [--latency 0.05] [--workers 1] [--concurrency 64]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ottportal_bench python bench/send_throughput.py --workers 2

It recreates its own database (SQLite `var/bench.sqlite3` unless DATABASE_URL names a PostgreSQL one,
which is dropped and created again), queues one send of N deliveries through `send_create` (what the
confirm page calls), runs `manage.py db_worker --batch` processes until every delivery is terminal, and
prints deliveries/s, HTTP latency p50/p95, worker CPU seconds, peak RSS and whether the stub accepted
every messageKey exactly once. Then, against the same stub: the ceiling (a bare thread pool posting the
same bodies with requests.Session, no database) and a naive baseline (one requests.post per delivery,
serially, saving each row, on a sample), and the ratios.

With --api the send goes through the API instead, end to end as a client sees it: one worker is
started and waits, the send is POSTed to `/api/v1/drafts/{id}/send/` as JSON (the worker prepares
it), and `/api/v1/sends/{id}/` is polled until it says done; that time, preparation included, is
compared with the ceiling too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fresh import prepare_database  # noqa: E402


def profile_top(path: str, top: int = 25) -> None:
    """Print where the sampled worker spent its time: by function itself (self) and with its callees."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1].split(":")[0] for frame in stack.split(";")[1:]]
        n = int(count)
        total += n
        if frames:
            own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    print(f"  profile: {total:,} samples of the thread holding the GIL (py-spy --gil); own time, then with callees")
    for name, n in own.most_common(top):
        print(f"    self {n / total:6.1%}  incl {inclusive[name] / total:6.1%}  {name}")


def start_stub(latency: float) -> tuple[subprocess.Popen, str]:
    stub = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "stub.py"), "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    port = stub.stdout.readline().split()[1]
    return stub, f"http://127.0.0.1:{port}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def run_batch_workers(args, env: dict, send) -> tuple[float, float, float]:
    """`db_worker --batch` processes until the queue is empty: (their CPU seconds, peak RSS MB, wall)."""
    from django.db import connection

    if args.workers > 1:
        # Every chunk waits in the queue before the workers start: a `--batch` worker that finds the
        # queue empty exits, and the preparation and start tasks are one task each.
        from messages import campaign, preparation, tasks

        def start(send_id, at=None):
            campaign.go(send_id, enqueue=tasks.enqueue_deliveries)

        preparation.prepare(send.pk, enqueue_start=start, enqueue=tasks.enqueue_deliveries)
    connection.close()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    if args.profile:
        command = ["py-spy", "record", "--format", "raw", "--gil", "-r", "100", "-o", args.profile, "--", *command]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(args.workers)]
    for worker in workers:
        worker.wait()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, after.ru_maxrss / 1024, wall


def through_the_api(args, env: dict, user, draft):
    """A worker waits first; then the send is POSTed through the API (as a client would: JSON, the
    preparation in the worker) and the sends API is polled until it says done. Returns the send, the
    POST's seconds, the seconds from the POST to done, and the worker's CPU, peak RSS and wall."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client

    from messages.models import Send, WorkerHeartbeat

    user.groups.add(Group.objects.get(name="Marketers"))
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    body = json.dumps({"recipients": [{"ott_id": f"U{i:07d}"} for i in range(args.n)]})
    connection.close()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started_worker = time.perf_counter()
    command = [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env)
    while not WorkerHeartbeat.objects.exists():
        time.sleep(0.05)
    started = time.perf_counter()
    answer = client.post(f"/api/v1/drafts/{draft.pk}/send/", body, content_type="application/json")
    queue_seconds = time.perf_counter() - started
    assert answer.status_code == 202, answer.content[:500]
    send_id = answer.json()["id"]
    while client.get(f"/api/v1/sends/{send_id}/").json()["status"] not in ("done", "done_with_errors"):
        time.sleep(0.25)  # as a client polls; more often would take the worker's CPU in this process
    end_to_end = time.perf_counter() - started
    worker.send_signal(signal.SIGTERM)
    worker.wait()
    wall = time.perf_counter() - started_worker
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Send.objects.get(pk=send_id), queue_seconds, end_to_end, cpu, after.ru_maxrss / 1024, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="deliveries in the send (default 10,000)")
    parser.add_argument("--latency", type=float, default=0.05, help="stub latency in seconds (default 0.05)")
    parser.add_argument("--workers", type=int, default=1, help="db_worker processes (default 1)")
    parser.add_argument("--concurrency", type=int, default=64, help="OTT_SEND_CONCURRENCY (default 64)")
    parser.add_argument(
        "--profile", metavar="FILE", help="sample the worker with py-spy into FILE (collapsed stacks) and print its top"
    )
    parser.add_argument("--naive-n", type=int, default=200, help="deliveries in the naive sample (default 200)")
    parser.add_argument(
        "--api",
        action="store_true",
        help="end to end: POST /api/v1/drafts/{id}/send/ to a worker already running, timed until the API says done",
    )
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    (ROOT / "var").mkdir(exist_ok=True)
    prepare_database(database_url)
    stub, stub_url = start_stub(args.latency)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ottportal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "localhost",
        "SECURE_SSL_REDIRECT": "false",
        "OTT_SANDBOX": "false",
        "OTT_AUTH_URL": stub_url,
        "OTT_REST_URL": stub_url,
        "OTT_CLIENT_ID": "bench",
        "OTT_CLIENT_SECRET": "bench-secret",
        "OTT_SEND_CONCURRENCY": str(args.concurrency),
        "OTT_SENDER_RATE_LIMIT": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count, Max, Min

    from messages.models import Attempt, Delivery
    from messages.services import draft_create, send_create
    from ott.payloads import Block, Message
    from senders.models import Sender

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench")
    sender = Sender.objects.create(network="line", sender_id="2000000001", name="Bench LINE")
    message = Message(blocks=(Block("text", text="Hello 😀"),))
    draft = draft_create(owner=user, name="Bench", sender=sender, message=message)

    if args.api:
        send, queue_seconds, end_to_end, cpu, peak_rss_mb, wall = through_the_api(args, env, user, draft)
    else:
        started = time.perf_counter()
        send = send_create(draft=draft, recipients=[(f"U{i:07d}", "") for i in range(args.n)], user=user)
        queue_seconds = time.perf_counter() - started
        cpu, peak_rss_mb, wall = run_batch_workers(args, env, send)
    counts = dict(send.deliveries.values_list("status").annotate(n=Count("id")).order_by())
    window = Attempt.objects.filter(delivery__send=send).aggregate(first=Min("at"))
    last = send.deliveries.aggregate(last=Max("finished_at"))["last"]
    busy = (last - window["first"]).total_seconds() if last and window["first"] else float("nan")
    latencies = list(Attempt.objects.filter(delivery__send=send).values_list("latency_ms", flat=True))
    import requests

    stats = requests.get(f"{stub_url}/stats", timeout=5).json()
    exactly_once = counts.get(Delivery.Status.SENT) == args.n == stats["unique"] == stats["posts"]
    portal_rate = args.n / busy

    # Ceiling: the same bodies, the same concurrency, a bare thread pool with one Session per thread.
    bodies = [delivery.body.encode() for delivery in send.deliveries.select_related("send")]
    local = threading.local()
    headers = {"Authorization": "Bearer stub-token", "Content-Type": "application/json"}

    def post(body):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.trust_env = False  # as the portal's client does: no per-request environment scan
        return session.post(f"{stub_url}/ott/v1/send", data=body, headers=headers, timeout=30).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        codes = list(pool.map(post, bodies))
    ceiling_rate = len(bodies) / (time.perf_counter() - started)
    assert set(codes) == {201}, set(codes)

    # Naive: one requests.post per delivery, serially, saving each row.
    sample = list(send.deliveries.order_by("id")[: args.naive_n])
    started = time.perf_counter()
    for delivery in sample:
        answer = requests.post(f"{stub_url}/ott/v1/send", json=delivery.payload, headers=headers, timeout=30)
        delivery.ott_request_id = answer.json()["ottRequestId"]
        delivery.status = Delivery.Status.SENT
        delivery.save()
    naive_rate = len(sample) / (time.perf_counter() - started)
    stub.terminate()

    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(
        f"send_throughput: {args.n:,} deliveries, {engine}, {args.workers} worker(s), "
        f"concurrency {args.concurrency}, stub latency {args.latency * 1000:.0f} ms, {os.cpu_count()} CPUs"
    )
    if args.api:
        print(f"  the API's answer (202, the worker prepares): {queue_seconds:.2f} s")
        print(
            f"  end to end, from the POST to the sends API saying done: {end_to_end:.2f} s, "
            f"{args.n / end_to_end:,.0f} deliveries/s"
        )
    else:
        print(f"  queue (send_create, one transaction): {queue_seconds:.2f} s")
    print(
        f"  portal: {portal_rate:,.0f} deliveries/s (first attempt to last finish {busy:.2f} s; "
        f"wall incl. worker start-up {wall:.2f} s)"
    )
    print(f"  HTTP latency p50 {statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms")
    print(
        f"  worker CPU {cpu:.1f} s ({cpu / args.n * 1000:.2f} ms a delivery, target <= 1.0; start-up included), "
        f"peak RSS {peak_rss_mb:.0f} MB"
    )
    print(
        f"  statuses {counts}; stub posts {stats['posts']}, unique keys {stats['unique']}: "
        f"{'every delivery sent exactly once' if exactly_once else 'NOT exactly once'}"
    )
    print(
        f"  ceiling (bare pool, no database): {ceiling_rate:,.0f}/s; naive (serial, save each): "
        f"{naive_rate:,.1f}/s on {len(sample)}"
    )
    print(
        f"  portal/ceiling {portal_rate / ceiling_rate:.2f} (target >= 0.9); portal/naive "
        f"{portal_rate / naive_rate:.0f}x (target >= 20); target >= 1,000/s: "
        f"{'met' if portal_rate >= 1000 else 'missed'}"
    )
    if args.api:
        print(f"  end to end/ceiling {args.n / end_to_end / ceiling_rate:.2f} (target >= 0.85)")
    if args.workers > 1:
        per_worker(send.pk)
    if args.profile:
        profile_top(args.profile)


def per_worker(send_id: int) -> None:
    """Each worker's share: the deliveries of the `deliver` tasks it ran, over the time it ran them;
    and whether any delivery was attempted more than once (claimed twice)."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from messages.models import Attempt
    from messages.tasks import deliver

    shares: dict[str, list] = {}
    for result in DBTaskResult.objects.filter(task_path=deliver.module_path, status="SUCCESSFUL"):
        sent_for, ids = result.args_kwargs["args"]
        if sent_for != send_id or not result.worker_ids:
            continue
        share = shares.setdefault(result.worker_ids[-1], [0, result.started_at, result.finished_at])
        share[0] += len(ids)
        share[1], share[2] = min(share[1], result.started_at), max(share[2], result.finished_at)
    for number, (count, first, last) in enumerate(shares.values(), start=1):
        seconds = (last - first).total_seconds()
        print(f"  worker {number}: {count:,} deliveries in {seconds:.1f} s ({count / seconds:,.0f}/s)")
    twice = (
        Attempt.objects.filter(delivery__send_id=send_id, kind="send")
        .values("delivery_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    print(f"  deliveries posted more than once: {twice}")


if __name__ == "__main__":
    main()
