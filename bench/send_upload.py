"""The send page's one-off CSV of a million rows, and the API's confirm of big sends.

    python bench/send_upload.py [--rows 1000000] [--api-rows 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ottportal_bench_send_upload python bench/send_upload.py

It recreates its own database (SQLite `var/bench-send-upload.sqlite3` unless DATABASE_URL names a
PostgreSQL one), makes a LINE sender, a marketer and a draft with a placeholder, writes a CSV of
--rows rows (as bench/audience_upload.py: LINE ids, three columns of which one holds Japanese and
emoji, 0.5% repeats, 0.1% without an ottId) and wraps it in the send page's multipart form on disk.
A separate process then serves that body to the portal's WSGI application (`POST /drafts/{id}/send/`
with the marketer's session: Django's upload handling, the file streamed into a one-off audience)
reading it from the file as a server reads a socket, and reports the time and its peak RSS next to
its RSS before the request; then times the confirm page, which answers before working out the plan.

Then, in this process, through the API (`POST /api/v1/drafts/{id}/send/`): a send of --api-rows
recipients given as JSON, its dry run, and a send to the million-row audience (which is not read:
the worker prepares it).
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

from audience_upload import NAMES, rss_mb  # noqa: E402
from fresh import fresh_django  # noqa: E402

BOUNDARY = "----bench-send-upload-boundary-3c9a"
CSRF = "b" * 32  # the form's token and the cookie's secret (an unmasked secret is accepted as is)


def write_body(rows: int, folder: Path) -> tuple[Path, int]:
    """The send page's multipart body around a CSV of `rows` rows; returns its path and the CSV's size."""
    rng = random.Random(14)
    body_path = folder / "bench-send-upload.body"
    size = 0
    with body_path.open("wb") as body:
        body.write(
            (
                f"--{BOUNDARY}\r\n"
                f'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{CSRF}\r\n'
                f"--{BOUNDARY}\r\n"
                'Content-Disposition: form-data; name="csv_file"; filename="one-off.csv"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
        )
        lines = ["\ufeffott_id,user_reference,first_name,coupon,city\r\n"]
        for n in range(rows):
            m = rng.randrange(n) if n and rng.random() < 0.005 else n
            ott_id = "" if rng.random() < 0.001 else f"U{m:032x}"
            name = NAMES[m % len(NAMES)]
            name = f'"{name}"' if "," in name else name
            lines.append(f"{ott_id},cust-{m:08d},{name},SPRING-{m % 9973:04d},Tokyo\r\n")
            if len(lines) >= 10_000:
                chunk = "".join(lines).encode()
                body.write(chunk)
                size += len(chunk)
                lines.clear()
        chunk = "".join(lines).encode()
        body.write(chunk)
        size += len(chunk)
        body.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return body_path, size


def upload_only(body_path: str, draft_id: str, session: str) -> None:
    """Serve the upload to the WSGI application in this process (its peak RSS is the upload's)."""
    import io

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()

    def call(method: str, path: str, stream, length: int, content_type: str = ""):
        status, headers = {}, {}
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "HTTP_HOST": "localhost",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_COOKIE": f"sessionid={session}; csrftoken={CSRF}",
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

        def start(line, pairs):
            status["line"] = line
            headers.update(pairs)

        chunks = app(environ, start)
        return status["line"], headers, b"".join(chunks)

    page = f"/drafts/{draft_id}/send/"
    call("GET", page, io.BytesIO(b""), 0)  # warm up: everything imported, the page drawn once
    before = rss_mb()
    size = Path(body_path).stat().st_size
    cpu, started = time.process_time(), time.perf_counter()
    with open(body_path, "rb") as stream:
        line, headers, answer = call("POST", page, stream, size, f"multipart/form-data; boundary={BOUNDARY}")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not line.startswith("302"):
        raise SystemExit(f"the upload answered {line}: {answer[:2000]!r}")
    started = time.perf_counter()
    confirm_line, _, _ = call("GET", headers["Location"], io.BytesIO(b""), 0)
    confirm = time.perf_counter() - started
    result = {"seconds": seconds, "cpu": cpu, "rss_before_mb": before, "peak_rss_mb": peak}
    print(json.dumps({**result, "confirm_seconds": confirm, "confirm_status": confirm_line}))


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--api-rows", type=int, default=100_000)
    parser.add_argument("--upload-only", nargs=3, metavar=("BODY", "DRAFT", "SESSION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.upload_only:
        upload_only(*args.upload_only)
        return
    fresh_django("bench-send-upload.sqlite3")
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from audiences.models import Audience
    from messages.models import Send
    from messages.services import draft_create
    from ott.payloads import Block, Message
    from senders.models import Sender

    marketer = get_user_model().objects.create_user("marketer")
    marketer.groups.add(Group.objects.get(name="Marketers"))
    sender = Sender.objects.create(network="line", sender_id="2000000001", name="Bench LINE")
    message = Message(blocks=(Block("text", text="Hi {{ first_name }}: {{ coupon }}"),))
    draft = draft_create(owner=marketer, name="Bench", sender=sender, message=message)
    browser = Client()
    browser.force_login(marketer)
    session = browser.cookies["sessionid"].value

    started = time.perf_counter()
    body_path, csv_size = write_body(args.rows, ROOT / "var")
    print(f"  wrote the CSV ({csv_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    try:
        run = subprocess.run(
            [sys.executable, __file__, "--upload-only", str(body_path), str(draft.pk), session],
            env={**os.environ},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        body_path.unlink(missing_ok=True)
    upload = json.loads(run.stdout.strip().splitlines()[-1])
    audience = Audience.objects.get(one_off=True)

    api = APIClient()
    api.force_authenticate(marketer)
    url = f"/api/v1/drafts/{draft.pk}/send/"
    recipients = [
        {"ott_id": f"U{n:032x}", "vars": {"first_name": NAMES[n % len(NAMES)], "coupon": f"C-{n}"}}
        for n in range(args.api_rows)
    ]
    api.post(url, {"recipients": recipients[:10], "dry_run": True}, format="json")  # warm up
    dry_seconds, dry = timed(lambda: api.post(url, {"recipients": recipients, "dry_run": True}, format="json"))
    list_seconds, listed = timed(lambda: api.post(url, {"recipients": recipients}, format="json"))
    Audience.objects.filter(pk=audience.pk).update(one_off=False)  # the API sends to saved audiences
    audience_seconds, sent = timed(lambda: api.post(url, {"audience": audience.pk}, format="json"))
    assert (dry.status_code, listed.status_code, sent.status_code) == (200, 202, 202), (dry, listed, sent)
    assert Send.objects.get(pk=sent.json()["id"]).total == audience.size

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"send page one-off CSV: {args.rows:,} rows ({csv_size / 1e6:.0f} MB), {engine}, load average {load}")
    growth = upload["peak_rss_mb"] - upload["rss_before_mb"]
    print(
        f"  upload (POST /drafts/{{id}}/send/, multipart): {upload['seconds']:.1f} s, "
        f"{upload['cpu']:.1f} s of the web process's CPU; {audience.size:,} kept, "
        f"{audience.refused_count:,} refused, {audience.duplicate_count:,} repeats"
    )
    print(
        f"  web process RSS: {upload['rss_before_mb']:.0f} MB before, {upload['peak_rss_mb']:.0f} MB at peak "
        f"(+{growth:.0f} MB; target: under 200 MB, {'met' if upload['peak_rss_mb'] < 200 else 'missed'})"
    )
    print(f"  confirm page (the plan follows in a second request): {upload['confirm_seconds'] * 1000:.0f} ms")
    print(f"API, {args.api_rows:,} recipients with vars as JSON:")
    print(f"  dry run (the plan over every row): {dry_seconds:.2f} s")
    print(f"  send (202, prepared by the worker): {list_seconds:.2f} s")
    print(
        f"API, send to the audience of {audience.size:,}: {audience_seconds * 1000:.0f} ms "
        f"(target: under 1 s, {'met' if audience_seconds < 1 else 'missed'})"
    )


if __name__ == "__main__":
    main()
