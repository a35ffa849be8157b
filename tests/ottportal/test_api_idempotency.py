"""`Idempotency-Key` on `POST /api/v1/drafts/{id}/send/`: a retried request returns the first answer
and queues nothing, a reused key with another body is a 409, and two concurrent identical requests
(threads, each with its own database connection) make one send."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from messages import sending_input
from messages.models import Delivery, Send
from messages.tasks import housekeeping
from ottportal.models import IdempotencyKey
from tests.messages.conftest import api_for

BODY = {"recipients": [{"ott_id": "U1"}, {"ott_id": "U2", "user_reference": "r2"}]}


def post(user, draft, body=BODY, key: str | None = "key-1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api_for(user).post(f"/api/v1/drafts/{draft.pk}/send/", body, format="json", headers=headers)


def test_a_retry_with_the_same_key_returns_the_first_answer_and_queues_nothing(marketer, line_draft):
    first = post(marketer, line_draft)
    assert first.status_code == 202
    again = post(marketer, line_draft)
    assert again.status_code == 202 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Send.objects.count() == 1 and Delivery.objects.count() == 2


def test_the_same_key_with_another_body_is_a_409_naming_the_header(marketer, line_draft, messenger_draft):
    post(marketer, line_draft)
    for answer in (
        post(marketer, line_draft, body={"recipients": [{"ott_id": "U3"}]}),
        post(marketer, messenger_draft),  # same body, another draft
    ):
        assert answer.status_code == 409
        assert list(answer.json()) == ["Idempotency-Key"]
        assert "used for a different request" in answer.json()["Idempotency-Key"][0]
    assert Send.objects.count() == 1


def test_keys_belong_to_their_user(admin, marketer, line_draft):
    assert post(marketer, line_draft).json()["id"] != post(admin, line_draft).json()["id"]
    assert Send.objects.count() == 2


def test_without_a_key_every_request_queues(marketer, line_draft):
    post(marketer, line_draft, key=None)
    post(marketer, line_draft, key=None)
    assert Send.objects.count() == 2 and not IdempotencyKey.objects.exists()


def test_a_key_is_kept_a_day(marketer, line_draft):
    first = post(marketer, line_draft)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    later = post(marketer, line_draft)
    assert later.status_code == 202 and later.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.count() == 1


def test_a_refused_request_does_not_hold_the_key(marketer, line_draft):
    refused = post(marketer, line_draft, body={"recipients": [{"user_reference": "r"}]})
    assert refused.status_code == 400 and refused.json() == {
        "recipients[0]": ["LINE needs an ottId (the LINE user id)."]
    }
    assert post(marketer, line_draft).status_code == 202


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "two words"])
def test_a_malformed_key_is_a_400_naming_the_header(marketer, line_draft, key):
    answer = post(marketer, line_draft, key=key)
    assert answer.status_code == 400 and list(answer.json()) == ["Idempotency-Key"]
    assert not Send.objects.exists()


def test_housekeeping_drops_keys_older_than_a_day(marketer, line_draft):
    post(marketer, line_draft, key="old")
    post(marketer, line_draft, key="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=2))
    housekeeping.call()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_requests_make_one_send(marketer, line_draft, monkeypatch):
    """Each thread serves its request through the whole stack with its own database connection; the
    send itself is slowed so that the second request arrives while the first is still queuing."""
    real_send_create = sending_input.send_create

    def slow_send_create(**kwargs):
        time.sleep(0.5)
        return real_send_create(**kwargs)

    monkeypatch.setattr(sending_input, "send_create", slow_send_create)
    key, start, answers = str(uuid.uuid4()), threading.Barrier(2), []

    def client():
        try:
            start.wait()
            answers.append(post(marketer, line_draft, key=key))
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [answer.status_code for answer in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    assert Send.objects.count() == 1 and Delivery.objects.count() == 2
    assert sorted(answer.get("Idempotent-Replayed", "") for answer in answers) == ["", "true"]
