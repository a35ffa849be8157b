"""Marketing Cloud misbehaving, mocked at the HTTP boundary (`responses`), through the real worker:
every delivery ends terminal with its reason, none is posted again once Marketing Cloud has it, and
the send's counters equal its rows."""

from __future__ import annotations

import json

import pytest
import responses
from django.db.models import Count

from messages.models import Delivery, Send
from messages.services import send_create
from ott.client import TOKENS
from tests.messages.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "https://mc.example.test"
TOKEN_URL = f"{BASE}/v2/token"
SEND_URL = f"{BASE}/ott/v1/send"
TOKEN_OK = {"access_token": "tok-1", "expires_in": 1080, "token_type": "Bearer"}


@pytest.fixture
def mc(settings):
    settings.OTT_AUTH_URL = settings.OTT_REST_URL = BASE
    settings.OTT_CLIENT_ID, settings.OTT_CLIENT_SECRET = "client", "client-secret-value"
    settings.OTT_RETRY_BACKOFF_SECONDS = 0.01
    settings.OTT_READ_TIMEOUT = 0.05  # an ambiguous outcome then waits only 0.1 s before its lookup
    TOKENS.clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
    TOKENS.clear()


def posts(mock) -> list[dict]:
    return [json.loads(c.request.body) for c in mock.calls if c.request.method == "POST" and c.request.url == SEND_URL]


def counts_match(send: Send) -> None:
    counts = dict(send.deliveries.values_list("status").annotate(n=Count("id")).order_by())
    assert sum(counts.values()) == send.total and not set(counts) & set(Delivery.PENDING)


def test_a_malformed_2xx_is_looked_up_and_not_posted_again(mc, marketer, line_draft):
    mc.post(TOKEN_URL, json=TOKEN_OK)
    mc.post(SEND_URL, body="<html>gateway</html>", status=201)
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    key = str(send.deliveries.get().message_key)
    mc.get(f"{SEND_URL}/{key}", json={"requestBody": {}, "status": [{"event": "Queued"}]})
    run_worker(send)
    delivery = send.deliveries.get()
    assert delivery.status == Delivery.Status.SENT
    assert len(posts(mc)) == 1
    assert delivery.network_events == [{"event": "Queued"}]
    counts_match(send)


def test_a_401_mid_send_renews_the_token_and_is_not_a_failure(mc, marketer, line_draft):
    mc.post(TOKEN_URL, json=TOKEN_OK)
    mc.post(SEND_URL, json={"ottRequestId": "r-1"}, status=201)
    send = send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "")], user=marketer)
    run_worker(send)
    # The token expires: the next post gets 401, the client fetches a new token and posts once more.
    mc.replace(responses.POST, SEND_URL, status=401, json={"message": "Not authorized"})
    mc.add(responses.POST, SEND_URL, json={"ottRequestId": "r-2"}, status=201)
    mc.replace(responses.POST, TOKEN_URL, json={**TOKEN_OK, "access_token": "tok-2"})
    second = send_create(draft=line_draft, recipients=[("U3", "")], user=marketer)
    tokens_before = sum(1 for c in mc.calls if c.request.url == TOKEN_URL)
    run_worker(second)
    delivery = second.deliveries.get()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1 and delivery.ott_request_id == "r-2"
    assert sum(1 for c in mc.calls if c.request.url == TOKEN_URL) == tokens_before + 1
    last_two = [c for c in mc.calls if c.request.url == SEND_URL][-2:]
    assert [c.response.status_code for c in last_two] == [401, 201]
    assert last_two[1].request.headers["Authorization"] == "Bearer tok-2"
    counts_match(second)


def test_the_token_endpoint_down_is_retried_then_reported(mc, marketer, line_draft, settings):
    settings.OTT_SEND_MAX_ATTEMPTS = 3
    mc.post(TOKEN_URL, status=503, json={"error": "unavailable"})
    send = run_worker(send_create(draft=line_draft, recipients=[("U1", "")], user=marketer))
    delivery = send.deliveries.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 3
    assert "gave up after 3 attempts" in delivery.error_message
    assert posts(mc) == []  # nothing was ever posted without a token
    counts_match(send)


def test_the_token_endpoint_recovers(mc, marketer, line_draft):
    mc.post(TOKEN_URL, status=503, json={"error": "unavailable"})
    mc.post(TOKEN_URL, json=TOKEN_OK)
    mc.post(SEND_URL, json={"ottRequestId": "r-1"}, status=201)
    send = run_worker(send_create(draft=line_draft, recipients=[("U1", "")], user=marketer))
    assert send.deliveries.get().status == Delivery.Status.SENT


def test_connection_refused_is_retried_then_failed_with_the_reason(marketer, line_draft, settings):
    settings.OTT_AUTH_URL = settings.OTT_REST_URL = "http://127.0.0.1:9"  # nothing listens on port 9
    settings.OTT_RETRY_BACKOFF_SECONDS = 0.01
    settings.OTT_SEND_MAX_ATTEMPTS = 2
    TOKENS.clear()
    send = run_worker(send_create(draft=line_draft, recipients=[("U1", "")], user=marketer))
    delivery = send.deliveries.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 2
    assert "connection refused" in delivery.error_message
    counts_match(send)


def test_a_slow_answer_past_the_read_timeout_is_looked_up_before_any_resend(mc, marketer, line_draft):
    import requests

    mc.post(TOKEN_URL, json=TOKEN_OK)
    mc.post(SEND_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    key = str(send.deliveries.get().message_key)
    mc.get(f"{SEND_URL}/{key}", status=404, json={"message": "No message found", "errorcode": 10404})
    mc.add(responses.POST, SEND_URL, json={"ottRequestId": "r-late"}, status=201)
    run_worker(send)
    delivery = send.deliveries.get()
    assert delivery.status == Delivery.Status.SENT and delivery.ott_request_id == "r-late"
    kinds = list(delivery.attempt_log.values_list("kind", "outcome"))
    assert kinds == [("send", "failed"), ("lookup", "unknown"), ("send", "accepted")]
    assert len(posts(mc)) == 2


@pytest.mark.parametrize("status", [403, 404])
def test_a_refused_status_lookup_is_final_and_never_followed_by_a_resend(mc, marketer, line_draft, status):
    """A lookup answered 403 is a refusal, not a hiccup: asking again will not help, and posting again
    without knowing could deliver twice. A 404 means Marketing Cloud never had it: post again."""
    mc.post(TOKEN_URL, json=TOKEN_OK)
    mc.post(SEND_URL, status=201, json={"ottRequestId": "r-1"})
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    delivery = send.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(needs_lookup=True)
    mc.get(f"{SEND_URL}/{delivery.message_key}", status=status, json={"errorcode": 10403, "message": "Forbidden"})
    run_worker(send)
    delivery.refresh_from_db()
    lookups = [c for c in mc.calls if c.request.method == "GET"]
    assert len(lookups) == 1
    if status == 403:
        assert delivery.status == Delivery.Status.FAILED and "status lookup refused" in delivery.error_message
        assert posts(mc) == []
    else:
        assert delivery.status == Delivery.Status.SENT and len(posts(mc)) == 1
