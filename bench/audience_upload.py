"""A saved audience of a million rows: upload time and the uploading process's peak memory, then what
the sending side pays to read it back and to check it against the suppression list.

    python bench/audience_upload.py [--rows 1000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ottportal_bench_audience python bench/audience_upload.py

It recreates its own database (SQLite `var/bench-audience.sqlite3` unless DATABASE_URL names a
PostgreSQL one), writes a CSV of --rows rows (LINE ids, a customer reference, three columns of which
one holds Japanese and emoji, 0.5% repeated rows and 0.1% rows without an ottId), and wraps it in a
multipart request body on disk. A separate process then serves that body to the portal's WSGI
application (`POST /api/v1/audiences/` with a marketer's token: Django's upload handling, the
streamed read, the checks and the batched writes), reading it from the file as a server reads a
socket, and reports the time and its peak RSS next to its RSS before the request. Finally it times
`audience_rows` over the whole audience and `suppressed()` over it in batches of 5,000 against a
suppression list of 10,000 entries.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fresh import fresh_django  # noqa: E402

BOUNDARY = "----bench-audience-boundary-7d1f"
NAMES = ["Aiko", "Ben", "花子 🌸", "Lee, Jo", "Zoë", "太郎", "María"]


def write_files(rows: int, folder: Path) -> tuple[Path, int]:
    """The CSV and the multipart body around it; returns the body's path and the CSV's size."""
    rng = random.Random(15)
    csv_path, body_path = folder / "bench-audience.csv", folder / "bench-audience.body"
    with csv_path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeffott_id,user_reference,first_name,coupon,city\r\n")
        for n in range(rows):
            m = rng.randrange(n) if n and rng.random() < 0.005 else n  # now and then a repeat of an earlier row
            ott_id = "" if rng.random() < 0.001 else f"U{m:032x}"
            name = NAMES[m % len(NAMES)]
            name = f'"{name}"' if "," in name else name
            out.write(f"{ott_id},cust-{m:08d},{name},SPRING-{m % 9973:04d},Tokyo\r\n")
    size = csv_path.stat().st_size
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="name"\r\n\r\nBench audience\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="network"\r\n\r\nline\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="bench-audience.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    with body_path.open("wb") as body, csv_path.open("rb") as csv_file:
        body.write(head)
        while chunk := csv_file.read(1 << 20):
            body.write(chunk)
        body.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    csv_path.unlink()
    return body_path, size


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def upload_only(body_path: str, token: str) -> None:
    """Serve the upload to the WSGI application in this process (its peak RSS is the upload's)."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()

    def call(method: str, path: str, stream, length: int, content_type: str = ""):
        status = {}
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "HTTP_HOST": "localhost",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Token {token}",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(length),
            "wsgi.input": stream,
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        chunks = app(environ, lambda line, headers: status.setdefault("line", line))
        return status["line"], b"".join(chunks)

    import io

    call("GET", "/api/v1/audiences/", io.BytesIO(b""), 0)  # warm up: everything imported, one query made
    before = rss_mb()
    size = Path(body_path).stat().st_size
    cpu = time.process_time()
    started = time.perf_counter()
    with open(body_path, "rb") as stream:
        line, answer = call("POST", "/api/v1/audiences/", stream, size, f"multipart/form-data; boundary={BOUNDARY}")
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    body = json.loads(answer)
    result = {"status": line, "seconds": seconds, "cpu": cpu, "rss_before_mb": before, "peak_rss_mb": peak}
    print(json.dumps({**result, "body": body}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--upload-only", nargs=2, metavar=("BODY", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.upload_only:
        upload_only(*args.upload_only)
        return
    fresh_django("bench-audience.sqlite3")
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from ottportal.tokens import api_token_create

    marketer = get_user_model().objects.create_user("marketer")
    marketer.groups.add(Group.objects.get(name="Marketers"))
    token = api_token_create(user=marketer, name="bench")[1]
    started = time.perf_counter()
    body_path, csv_size = write_files(args.rows, ROOT / "var")
    print(f"  wrote the CSV ({csv_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    try:
        run = subprocess.run(
            [sys.executable, __file__, "--upload-only", str(body_path), token],
            env={**os.environ},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        body_path.unlink(missing_ok=True)
    upload = json.loads(run.stdout.strip().splitlines()[-1])
    body = upload["body"]
    assert upload["status"].startswith("201"), upload

    from audiences.models import Audience, Suppression
    from audiences.services import audience_rows
    from audiences.suppressions import suppressed

    audience = Audience.objects.get(pk=body["id"])
    started, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in audience_rows(audience))
    read_seconds, read_cpu = time.perf_counter() - started, time.process_time() - cpu
    Suppression.objects.bulk_create(
        Suppression(network="line", ott_id=f"U{n:032x}", reason="opt_out")
        for n in range(0, args.rows, args.rows // 10_000 or 1)
    )
    started, cpu = time.perf_counter(), time.process_time()
    batch, hits = [], 0
    for row in audience_rows(audience):
        batch.append((row.ott_id, row.user_reference))
        if len(batch) == 5_000:
            hits += len(suppressed("line", None, batch))
            batch.clear()
    hits += len(suppressed("line", None, batch))
    check_seconds, check_cpu = time.perf_counter() - started, time.process_time() - cpu

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(f"audience upload: {args.rows:,} rows ({csv_size / 1e6:.0f} MB CSV), {engine}, {os.cpu_count()} CPUs")
    print(
        f"  upload (POST /api/v1/audiences/, multipart): {upload['seconds']:.1f} s "
        f"({args.rows / upload['seconds']:,.0f} rows/s), {upload['cpu']:.1f} s of the web process's CPU "
        f"(target: at most 60 s, {'met' if upload['seconds'] <= 60 else 'missed'})"
    )
    print(
        f"  kept {body['size']:,}, refused {body['refused']:,}, repeats collapsed {body['duplicates']:,}, "
        f"columns {body['columns']}"
    )
    grew = upload["peak_rss_mb"] - upload["rss_before_mb"]
    print(
        f"  uploading process: RSS {upload['rss_before_mb']:.0f} MB before the request, "
        f"peak {upload['peak_rss_mb']:.0f} MB (+{grew:.0f} MB; target: at most +150 MB, "
        f"{'met' if grew <= 150 else 'missed'})"
    )
    print(f"  audience_rows over all {count:,} rows: {read_seconds:.1f} s ({read_cpu:.1f} s CPU)")
    print(
        f"  audience_rows + suppressed() in batches of 5,000 against 10,000 entries: {check_seconds:.1f} s "
        f"({check_cpu:.1f} s CPU), {hits:,} suppressed"
    )


if __name__ == "__main__":
    main()
