"""The drafts, sends and history lists: one set of filters per list for the page and the API, counts,
links that keep the filters, prefix search, and empty states that say what to do next."""

from __future__ import annotations

import contextlib
import time

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messages import selectors
from messages.models import Delivery
from messages.selectors import prefix_match
from messages.services import draft_create, send_create
from ott.payloads import Block, Message
from tests.conftest import client_for
from tests.messages.conftest import api_for

pytestmark = pytest.mark.django_db

HELLO = Message(blocks=(Block("text", text="hi"),))
TOO_BIG = "9223372036854775808"  # 2**63: one past the largest id


@pytest.fixture
def history(marketer, admin, line_draft, messenger_draft):
    line = send_create(draft=line_draft, recipients=[(f"U{n}", "") for n in range(120)], user=marketer)
    page = send_create(draft=messenger_draft, recipients=[("P1", "ref-1"), ("", "Ref-2")], user=admin)
    Delivery.objects.filter(send=line).update(status="sent")
    return line, page


def html(client, name: str, expect: int = 200, **params) -> str:
    response = client.get(reverse(name), params)
    assert response.status_code == expect, response.content.decode()[:2000]
    return response.content.decode()


def shown_ids(client, **params) -> set[int]:
    return {d.pk for d in client.get(reverse("messages:delivery-list"), params).context["page"].rows}


def api_ids(api, path: str, **params) -> set[int]:
    response = api.get(path, {**params, "limit": 500})
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("name", ["send", "sender", "user"])
def test_an_id_too_large_for_the_database_is_a_form_error(auditor, history, name):
    client = client_for(auditor)
    page = html(client, "messages:delivery-list", expect=400, **{name: TOO_BIG})
    assert 'class="error"' in page and "No deliveries" not in page
    export = client.get(reverse("messages:delivery-export"), {name: TOO_BIG})
    assert export.status_code == 400 and not export.streaming
    api = api_for(auditor).get("/api/v1/deliveries/", {name: TOO_BIG})
    assert api.status_code == 400 and list(api.json()) == [name]


def test_an_id_filter_says_its_range_and_an_unknown_id_matches_nothing(auditor, history):
    client = client_for(auditor)
    for value in (TOO_BIG, "0"):
        page = html(client, "messages:delivery-list", expect=400, send=value)
        assert "Enter a whole number from 1 to 9,223,372,036,854,775,807." in page
    for name in ("send", "sender", "user"):
        assert "No deliveries match these filters." in html(client, "messages:delivery-list", **{name: "999999"})
        assert api_ids(api_for(auditor), "/api/v1/deliveries/", **{name: "999999"}) == set()


def test_a_page_cursor_too_large_is_ignored_not_a_500(auditor, history):
    assert len(shown_ids(client_for(auditor), before=TOO_BIG + "0")) == selectors.PAGE_SIZE
    assert len(shown_ids(client_for(auditor), after=TOO_BIG)) == selectors.PAGE_SIZE


@pytest.mark.parametrize("name", ["draft", "created_by"])
def test_sends_filters_refuse_ids_too_large(auditor, history, name):
    page = html(client_for(auditor), "messages:send-list", expect=400, **{name: TOO_BIG})
    assert "Enter a whole number from 1 to" in page
    assert api_for(auditor).get("/api/v1/sends/", {name: TOO_BIG}).status_code == 400
    assert "No sends match these filters." in html(client_for(auditor), "messages:send-list", **{name: "999999"})


def test_search_finds_a_recipient_by_how_its_id_or_reference_starts(auditor, marketer, history, line_draft):
    ids = ["Uab12", "Uab123", "Uab2", "xUab1"]
    send_create(draft=line_draft, recipients=[(i, "") for i in ids], user=marketer)
    client = client_for(auditor)

    def found(q: str) -> set[str]:
        return {d.recipient for d in Delivery.objects.filter(pk__in=shown_ids(client, q=q))}

    assert found("Uab1") == {"Uab12", "Uab123"}
    assert found("ref-") == {"P1"}  # whose userReference is ref-1
    assert found("uab1") == set()  # case counts, on every database
    assert found("U11") == {"U11"}  # fewer than 4 characters: the exact id only
    key = Delivery.objects.get(ott_id="U5").message_key
    assert len(shown_ids(client, q=str(key))) == 1  # an exact messageKey
    assert len(shown_ids(client, q=str(key)[:8])) == 0  # not its start


@pytest.mark.parametrize("column", ["ott_id", "user_reference"])
def test_the_prefix_search_is_served_by_an_index(history, column):
    query = Delivery.objects.filter(prefix_match(column, "U1")).order_by("-id").values_list("id")[:5000]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # what would the planner do on a big table
        plan = query.explain()
        assert "Seq Scan" not in plan and "Index" in plan, plan
    else:
        plan = query.explain()
        assert f"SEARCH ott_messages_delivery USING COVERING INDEX delivery_{column}" in plan, plan


@pytest.mark.parametrize(
    "params",
    [
        {"status": "sent"},
        {"network": "messenger"},
        {"q": "U11"},
        {"q": "Ref-"},
        {"send": "the messenger send"},
        {"created_after": "2000-01-01", "network": "line"},
    ],
)
def test_the_page_and_the_api_filter_the_history_alike(auditor, history, params):
    if "send" in params:
        params = {"send": history[1].pk}
    expected = shown_ids(client_for(auditor), **params)
    assert expected and api_ids(api_for(auditor), "/api/v1/deliveries/", **params) >= expected


def test_the_api_has_the_page_filters_too(auditor, admin, history):
    _, page = history
    api = api_for(auditor)
    assert api_ids(api, "/api/v1/deliveries/", user=admin.pk) == set(page.deliveries.values_list("id", flat=True))
    assert [d["name"] for d in api.get("/api/v1/drafts/", {"network": "messenger"}).json()["results"]] == ["Page news"]
    assert [d["name"] for d in api.get("/api/v1/drafts/", {"q": "spring"}).json()["results"]] == ["Spring sale"]


def test_sends_filter_by_draft_and_say_how_many_match(auditor, marketer, history, line_draft):
    _, page = history
    send_create(draft=line_draft, recipients=[("U-again", "")], user=marketer)
    client = client_for(auditor)
    listing = html(client, "messages:send-list", draft=line_draft.pk)
    assert 'data-testid="match-count">2 sends match<' in listing and "Page news" not in listing.split("<table")[1]
    assert f'<option value="{line_draft.pk}" selected>Spring sale</option>' in listing  # picked from a list
    assert 'data-testid="match-count">3 sends<' in html(client, "messages:send-list")
    assert 'data-testid="match-count">1 send matches<' in html(
        client, "messages:send-list", created_by=page.created_by_id
    )
    api = api_for(auditor).get("/api/v1/sends/", {"draft": line_draft.pk}).json()
    assert api["count"] == 2 and {row["draft"] for row in api["results"]} == {line_draft.pk}


def test_drafts_say_how_many_match(auditor, line_draft, messenger_draft):
    client = client_for(auditor)
    assert 'data-testid="match-count">2 drafts<' in html(client, "messages:draft-list")
    assert 'data-testid="match-count">1 draft matches<' in html(client, "messages:draft-list", network="line")


def test_history_counts_exactly_then_says_more_than_or_about(auditor, history, monkeypatch):
    client = client_for(auditor)
    assert 'data-testid="match-count">122 deliveries<' in html(client, "messages:delivery-list")
    assert 'data-testid="match-count">2 deliveries match<' in html(
        client, "messages:delivery-list", network="messenger"
    )
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 50)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ott_messages_delivery")  # the planner's statistics, as autovacuum keeps them
        expected = "About 120 deliveries match"
    else:
        expected = "More than 50 deliveries match"
    assert f'data-testid="match-count">{expected}<' in html(client, "messages:delivery-list", status="sent")


def counts_run(client, **params) -> tuple[list[str], str]:
    """The COUNT statements the history page ran, and the page."""
    with CaptureQueriesContext(connection) as captured:
        page = html(client, "messages:delivery-list", **params)
    return [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()], page


def test_history_counts_a_first_page_that_holds_every_match_without_a_query(auditor, history):
    client = client_for(auditor)
    counts, page = counts_run(client, network="messenger")
    assert counts == [] and 'data-testid="match-count">2 deliveries match<' in page
    counts, page = counts_run(client, status="sent")  # 120: more than a page, so they are counted
    assert len(counts) == 1 and 'data-testid="match-count">120 deliveries match<' in page


def test_history_takes_postgresqls_estimate_above_the_exact_limit_without_counting(auditor, history, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 50)
    client = client_for(auditor)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ott_messages_delivery")  # the planner's statistics, as autovacuum keeps them
        counts, page = counts_run(client, status="sent")
        assert counts == [] and 'data-testid="match-count">About 120 deliveries match<' in page
    else:  # no estimate: it counts up to one past the limit
        counts, page = counts_run(client, status="sent")
        assert len(counts) == 1 and 'data-testid="match-count">More than 50 deliveries match<' in page


def test_page_links_keep_the_filters(marketer, line_sender):
    for n in range(30):
        draft_create(owner=marketer, name=f"Promo {n}", sender=line_sender, message=HELLO)
    first = html(client_for(marketer), "messages:draft-list", q="promo", network="line")
    assert 'href="?q=promo&amp;network=line&amp;page=2"' in first
    second = html(client_for(marketer), "messages:draft-list", q="promo", network="line", page=2)
    assert 'href="?q=promo&amp;network=line&amp;page=1"' in second and "Page 2 of 2" in second


def test_history_links_keep_the_filters_and_move_the_cursor(auditor, history):
    client = client_for(auditor)
    response = client.get(reverse("messages:delivery-list"), {"status": "sent"})
    older = response.context["page"].next_before
    assert f'href="?status=sent&amp;before={older}"' in response.content.decode()
    back = client.get(reverse("messages:delivery-list"), {"status": "sent", "before": older})
    newer = back.context["page"].prev_after
    page = back.content.decode()
    assert f'href="?status=sent&amp;after={newer}"' in page
    assert f'href="{reverse("messages:delivery-export")}?status=sent"' in page  # the export takes no cursor


def test_empty_lists_say_what_to_do_next(marketer, auditor):
    drafts = html(client_for(marketer), "messages:draft-list")
    assert "No drafts yet." in drafts and "Create your first draft" in drafts
    assert f'href="{reverse("messages:draft-new")}">Create your first draft' in drafts
    assert "Create your first draft" not in html(client_for(auditor), "messages:draft-list")  # auditors cannot
    sends = html(client_for(auditor), "messages:send-list")
    assert "No sends yet." in sends and "choose <strong>Send…</strong>" in sends
    assert "No deliveries yet." in html(client_for(auditor), "messages:delivery-list")


def test_filters_that_match_nothing_offer_to_clear_them(auditor, history):
    client = client_for(auditor)
    for name, params, text in [
        ("messages:draft-list", {"q": "nothing like this"}, "No drafts match these filters."),
        ("messages:send-list", {"status": "canceled"}, "No sends match these filters."),
        ("messages:delivery-list", {"q": "nothing-like-this"}, "No deliveries match these filters."),
    ]:
        page = html(client, name, **params)
        assert text in page and f'<a href="{reverse(name)}">Clear the filters</a>' in page
        assert "<table" not in page


SLOW_QUERY = {
    # About two seconds of work on either database.
    "postgresql": "SELECT pg_sleep(2)",
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) "
    "SELECT count(*) FROM c",
}


def test_a_count_over_its_time_budget_is_stopped_and_leaves_no_limit_behind():
    with connection.cursor() as cursor:
        started = time.monotonic()
        with pytest.raises(OperationalError), selectors.time_limit(0.05):
            cursor.execute(SLOW_QUERY[connection.vendor])
        assert time.monotonic() - started < 1
        cursor.execute("SELECT 1")  # the connection still answers, and without the limit:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "0"
        else:
            cursor.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT 1")


def test_history_without_a_cheap_count_still_lists(auditor, history, monkeypatch):
    @contextlib.contextmanager
    def over_budget(seconds):
        raise OperationalError("canceling statement due to statement timeout")
        yield

    monkeypatch.setattr(selectors, "time_limit", over_budget)
    response = client_for(auditor).get(reverse("messages:delivery-list"), {"status": "sent"})
    assert len(response.context["page"].rows) == selectors.PAGE_SIZE
    if connection.vendor == "postgresql":
        assert 'data-testid="match-count">About ' in response.content.decode()  # the planner's estimate
    else:
        assert 'data-testid="match-count"' not in response.content.decode()  # nothing rather than a guess


def test_a_reversed_day_range_is_explained_on_the_page_and_empty_in_the_api(auditor, history):
    flipped = {"created_after": "2026-02-02", "created_before": "2026-02-01"}
    page = html(client_for(auditor), "messages:delivery-list", expect=400, **flipped)
    assert "The end date must be on or after the start date." in page
    assert api_ids(api_for(auditor), "/api/v1/deliveries/", **flipped) == set()  # valid per the schema
