"""The state machines, table-driven, with no HTTP and no worker: every event from every status is
either the transition its table names or changes nothing; every outcome of an attempt maps to its
event; docs/sending.md shows the same tables."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from messages import lifecycle
from messages.engine.attempt import Result
from messages.engine.record import outcome_event
from messages.models import Delivery, Send
from messages.services import send_create
from ott.client import Accepted, Failed, Rejected, SendStatus

DS, SS = Delivery.Status, Send.Status
DOC = Path(__file__).resolve().parents[2] / "docs" / "sending.md"


@pytest.fixture
def one(line_draft, marketer):
    """A send with one delivery, both in whatever status a test puts them."""
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    return send, send.deliveries.get()


def _apply_delivery_event(event: str, send: Send, delivery: Delivery) -> None:
    if event == "claim":
        lifecycle.claim(send.pk, [delivery.pk])
    elif event == "recover":
        Delivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
        lifecycle.recover()
    elif event == "cancel":
        lifecycle.cancel(send, None)
    elif event == "found_later":
        lifecycle.found_later([delivery.pk])
    else:  # the outcome of a claimed delivery
        lifecycle.settle([(Delivery.objects.get(pk=delivery.pk), event)])


@pytest.mark.django_db
@pytest.mark.parametrize("start", DS.values)
@pytest.mark.parametrize("event", list(lifecycle.DELIVERY_TRANSITIONS))
def test_each_delivery_event_moves_only_from_its_source_statuses(one, start, event):
    send, delivery = one
    Delivery.objects.filter(pk=delivery.pk).update(status=start)
    transition = lifecycle.DELIVERY_TRANSITIONS[event]
    _apply_delivery_event(event, send, delivery)
    delivery.refresh_from_db()
    expected = transition.target if start in transition.source else start
    assert delivery.status == expected


@pytest.mark.django_db
@pytest.mark.parametrize("start", SS.values)
@pytest.mark.parametrize("event", list(lifecycle.SEND_TRANSITIONS))
def test_each_send_event_moves_only_from_its_source_statuses(one, start, event, marketer):
    send, delivery = one
    Send.objects.filter(pk=send.pk).update(status=start)
    send.refresh_from_db()
    transition = lifecycle.SEND_TRANSITIONS[event]
    if event == "start":
        lifecycle.claim(send.pk, [delivery.pk])
    elif event == "cancel":
        if start in transition.source:
            lifecycle.cancel(send, marketer)
        else:
            with pytest.raises(lifecycle.TransitionRefused, match="already finished"):
                lifecycle.cancel(send, marketer)
    elif event in ("finish", "finish_with_errors"):
        final = DS.FAILED if event == "finish_with_errors" else DS.SENT
        Delivery.objects.filter(pk=delivery.pk).update(status=final)
        lifecycle.finish_if_done(send.pk)
    elif start in transition.source:
        lifecycle.move(send, event, user=marketer)
        assert send.timeline.filter(user=marketer).exists()
    else:
        with pytest.raises(lifecycle.TransitionRefused, match=f"This send is {send.get_status_display().lower()}"):
            lifecycle.move(send, event, user=marketer)
    send.refresh_from_db()
    assert send.status == (transition.target if start in transition.source else start)


@pytest.mark.django_db
def test_a_running_send_does_not_finish_while_a_delivery_is_pending(one):
    send, delivery = one
    lifecycle.claim(send.pk, [delivery.pk])
    lifecycle.finish_if_done(send.pk)
    send.refresh_from_db()
    assert send.status == SS.RUNNING and send.finished_at is None


@pytest.mark.django_db
def test_cancel_counts_what_will_not_go_and_what_is_in_flight(line_draft, marketer):
    send = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(10)], user=marketer)
    ids = sorted(send.deliveries.values_list("id", flat=True))
    lifecycle.claim(send.pk, ids[:3])
    Delivery.objects.filter(pk=ids[3]).update(attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=1))
    result = lifecycle.cancel(send, marketer)
    assert (result.not_sent, result.in_flight) == (7, 3)
    # The three in flight finish as they end; nothing else of the send can be claimed any more.
    assert lifecycle.claim(send.pk, ids) == []
    send.refresh_from_db()
    assert send.status == SS.CANCELED and send.finished_at is None
    lifecycle.settle([(d, "mark_sent") for d in Delivery.objects.filter(pk__in=ids[:3])])
    lifecycle.finish_if_done(send.pk)
    send.refresh_from_db()
    assert send.status == SS.CANCELED and send.finished_at is not None


@pytest.mark.django_db
def test_a_reserved_chunk_of_a_dead_worker_is_released_without_a_lookup(one):
    send, delivery = one
    assert lifecycle.reserve(send.pk, [delivery.pk]) == 1
    Delivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert lifecycle.recover() == [(send.pk, delivery.pk)]
    delivery.refresh_from_db()
    assert delivery.status == DS.QUEUED and delivery.lease_until is None and not delivery.needs_lookup


def test_settle_refuses_an_event_that_does_not_leave_sending():
    with pytest.raises(ValueError, match="does not settle"):
        lifecycle.settle([(Delivery(), "cancel")])


# --- The outcome table: what the worker does with each answer -------------------------------------
NOW = timezone.now()
TRANSIENT = Failed("HTTP 503", transient=True, http_status=503)
AMBIGUOUS = Failed("read timeout", transient=True, ambiguous=True)
FINAL = Failed("HTTP 403", transient=False, http_status=403)


@pytest.mark.parametrize(
    ("outcome", "attempts", "stopped", "posted", "event"),
    [
        (Accepted(201, {"ottRequestId": "r-1"}, 12, ott_request_id="r-1"), 1, False, True, "mark_sent"),
        (SendStatus(found=True, events=[{"event": "Sent"}]), 2, False, False, "mark_sent"),
        (Rejected(400, 10002, "text is required"), 1, False, True, "mark_rejected"),
        (TRANSIENT, 1, False, True, "schedule_retry"),
        (AMBIGUOUS, 1, False, True, "schedule_retry"),
        (TRANSIENT, 5, False, True, "mark_failed"),
        (FINAL, 1, False, True, "mark_failed"),
        (TRANSIENT, 1, True, True, "drop"),
        (None, 1, False, False, "drop"),
        (Failed("status lookup failed", transient=True, ambiguous=True), 1, False, False, "schedule_retry"),
    ],
)
def test_each_outcome_maps_to_one_event(settings, outcome, attempts, stopped, posted, event):
    settings.OTT_SEND_MAX_ATTEMPTS = 5
    delivery = Delivery(status=DS.SENDING, attempts=attempts)
    assert outcome_event(Result(delivery, outcome, NOW, posted=posted), NOW, stopped)[0] == event
    if event == "schedule_retry":
        assert delivery.next_attempt_at > NOW
        assert delivery.needs_lookup == outcome.ambiguous
    if event == "mark_failed" and outcome.transient:
        assert "gave up after 5 attempts" in delivery.error_message
    if event == "mark_sent" and isinstance(outcome, Accepted):
        assert delivery.ott_request_id == "r-1"


def _doc_table(heading: str) -> set[tuple[str, str, str]]:
    """(event, from, to) rows of the markdown table under `heading` in docs/sending.md."""
    section = DOC.read_text().split(f"### {heading}", 1)[1].split("\n#", 1)[0]
    rows = set()
    for line in section.splitlines():
        cells = [c.strip(" `") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"[a-z_]+", cells[0]) and cells[0] != "event":
            for source in cells[1].split(", "):
                rows.add((cells[0], source.strip("` "), cells[2]))
    return rows


@pytest.mark.parametrize(
    ("heading", "table"),
    [("Delivery transitions", lifecycle.DELIVERY_TRANSITIONS), ("Send transitions", lifecycle.SEND_TRANSITIONS)],
)
def test_docs_show_the_same_transitions_as_the_code(heading, table):
    expected = {(t.event, str(source), str(t.target)) for t in table.values() for source in t.source}
    assert _doc_table(heading) == expected


def test_a_delivery_found_by_a_lookup_keeps_the_ott_request_id_the_answer_carries():
    delivery = Delivery(status=DS.SENDING, attempts=2, needs_lookup=True)
    answer = SendStatus(found=True, events=[{"event": "Sent"}], ott_request_id="r-9")
    assert outcome_event(Result(delivery, answer, NOW, posted=False), NOW, False)[0] == "mark_sent"
    assert delivery.ott_request_id == "r-9" and not delivery.needs_lookup


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 40])
def test_recording_claimed_outcomes_costs_the_same_queries_whatever_the_batch(
    line_draft, marketer, django_assert_max_num_queries, n
):
    """Claimed deliveries carry only the fields the engine reads and writes: recording their outcomes
    never loads a field row by row, and writes each outcome and its attempt log in full."""
    from messages.engine.record import record
    from messages.models import Attempt

    send = send_create(draft=line_draft, recipients=[(f"U-{i}", "") for i in range(n)], user=marketer)
    Send.objects.filter(pk=send.pk).update(status=SS.QUEUED)
    claimed = lifecycle.claim(send.pk, list(send.deliveries.values_list("id", flat=True)))
    results = []
    for i, delivery in enumerate(claimed):
        outcome = Accepted(201, {"ottRequestId": f"r-{i}"}, 12, ott_request_id=f"r-{i}") if i % 2 else TRANSIENT
        results.append(Result(delivery, outcome, NOW))
    with django_assert_max_num_queries(12):
        record(send.pk, results, [], lambda *args, **kwargs: None)
    rows = dict(send.deliveries.values_list("ott_request_id", "status"))
    assert sum(status == DS.SENT for status in rows.values()) == n // 2
    assert Attempt.objects.filter(delivery__send=send).count() == n
    log = Attempt.objects.filter(delivery__send=send, outcome="failed").first()
    assert log.detail == TRANSIENT.reason and log.kind == "send" and log.number == 1
