"""/metrics: closed without the bearer METRICS_TOKEN (off without one), Prometheus text that parses,
and numbers that match what a real worker did against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from messages import lifecycle
from messages.models import Attempt, Delivery, Send, WorkerHeartbeat
from messages.services import send_create
from messages.workers import beat
from ottportal.metrics import WINDOW_SECONDS
from tests.conftest import client_for, start_worker, stop_worker
from tests.messages.test_workers import wait_for

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-tests-5521"
BEARER = f"Bearer {TOKEN}"

Samples = dict[tuple[str, frozenset], float]


def scrape(**headers) -> Samples:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=BEARER, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels) -> float:
    return samples[(name, frozenset(labels.items()))]


def total(samples: Samples, name: str, **labels) -> float:
    """Sum over the series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, lbls), v in samples.items() if n == name and wanted <= lbls)


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


@pytest.mark.django_db
def test_metrics_are_off_without_a_token(settings, admin):
    settings.METRICS_TOKEN = ""
    for client in (Client(), client_for(admin)):
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
        assert response.status_code == 404
        assert "Metrics are off: set METRICS_TOKEN" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Token {TOKEN}", TOKEN, f"Bearer {TOKEN}x", "Bearer"])
def test_metrics_need_the_bearer_token(metrics_on, admin, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    for client in (Client(), client_for(admin)):  # a session, even an admin's, does not open it
        response = client.get("/metrics", **extra)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert b"ottportal_" not in response.content


@pytest.mark.django_db
def test_openmetrics_when_asked(metrics_on):
    response = Client().get(
        "/metrics", HTTP_AUTHORIZATION=BEARER, HTTP_ACCEPT="application/openmetrics-text; version=1.0.0"
    )
    assert response["Content-Type"].startswith("application/openmetrics-text")
    body = response.content.decode()
    assert "# TYPE ottportal_marketing_cloud_request_duration_seconds_recent gaugehistogram" in body
    assert body.endswith("# EOF\n")


@pytest.mark.django_db
def test_the_window_counts_recent_attempts_only_with_their_latency(metrics_on, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer)
    first, second = send.deliveries.order_by("id")
    now = timezone.now()
    old = now - timedelta(seconds=WINDOW_SECONDS + 5)
    rows = [
        (first, 1, "send", old, "accepted", 201, 10),  # outside the window
        (first, 1, "send", now, "failed", 429, 20),
        (first, 2, "send", now, "accepted", 201, 80),
        (second, 1, "send", now, "failed", None, 3000),  # no answer: code 0
        (second, 2, "lookup", now, "found", 200, 40),
    ]
    Attempt.objects.bulk_create(
        Attempt(delivery=d, number=n, kind=k, at=at, outcome=o, http_status=s, latency_ms=ms)
        for d, n, k, at, o, s, ms in rows
    )
    samples = scrape()
    requests = "ottportal_marketing_cloud_requests_recent"
    assert value(samples, requests, endpoint="send", outcome="accepted", code="201") == 1
    assert value(samples, requests, endpoint="send", outcome="failed", code="429") == 1
    assert value(samples, requests, endpoint="send", outcome="failed", code="0") == 1
    assert value(samples, requests, endpoint="status", outcome="found", code="200") == 1
    assert value(samples, "ottportal_marketing_cloud_throttled_recent") == 1
    assert value(samples, "ottportal_retries_recent") == 1  # the second post of `first`
    latency = "ottportal_marketing_cloud_request_duration_seconds_recent"
    failed = {"endpoint": "send", "outcome": "failed"}
    assert value(samples, f"{latency}_bucket", le="0.025", **failed) == 1
    assert value(samples, f"{latency}_bucket", le="2.5", **failed) == 1
    assert value(samples, f"{latency}_bucket", le="5.0", **failed) == 2
    assert value(samples, f"{latency}_bucket", le="+Inf", **failed) == 2
    assert value(samples, f"{latency}_gsum", **failed) == pytest.approx(3.02)
    assert value(samples, f"{latency}_bucket", le="0.05", endpoint="status", outcome="found") == 1


@pytest.mark.django_db
def test_the_queue_and_the_worker_as_readyz_sees_them(metrics_on, marketer, line_draft, client):
    samples = scrape()
    assert value(samples, "ottportal_queue_depth") == 0
    assert value(samples, "ottportal_queue_oldest_age_seconds") == 0
    assert value(samples, "ottportal_worker_last_heartbeat_age_seconds") == float("inf")
    assert value(samples, "ottportal_worker_missing") == 0

    send = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", ""), ("U-3", "")], user=marketer)
    first, second, _ = send.deliveries.order_by("id")
    Delivery.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    # The oldest is waiting out a retry delay: the age counts the oldest whose time has come.
    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    Delivery.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    samples = scrape()
    assert value(samples, "ottportal_queue_depth") == 3
    assert 180 <= value(samples, "ottportal_queue_oldest_age_seconds") < 240
    assert value(samples, "ottportal_sends_waiting") == 1
    assert value(samples, "ottportal_worker_missing") == 1 and client.get("/readyz").status_code == 503

    beat("w-1", timezone.now())
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(seconds=20))
    samples = scrape()
    assert value(samples, "ottportal_workers_alive") == 1
    assert 19 <= value(samples, "ottportal_worker_last_heartbeat_age_seconds") < 30
    assert value(samples, "ottportal_worker_missing") == 0 and client.get("/readyz").status_code == 200
    assert value(samples, "ottportal_deliveries", network="line", status="queued") == 3
    assert value(samples, "ottportal_deliveries", network="messenger", status="sent") == 0


@pytest.mark.django_db(transaction=True)
def test_metrics_match_what_a_real_worker_did(live_sandbox, metrics_on, marketer, line_draft):
    recipients = [
        ("U-1", ""),
        ("U-2", ""),
        ("U-3", ""),
        ("sandbox-flaky-1", ""),  # 503, then accepted on the retry
        ("sandbox-fail-429", ""),  # 429 on both attempts: failed
        ("sandbox-slow-1500", ""),  # no answer within the read timeout; the status lookup finds it
    ]
    send = send_create(draft=line_draft, recipients=recipients, user=marketer)
    worker = start_worker(live_sandbox, OTT_SEND_MAX_ATTEMPTS="2", OTT_READ_TIMEOUT="1")
    try:
        wait_for(lambda: Send.objects.get(pk=send.pk).is_finished, 120, "the send to finish")
        samples = scrape()
    finally:
        stop_worker(worker)

    assert value(samples, "ottportal_deliveries", network="line", status="sent") == 5
    assert value(samples, "ottportal_deliveries", network="line", status="failed") == 1
    assert value(samples, "ottportal_sends", status="done_with_errors") == 1
    assert value(samples, "ottportal_queue_depth") == 0
    assert value(samples, "ottportal_workers_alive") == 1
    assert value(samples, "ottportal_worker_last_heartbeat_age_seconds") < 15

    requests = "ottportal_marketing_cloud_requests_recent"
    posts = Attempt.objects.filter(kind="send")
    assert total(samples, requests, endpoint="send") == posts.count() == 8
    assert total(samples, requests, endpoint="send", outcome="accepted") == 4
    assert total(samples, requests, endpoint="send", code="429") == 2
    assert total(samples, requests, endpoint="send", code="503") == 1
    assert total(samples, requests, endpoint="send", code="0") == 1  # the timeout
    assert total(samples, requests, endpoint="status", outcome="found") == 1
    assert value(samples, "ottportal_marketing_cloud_throttled_recent") == 2
    assert value(samples, "ottportal_retries_recent") == posts.filter(number__gt=1).count() == 2
    latency = "ottportal_marketing_cloud_request_duration_seconds_recent"
    assert total(samples, f"{latency}_bucket", le="+Inf", endpoint="send") == 8
    assert total(samples, f"{latency}_bucket", le="+Inf", endpoint="status") == 1  # lookups are timed too
    assert total(samples, f"{latency}_gsum", endpoint="send", outcome="failed") >= 1.0  # the 1 s timeout


def test_metrics_answer_503_when_the_database_does_not():
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/metrics', HTTP_AUTHORIZATION='Bearer t');"
        "print(json.dumps([r.status_code, r.content.decode()]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ottportal.settings",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nothing",
        "DEBUG": "true",
        "METRICS_TOKEN": "t",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503 and "database does not answer" in body


@pytest.mark.django_db
def test_sends_that_need_a_worker_include_due_scheduled_and_preparing_ones(metrics_on, marketer, line_draft, client):
    later = send_create(
        draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=timezone.now() + timedelta(hours=1)
    )
    assert later.status == Send.Status.SCHEDULED
    assert client.get("/readyz").status_code == 200  # its time has not come: no worker needed yet
    Send.objects.filter(pk=later.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/readyz").status_code == 503
    assert value(scrape(), "ottportal_sends_waiting") == 1
    Send.objects.filter(pk=later.pk).update(status=Send.Status.PREPARING)
    assert client.get("/readyz").status_code == 503
    Send.objects.filter(pk=later.pk).update(status=Send.Status.PAUSED)
    assert client.get("/readyz").status_code == 200 and value(scrape(), "ottportal_sends_waiting") == 0


@pytest.mark.django_db
def test_a_paused_sends_deliveries_do_not_age_the_queue(metrics_on, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    send.deliveries.update(created_at=timezone.now() - timedelta(hours=2))
    assert value(scrape(), "ottportal_queue_oldest_age_seconds") > 7000
    lifecycle.pause(send, reason="checking the copy")
    samples = scrape()
    assert value(samples, "ottportal_queue_oldest_age_seconds") == 0
    assert value(samples, "ottportal_queue_depth") == 1  # still queued, counted
