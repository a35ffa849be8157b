"""The HTTP client against a mocked Marketing Cloud (`responses`: unregistered URLs fail)."""

from __future__ import annotations

import json
import logging

import pytest
import requests
import responses
from responses import matchers

from ott.client import TOKENS, Accepted, Failed, OttClient, OttError, Rejected, SendStatus, parse_retry_after

AUTH = "https://mc.auth.example.test"
REST = "https://mc.rest.example.test"
SECRET = "client-secret-value-xyz"


@pytest.fixture(autouse=True)
def _fresh_tokens():
    TOKENS.clear()
    yield
    TOKENS.clear()


@pytest.fixture
def client() -> OttClient:
    return OttClient(auth_url=AUTH, rest_url=REST, client_id="cid", client_secret=SECRET, account_id="5000")


@pytest.fixture
def mc():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def token_ok(mc, token="tok-1-abcdefgh", expires_in=1080):
    return mc.post(
        f"{AUTH}/v2/token",
        json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in},
        match=[
            matchers.json_params_matcher(
                {"grant_type": "client_credentials", "client_id": "cid", "client_secret": SECRET, "account_id": "5000"}
            )
        ],
    )


BODY = {"messageKey": "k-1", "from": {"senderType": "line", "senderId": "1"}}


def test_accepted_send_posts_the_body_with_the_bearer_token(client, mc):
    token_call = token_ok(mc)
    send = mc.post(f"{REST}/ott/v1/send", json={"ottRequestId": "req-1"}, status=201)
    outcome = client.send(BODY)
    assert isinstance(outcome, Accepted)
    assert outcome.ott_request_id == "req-1" and outcome.http_status == 201
    assert json.loads(send.calls[0].request.body) == BODY
    assert send.calls[0].request.headers["Authorization"] == "Bearer tok-1-abcdefgh"
    client.send(BODY)
    assert token_call.call_count == 1, "the token is cached"


def test_the_token_is_shared_by_clients_and_renewed_before_it_expires(client, mc):
    first = token_ok(mc, "short-lived-token", expires_in=30)  # less than the early-renewal margin
    mc.post(f"{REST}/ott/v1/send", json={"ottRequestId": "r"}, status=201)
    client.send(BODY)
    OttClient(auth_url=AUTH, rest_url=REST, client_id="cid", client_secret=SECRET, account_id="5000").send(BODY)
    assert first.call_count == 2


def test_a_401_gets_one_new_token_and_one_retry(client, mc):
    mc.post(f"{AUTH}/v2/token", json={"access_token": "old-token-123", "expires_in": 1080})
    mc.post(f"{AUTH}/v2/token", json={"access_token": "new-token-456", "expires_in": 1080})
    mc.post(f"{REST}/ott/v1/send", json={"message": "Not Authorized", "errorcode": 0}, status=401)
    mc.post(f"{REST}/ott/v1/send", json={"ottRequestId": "r2"}, status=201)
    outcome = client.send(BODY)
    assert isinstance(outcome, Accepted)
    sends = [c for c in mc.calls if c.request.url.endswith("/ott/v1/send")]
    assert [c.request.headers["Authorization"] for c in sends] == ["Bearer old-token-123", "Bearer new-token-456"]


def test_a_second_401_is_a_permanent_failure(client, mc):
    token_ok(mc)
    mc.post(f"{REST}/ott/v1/send", json={"message": "Not Authorized"}, status=401)
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and not outcome.transient and outcome.http_status == 401
    assert len([c for c in mc.calls if c.request.url.endswith("/send")]) == 2


def test_refused_credentials_are_a_permanent_failure_and_nothing_is_sent(client, mc):
    mc.post(f"{AUTH}/v2/token", json={"error": "invalid_client"}, status=401)
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and not outcome.transient and not outcome.ambiguous
    assert "refused the client credentials" in outcome.reason


def test_token_endpoint_down_is_transient_and_not_ambiguous(client, mc):
    mc.post(f"{AUTH}/v2/token", body=requests.ConnectionError("Failed to establish a new connection"))
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and outcome.transient and not outcome.ambiguous
    assert outcome.reason.startswith("token request:")


def test_validation_refusal_is_rejected_with_its_errors(client, mc):
    token_ok(mc)
    error = {
        "message": "Please fix the following errors",
        "errorcode": 10006,
        "documentation": "",
        "validationErrors": [{"message": "Message contents must be provided", "errorcode": 10002, "documentation": ""}],
    }
    mc.post(f"{REST}/ott/v1/send", json=error, status=400)
    outcome = client.send(BODY)
    assert isinstance(outcome, Rejected)
    assert (outcome.http_status, outcome.errorcode, outcome.message) == (400, 10006, "Please fix the following errors")
    assert outcome.validation_errors == error["validationErrors"]
    assert not outcome.transient


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_are_transient(client, mc, status):
    token_ok(mc)
    mc.post(f"{REST}/ott/v1/send", body="<html>oops</html>", status=status)
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and outcome.transient and outcome.http_status == status
    assert outcome.raw_text == "<html>oops</html>"


def test_429_honours_retry_after(client, mc):
    token_ok(mc)
    mc.post(
        f"{REST}/ott/v1/send",
        json={"message": "Rate limit exceeded", "errorcode": 50100, "retryAfter": 7},
        status=429,
        headers={"Retry-After": "3"},
    )
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and outcome.transient
    assert (outcome.retry_after, outcome.errorcode) == (3.0, 50100)


def test_429_falls_back_to_the_body_retry_after(client, mc):
    token_ok(mc)
    mc.post(
        f"{REST}/ott/v1/send", json={"message": "Rate limit exceeded", "errorcode": 50100, "retryAfter": 7}, status=429
    )
    assert client.send(BODY).retry_after == 7.0


def test_retry_after_parsing():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("Tue, 01 Jan 2999 00:00:00 GMT") > 3600


@pytest.mark.parametrize(
    ("exception", "ambiguous"),
    [
        (requests.ConnectTimeout("connect timed out"), False),
        (requests.ReadTimeout("read timed out"), True),
        (requests.ConnectionError("Failed to establish a new connection: refused"), False),
        (requests.ConnectionError("Connection aborted. RemoteDisconnected"), True),
    ],
)
def test_network_errors_are_transient_and_say_if_the_request_may_have_arrived(client, mc, exception, ambiguous):
    token_ok(mc)
    mc.post(f"{REST}/ott/v1/send", body=exception)
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed)
    assert outcome.transient and outcome.http_status == 0
    assert outcome.ambiguous is ambiguous
    assert outcome.exception_type == type(exception).__name__


@pytest.mark.parametrize("garbage", ["not json", '{"other": 1}', "[1, 2]"])
def test_an_unreadable_success_is_an_ambiguous_failure_not_a_crash(client, mc, garbage):
    token_ok(mc)
    mc.post(f"{REST}/ott/v1/send", body=garbage, status=201)
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and outcome.ambiguous and outcome.transient
    assert outcome.raw_text == garbage


def test_a_garbage_4xx_is_a_permanent_failure_with_the_text_kept(client, mc):
    token_ok(mc)
    mc.post(f"{REST}/ott/v1/send", body="Bad gateway config", status=400)
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and not outcome.transient
    assert outcome.raw_text == "Bad gateway config"


def test_403_is_permanent(client, mc):
    token_ok(mc)
    mc.post(f"{REST}/ott/v1/send", json={"message": "Insufficient privileges", "errorcode": 0}, status=403)
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and not outcome.transient
    assert "Insufficient privileges" in outcome.reason


def test_send_status_found_and_not_found(client, mc):
    token_ok(mc)
    events = [{"event": "Created", "eventDateTime": "2026-01-01T00:00:00Z"}]
    mc.get(f"{REST}/ott/v1/send/k-1", json={"requestBody": BODY, "status": events})
    mc.get(f"{REST}/ott/v1/send/k%2F2", json={"message": "not found", "errorcode": 0}, status=404)
    assert client.get_send_status("k-1") == SendStatus(found=True, request_body=BODY, events=events)
    assert client.get_send_status("k/2") == SendStatus(found=False)


def test_list_registrations_follows_every_page(client, mc):
    token_ok(mc)

    def page(number, items, more):
        return {
            "count": 5,
            "page": number,
            "pageSize": 2,
            "items": items,
            "links": {"next": f"{REST}/next" if more else None},
        }

    item = {"ottPlatformName": "line", "ottPlatformAttributes": {"channelId": "1", "channelSecret": "leak"}}
    for number, more in ((1, True), (2, True), (3, False)):
        mc.get(
            f"{REST}/ott/v1/registration/line",
            json=page(number, [item] * (2 if more else 1), more),
            match=[matchers.query_param_matcher({"$page": str(number), "$pagesize": "50"})],
        )
    items = client.list_registrations("line")
    assert len(items) == 5
    assert items[0]["ottPlatformAttributes"]["channelSecret"] == "[redacted]"


def test_list_registrations_raises_a_project_error_on_failure(client, mc):
    token_ok(mc)
    mc.get(f"{REST}/ott/v1/registration/line", status=503, body="down")
    with pytest.raises(OttError) as caught:
        client.list_registrations("line")
    assert caught.value.outcome.transient


def test_secrets_never_reach_the_outcome_or_the_log(client, mc, caplog):
    token_ok(mc, token="bearer-token-value-777")
    attributes = {"channelId": "123", "channelName": "Shop", "channelSecret": "chan-secret-999"}
    echo = {
        "message": "channelSecret chan-secret-999 is invalid",
        "errorcode": 10002,
        "validationErrors": [{"message": "bad chan-secret-999"}],
    }
    register = mc.post(f"{REST}/ott/v1/registration", json=echo, status=400)
    with caplog.at_level(logging.DEBUG):
        outcome = client.register("line", attributes)
    assert json.loads(register.calls[0].request.body)["ottPlatformAttributes"]["channelSecret"] == "chan-secret-999"
    assert isinstance(outcome, Rejected)
    recorded = repr(outcome) + caplog.text + repr(client)
    for secret in ("chan-secret-999", SECRET, "bearer-token-value-777"):
        assert secret not in recorded


def test_registration_success_is_accepted_without_secrets(client, mc):
    token_ok(mc)
    mc.post(
        f"{REST}/ott/v1/registration",
        status=201,
        json={"ottPlatformName": "line", "ottPlatformAttributes": {"channelId": "1", "channelSecret": "s3"}},
    )
    outcome = client.register("line", {"channelId": "1", "channelName": "n", "channelSecret": "s3"})
    assert isinstance(outcome, Accepted)
    assert "s3" not in json.dumps(outcome.body)


def test_a_redirect_is_not_followed(client, mc):
    token_ok(mc)
    mc.post(f"{REST}/ott/v1/send", status=302, headers={"Location": f"{REST}/elsewhere"})
    elsewhere = mc.get(f"{REST}/elsewhere", json={"ottRequestId": "not-ours"})
    outcome = client.send(BODY)
    assert isinstance(outcome, Failed) and outcome.http_status == 302
    assert elsewhere.call_count == 0  # a redirected POST is not turned into a GET somewhere else
