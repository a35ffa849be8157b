"""The API under hostile input: capped pages, whole-number parameters, ids out of range, and error
answers that are JSON whatever produced them; the pages' integer filters range-checked the same way."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from messages.models import Delivery, Draft, Send
from messages.services import send_create
from ottportal.pagination import MAX_LIMIT
from senders.models import Sender
from tests.conftest import client_for
from tests.messages.conftest import api_for

TOO_BIG = "9223372036854775808"  # 2**63: past what SQLite and PostgreSQL store in a bigint


def test_a_million_deliveries_per_page_are_served_as_the_cap(
    settings, auditor, marketer, line_draft, django_assert_max_num_queries
):
    settings.OTT_PREPARE_INLINE_MAX = MAX_LIMIT + 5  # the deliveries written here, not by a worker
    send_create(draft=line_draft, recipients=[(f"U{n}", "") for n in range(MAX_LIMIT + 5)], user=marketer)
    with django_assert_max_num_queries(6):
        answer = api_for(auditor).get("/api/v1/deliveries/", {"limit": 1_000_000})
    assert answer.status_code == 200
    data = answer.json()
    assert data["count"] == MAX_LIMIT + 5 and len(data["results"]) == MAX_LIMIT
    assert f"limit={MAX_LIMIT}" in data["next"] and f"offset={MAX_LIMIT}" in data["next"]
    rest = api_for(auditor).get(data["next"]).json()
    assert len(rest["results"]) == 5 and rest["next"] is None


def _many_senders(count: int) -> list[Sender]:
    return Sender.objects.bulk_create(
        Sender(network="line", sender_id=str(3_000_000_000 + n), name=f"LINE {n}") for n in range(count)
    )


def test_every_list_is_capped(admin, marketer, line_draft):
    senders = _many_senders(MAX_LIMIT)
    Draft.objects.bulk_create(Draft(name=f"d{n}", sender=senders[0], owner=marketer) for n in range(MAX_LIMIT))
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    Send.objects.bulk_create(
        Send(draft=line_draft, sender=send.sender, network="line", template={}, created_by=marketer)
        for _ in range(MAX_LIMIT)
    )
    for url in ("/api/v1/senders/", "/api/v1/drafts/", "/api/v1/sends/"):
        data = api_for(admin).get(url, {"limit": 1_000_000}).json()
        assert data["count"] > MAX_LIMIT and len(data["results"]) == MAX_LIMIT, url


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"offset": "null"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/deliveries/", "/api/v1/sends/", "/api/v1/drafts/", "/api/v1/senders/"])
def test_limit_and_offset_must_be_whole_numbers(auditor, url, query, name):
    answer = api_for(auditor).get(url, query)
    assert answer.status_code == 400
    assert answer.json() == {name: [f"Must be a whole number, {0 if name == 'offset' else 1} or more."]}


def test_an_offset_past_the_end_is_an_empty_page(auditor, line_draft):
    answer = api_for(auditor).get("/api/v1/drafts/", {"offset": "99999999999999999999999"})
    assert answer.status_code == 200 and answer.json()["results"] == []


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/deliveries/", "send"),
        ("/api/v1/deliveries/", "sender"),
        ("/api/v1/drafts/", "sender"),
        ("/api/v1/drafts/", "owner"),
        ("/api/v1/sends/", "draft"),
        ("/api/v1/sends/", "created_by"),
    ],
)
def test_id_filters_take_any_id_and_refuse_what_is_not_one(auditor, marketer, line_draft, url, name):
    send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    api = api_for(auditor)
    unknown = api.get(url, {name: 987654})
    assert unknown.status_code == 200 and unknown.json()["results"] == []
    for bad, message in [("abc", "Enter a whole number."), ("1.5", "Enter a whole number.")] + [
        (number, "Enter a whole number from 1 to 9,223,372,036,854,775,807.") for number in ("0", "-3", TOO_BIG)
    ]:
        answer = api.get(url, {name: bad})
        assert answer.status_code == 400, (name, bad)
        assert answer.json() == {name: [message]}


def test_id_filters_still_filter(auditor, marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "")], user=marketer)
    api = api_for(auditor)
    assert api.get("/api/v1/deliveries/", {"send": send.pk}).json()["count"] == 2
    assert api.get("/api/v1/deliveries/", {"sender": line_draft.sender_id}).json()["count"] == 2
    assert api.get("/api/v1/drafts/", {"owner": marketer.pk}).json()["count"] == 1
    assert api.get("/api/v1/sends/", {"draft": line_draft.pk}).json()["count"] == 1


@pytest.mark.parametrize("url", ["/history/", "/history/export.csv"])
def test_history_send_filter_out_of_range_is_a_400_naming_the_field(auditor, url):
    answer = client_for(auditor).get(url, {"send": TOO_BIG})
    assert answer.status_code == 400
    assert "Enter a whole number from 1 to 9,223,372,036,854,775,807." in answer.content.decode()


@pytest.mark.parametrize("cursor", ["before", "after"])
def test_history_cursors_out_of_range_show_the_first_page(auditor, marketer, line_draft, cursor):
    send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    answer = client_for(auditor).get("/history/", {cursor: TOO_BIG + "0000"})
    assert answer.status_code == 200 and answer.context["page"].rows == [Delivery.objects.get()]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "url", ["/api/v1/drafts/0.5/send/", "/api/v1/no-such-list/", "/api/v1/drafts/1/nothing/", "/api/nothing"]
)
def test_unknown_urls_under_api_are_json_404s(marketer, settings, debug, url):
    settings.DEBUG = debug
    answer = client_for(marketer).get(url)
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json" and answer.json() == {"detail": "Not found."}


@pytest.mark.parametrize("debug", [False, True])
def test_a_server_error_under_api_is_json(auditor, line_draft, settings, monkeypatch, debug):
    settings.DEBUG = debug

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("messages.api.send_counts", broken)
    client = Client(raise_request_exception=False)
    client.force_login(auditor)
    answer = client.get("/api/v1/sends/")
    assert answer.status_code == 500
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "A server error occurred; it has been logged."}
    assert answer["X-Frame-Options"] == "DENY"  # the page's security headers are kept


def test_pages_keep_their_html_errors(marketer):
    answer = client_for(marketer).get("/no/such/page/")
    assert answer.status_code == 404 and answer["Content-Type"].startswith("text/html")


def test_a_403_logs_one_line(auditor, caplog):
    from tests.ottportal.test_logging import Collect

    handler = Collect()
    logging.getLogger().addHandler(handler)
    try:
        answer = client_for(auditor).get("/drafts/new/")
    finally:
        logging.getLogger().removeHandler(handler)
    assert answer.status_code == 403
    [line] = [line for line in handler.lines if "Forbidden" in line]
    assert "\n" not in line and "Traceback" not in line
    assert line.endswith(
        "Forbidden (Permission denied): /drafts/new/ (PermissionDenied: Your role does not allow this (compose).)"
    )


@pytest.mark.parametrize(
    ("url", "query", "message"),
    [
        ("/api/v1/senders/", {"is_active": "null"}, "Give true or false."),
        ("/api/v1/senders/", {"is_active": ""}, "Give true or false."),
        ("/api/v1/deliveries/", {"created_before": ""}, "Give a value, or leave the parameter out."),
        ("/api/v1/deliveries/", {"send": " "}, "Give a value, or leave the parameter out."),
        ("/api/v1/sends/", {"status": ""}, "Give a value, or leave the parameter out."),
    ],
)
def test_filter_values_the_api_would_ignore_are_refused(auditor, url, query, message):
    answer = api_for(auditor).get(url, query)
    assert answer.status_code == 400 and answer.json() == {name: [message] for name in query}


def test_filters_that_are_read_still_work(auditor, line_sender):
    api = api_for(auditor)
    assert api.get("/api/v1/senders/", {"is_active": "True"}).json()["count"] == 1
    assert api.get("/api/v1/senders/", {"is_active": "false"}).json()["count"] == 0
    assert api.get("/api/v1/deliveries/", {"q": ""}).status_code == 200  # a search for nothing is no search
