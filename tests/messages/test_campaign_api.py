"""The campaign lifecycle through the REST API: `POST /api/v1/drafts/{id}/send/` with a start time and a
canary, the sends' new fields and timeline, and the send actions (approve, reject, pause, resume,
cancel, reschedule, retry_failed), each allowed and refused from every send status; a refused
transition is a 409 naming the status, a refused person a 403, a bad input a 400 naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rest_framework import serializers

from messages import lifecycle, preparation, send_actions, tasks
from messages.api import RecipientSerializer, RecipientsField
from messages.models import Delivery, Send, SendEvent
from messages.recipients import MAX_ROWS
from messages.services import send_cancel, send_create
from ottportal.models import UserSettings
from ottportal.roles import APPROVERS
from sandbox.models import SandboxMessage
from senders.models import Sender
from tests.conftest import _persona, start_worker, stop_worker
from tests.messages.conftest import api_for, run_worker
from tests.messages.test_workers import wait_for

pytestmark = pytest.mark.django_db

SS = Send.Status
ACTIONS = ("approve", "reject", "pause", "resume", "cancel", "reschedule", "retry_failed")


@pytest.fixture
def approver(db):
    return _persona("april-approver", APPROVERS)


def _later(**delta) -> str:
    return (timezone.now() + timedelta(**delta)).isoformat()


def _send_in(status: str, *, draft, user, approver, settings) -> Send:
    """A send of two recipients in `status`, reached the way the portal reaches it (for `running`,
    `done` and `done_with_errors`, the rows a worker would write are written here)."""
    recipients = [("U-1", ""), ("U-2", "")]
    if status == SS.PREPARING:
        settings.OTT_PREPARE_INLINE_MAX = 1  # left to the worker, which does not run here
        return send_create(draft=draft, recipients=recipients, user=user)
    if status in (SS.PENDING_APPROVAL, SS.REJECTED):
        draft.sender.requires_approval = True
        draft.sender.save()
        send = send_create(draft=draft, recipients=recipients, user=user)
        draft.sender.requires_approval = False
        draft.sender.save()
        if status == SS.REJECTED:
            send_actions.send_reject(send, approver, "Wrong coupon")
        return send
    if status == SS.SCHEDULED:
        return send_create(
            draft=draft, recipients=recipients, user=user, scheduled_at=timezone.now() + timedelta(hours=1)
        )
    send = send_create(draft=draft, recipients=recipients, user=user)
    assert send.status == SS.QUEUED
    if status == SS.RUNNING:
        Send.objects.filter(pk=send.pk).update(status=SS.RUNNING, started_at=timezone.now())
    elif status == SS.PAUSED:
        send_actions.send_pause(send, user)
    elif status == SS.CANCELED:
        send_cancel(send, user)
    elif status in (SS.DONE, SS.DONE_WITH_ERRORS):
        outcome = Delivery.Status.SENT if status == SS.DONE else Delivery.Status.FAILED
        Delivery.objects.filter(send=send).update(status=outcome, finished_at=timezone.now())
        lifecycle.finish_if_done(send.pk)
    send.refresh_from_db()
    assert send.status == status
    return send


# action -> {start status: status after it}; every other start status is refused with a 409.
ALLOWED = {
    "approve": {SS.PENDING_APPROVAL: SS.SCHEDULED},
    "reject": {SS.PENDING_APPROVAL: SS.REJECTED},
    "pause": {SS.SCHEDULED: SS.PAUSED, SS.QUEUED: SS.PAUSED, SS.RUNNING: SS.PAUSED},
    "resume": {SS.PAUSED: SS.SCHEDULED},
    "cancel": {s: SS.CANCELED for s in lifecycle.SEND_TRANSITIONS["cancel"].source},
    # a new start time two hours ahead: a send that has not started keeps waiting, now for that time
    "reschedule": {s: s for s in (SS.PREPARING, SS.PENDING_APPROVAL, SS.SCHEDULED, SS.PAUSED)},
    "retry_failed": {SS.DONE_WITH_ERRORS: SS.PREPARING},  # the new send's status
}
BODIES = {
    "reject": lambda: {"reason": "The coupon code is wrong"},
    "reschedule": lambda: {"scheduled_at": _later(hours=2)},
}
CASES = [(action, start) for action in ACTIONS for start in SS.values]


def _post(user, send: Send, action: str, body: dict | None = None, **headers):
    body = body if body is not None else BODIES.get(action, dict)()
    return api_for(user).post(f"/api/v1/sends/{send.pk}/{action}/", body, format="json", headers=headers)


@pytest.mark.parametrize(("action", "start"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_each_action_from_each_status(settings, marketer, approver, line_draft, action, start):
    send = _send_in(start, draft=line_draft, user=marketer, approver=approver, settings=settings)
    events_before = send.timeline.count()
    user = approver if action in ("approve", "reject") else marketer
    answer = _post(user, send, action)
    send.refresh_from_db()
    if start in ALLOWED[action]:
        assert answer.status_code == 202, answer.json()
        data = answer.json()
        if action == "retry_failed":
            retry = Send.objects.get(retry_of=send)
            assert data == {"id": retry.pk, "status": SS.PREPARING, "total": 2}
        else:
            assert data == {"id": send.pk, "status": ALLOWED[action][start], "total": 2}
            assert send.status == ALLOWED[action][start]
            assert send.timeline.count() > events_before  # each action is on the timeline
    else:
        assert answer.status_code == 409, answer.json()
        detail = answer.json()["detail"]
        assert send.status == start  # nothing changed
        if action == "retry_failed" and start in Send.FINISHED:
            assert detail == "No delivery of this send failed: there is nothing to retry."
        else:
            assert SS(start).label.lower() in detail, detail  # the status, in words
            assert detail.startswith("This send ")


def test_the_409_reads_as_a_sentence(settings, marketer, approver, line_draft):
    send = _send_in(SS.DONE, draft=line_draft, user=marketer, approver=approver, settings=settings)
    answer = _post(marketer, send, "pause")
    assert answer.status_code == 409
    assert answer.json() == {"detail": "This send is done, so it cannot be paused."}


def test_nobody_approves_their_own_send(admin, line_draft):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=admin)
    answer = _post(admin, send, "approve")
    assert answer.status_code == 403
    assert answer.json() == {"detail": "You created this send: a different person must approve it."}
    send.refresh_from_db()
    assert send.status == SS.PENDING_APPROVAL and send.approved_by is None


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_marketers_cannot_approve_or_reject(settings, marketer, admin, approver, line_draft, action):
    send = _send_in(SS.PENDING_APPROVAL, draft=line_draft, user=admin, approver=approver, settings=settings)
    answer = _post(marketer, send, action)
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Your role does not allow this."}


@pytest.mark.parametrize("action", ACTIONS)
def test_auditors_can_do_nothing_to_a_send(settings, auditor, marketer, approver, line_draft, action):
    send = _send_in(SS.PENDING_APPROVAL, draft=line_draft, user=marketer, approver=approver, settings=settings)
    answer = _post(auditor, send, action)
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Your role does not allow this."}
    send.refresh_from_db()
    assert send.status == SS.PENDING_APPROVAL


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "Say why the send is rejected: its author reads it."),
        ({"reason": None}, "Say why the send is rejected: its author reads it."),
        ({"reason": "   "}, "Say why the send is rejected: its author reads it."),
        ({"reason": "x" * 1001}, "Ensure this field has no more than 1000 characters."),
    ],
    ids=["missing", "null", "blank", "too-long"],
)
def test_a_rejection_needs_a_reason(settings, marketer, approver, line_draft, body, says):
    send = _send_in(SS.PENDING_APPROVAL, draft=line_draft, user=marketer, approver=approver, settings=settings)
    answer = _post(approver, send, "reject", body)
    assert answer.status_code == 400
    assert answer.json() == {"reason": [says]}
    send.refresh_from_db()
    assert send.status == SS.PENDING_APPROVAL


def test_only_the_creator_or_an_admin_reschedules(settings, marketer, admin, approver, line_draft):
    other = _persona("maria-marketer", "Marketers")
    send = _send_in(SS.SCHEDULED, draft=line_draft, user=marketer, approver=approver, settings=settings)
    refused = _post(other, send, "reschedule", {"scheduled_at": _later(hours=3)})
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Only the person who created this send, or an admin, can change its start time."
    }
    at = timezone.now() + timedelta(hours=3)
    assert _post(admin, send, "reschedule", {"scheduled_at": at.isoformat()}).status_code == 202
    send.refresh_from_db()
    assert send.scheduled_at == at and send.status == SS.SCHEDULED


def test_reschedule_to_null_starts_it_now(settings, marketer, approver, line_draft):
    send = _send_in(SS.SCHEDULED, draft=line_draft, user=marketer, approver=approver, settings=settings)
    answer = _post(marketer, send, "reschedule", {"scheduled_at": None})
    assert answer.status_code == 202 and answer.json()["status"] == SS.QUEUED
    send.refresh_from_db()
    assert send.scheduled_at is None
    assert send.timeline.filter(event=SendEvent.Event.RESCHEDULED, detail="To start now").exists()


def test_reschedule_needs_scheduled_at_and_checks_it(settings, marketer, approver, line_draft):
    send = _send_in(SS.SCHEDULED, draft=line_draft, user=marketer, approver=approver, settings=settings)
    missing = _post(marketer, send, "reschedule", {})
    assert missing.status_code == 400 and missing.json() == {"scheduled_at": ["This field is required."]}
    past = _post(marketer, send, "reschedule", {"scheduled_at": _later(hours=-1)})
    assert past.status_code == 400
    assert past.json() == {"scheduled_at": ["The start time is in the past: choose a later time, or send now."]}


# --- POST /api/v1/drafts/{id}/send/ with a start time ------------------------------------------------


def _send_api(user, draft, **fields):
    body = {"recipients": [{"ott_id": "U-1"}, {"ott_id": "U-2"}], **fields}
    return api_for(user).post(f"/api/v1/drafts/{draft.pk}/send/", body, format="json")


NO_OFFSET = "Give the time with its time zone (an offset such as +09:00)."
BAD_FORMAT = "Give the date and time in ISO 8601 with its offset, such as 2026-12-24T18:00:00+09:00."


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (lambda: _later(minutes=-5), "The start time is in the past: choose a later time, or send now."),
        (lambda: _later(days=400), "The start time is more than a year ahead: choose an earlier time."),
        (lambda: _later(hours=2)[:19], NO_OFFSET),  # 2026-12-24T18:00:00, no offset
        (lambda: "tomorrow at nine", BAD_FORMAT),
        (lambda: "2027-02-30T09:00:00+09:00", BAD_FORMAT),
        (lambda: 1767225600, BAD_FORMAT),
    ],
    ids=["past", "over-a-year", "no-offset", "words", "no-such-day", "number"],
)
def test_a_bad_start_time_is_a_400_naming_scheduled_at(marketer, line_draft, value, says):
    answer = _send_api(marketer, line_draft, scheduled_at=value())
    assert answer.status_code == 400
    assert answer.json() == {"scheduled_at": [says]}
    assert not Send.objects.exists()


def test_a_scheduled_send_waits_and_shows_its_time_and_timeline(marketer, auditor, line_draft):
    at = (timezone.now() + timedelta(hours=5)).astimezone(timezone.get_fixed_timezone(9 * 60)).replace(microsecond=0)
    answer = _send_api(marketer, line_draft, scheduled_at=at.isoformat(), time_zone="Asia/Tokyo")
    assert answer.status_code == 202, answer.json()
    assert answer.json()["status"] == SS.SCHEDULED and answer.json()["total"] == 2
    send = Send.objects.get()
    assert send.scheduled_at == at and send.schedule_time_zone == "Asia/Tokyo"
    data = api_for(auditor).get(f"/api/v1/sends/{send.pk}/").json()
    assert data["status"] == "scheduled"
    assert data["scheduled_at"] == at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert (data["approved_by"], data["approved_at"], data["paused_reason"], data["retry_of"]) == (None, None, "", None)
    assert data["counts"] == {status: 2 if status == "queued" else 0 for status in Delivery.Status.values}
    assert [(line["event"], line["user"]) for line in data["timeline"]] == [
        ("created", "mark-marketer"),
        ("prepared", None),
        ("scheduled", None),
    ]
    assert set(data["timeline"][0]) == {"at", "event", "user", "detail"}
    assert data["timeline"][0]["detail"] == "2 recipients"
    # the time given in +09:00, said in UTC
    assert data["timeline"][2]["detail"] == f"To start at {at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def test_the_zone_defaults_to_the_users_and_must_match_the_offset(marketer, line_draft):
    UserSettings.objects.create(user=marketer, time_zone="Europe/Paris")
    assert _send_api(marketer, line_draft, scheduled_at=_later(hours=2)).status_code == 202
    assert Send.objects.get().schedule_time_zone == "Europe/Paris"
    unknown = _send_api(marketer, line_draft, scheduled_at=_later(hours=2), time_zone="Mars/Olympus")
    assert unknown.status_code == 400
    assert unknown.json() == {
        "time_zone": ["Mars/Olympus is not a time zone: give an IANA name such as Asia/Tokyo or UTC."]
    }
    utc_time = _later(hours=2)  # +00:00, which Tokyo never is
    mismatch = _send_api(marketer, line_draft, scheduled_at=utc_time, time_zone="Asia/Tokyo")
    assert mismatch.status_code == 400
    assert "is not a time in Asia/Tokyo: its offset there is +09:00" in mismatch.json()["scheduled_at"][0]
    assert Send.objects.count() == 1


def test_a_time_in_new_york_carries_the_offset_of_its_season(marketer, line_draft):
    """New York is -04:00 in July and -05:00 in January: a time given for the zone must carry the
    offset it has on that day, across the daylight-saving change."""
    zone = ZoneInfo("America/New_York")
    year = timezone.now().year + 1
    summer, winter = datetime(year, 7, 15, 9, 0, tzinfo=zone), datetime(year, 1, 15, 9, 0, tzinfo=zone)
    if summer - timezone.now() > timedelta(days=365):
        summer = summer.replace(year=year - 1)
    assert summer.isoformat().endswith("-04:00") and winter.isoformat().endswith("-05:00")
    for at in (summer, winter):
        answer = _send_api(marketer, line_draft, scheduled_at=at.isoformat(), time_zone="America/New_York")
        assert answer.status_code == 202, answer.json()
    winter_offset_in_summer = summer.isoformat().replace("-04:00", "-05:00")
    wrong = _send_api(marketer, line_draft, scheduled_at=winter_offset_in_summer, time_zone="America/New_York")
    assert wrong.status_code == 400 and "its offset there is -04:00" in wrong.json()["scheduled_at"][0]
    assert sorted(Send.objects.values_list("scheduled_at", flat=True)) == sorted([summer, winter])


def test_a_send_needing_approval_waits_then_the_approver_approves_it(marketer, approver, line_draft):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    answer = _send_api(marketer, line_draft)
    assert answer.status_code == 202 and answer.json()["status"] == SS.PENDING_APPROVAL
    send = Send.objects.get()
    approved = _post(approver, send, "approve")
    assert approved.status_code == 202
    assert approved.json() == {"id": send.pk, "status": SS.SCHEDULED, "total": 2}
    data = api_for(marketer).get(f"/api/v1/sends/{send.pk}/").json()
    assert data["approved_by"] == "april-approver" and data["approved_at"]
    assert [line["event"] for line in data["timeline"]][-2:] == ["approval_requested", "approved"]
    assert data["timeline"][-1]["user"] == "april-approver"


def test_a_canary_send(marketer, line_draft):
    body = {"recipients": [{"ott_id": f"U-{n}"} for n in range(50)], "canary": True}
    answer = api_for(marketer).post(f"/api/v1/drafts/{line_draft.pk}/send/", body, format="json")
    assert answer.status_code == 202
    assert Send.objects.get().canary == 10


def test_pause_shows_why_and_an_idempotency_key_replays_the_answer(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    first = _post(marketer, send, "pause", **{"Idempotency-Key": "pause-1"})
    again = _post(marketer, send, "pause", **{"Idempotency-Key": "pause-1"})
    assert first.status_code == again.status_code == 202 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _post(marketer, send, "pause").status_code == 409  # without the key: a second pause
    data = api_for(marketer).get(f"/api/v1/sends/{send.pk}/").json()
    assert data["status"] == "paused" and data["paused_reason"] == "Paused by mark-marketer."
    assert data["timeline"][-1] == {
        "at": data["timeline"][-1]["at"],
        "event": "paused",
        "user": "mark-marketer",
        "detail": "Paused by mark-marketer.",
    }


def test_the_send_list_reads_every_timeline_in_a_fixed_number_of_queries(
    marketer, auditor, line_draft, django_assert_max_num_queries
):
    for _ in range(5):
        send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
        send_actions.send_pause(send, marketer)
    with django_assert_max_num_queries(8):
        rows = api_for(auditor).get("/api/v1/sends/").json()["results"]
    assert len(rows) == 5 and all(row["timeline"][-1]["event"] == "paused" for row in rows)


# --- Recipients read fast, as DRF's nested serializer reads them -------------------------------------


class _Nested(serializers.Serializer):
    recipients = RecipientSerializer(many=True, allow_empty=False, max_length=MAX_ROWS)


class _Fast(serializers.Serializer):
    recipients = RecipientsField()


@pytest.mark.parametrize(
    "recipients",
    [
        [{"ott_id": " U1 "}, {"user_reference": "r"}, {"ott_id": "U2", "user_reference": " ", "extra": 1}],
        [{"ott_id": " " + "x" * 256 + " "}],
        [],
        "U1",
        None,
        {"ott_id": "U1"},
        [1],
        ["U1"],
        [None],
        [{"ott_id": None}],
        [{"ott_id": 5}],
        [{"ott_id": True}],
        [{"ott_id": ["U1"]}],
        [{"ott_id": "x" * 257}],
        [{"ott_id": "U1"}, {"ott_id": "a\x00b"}],
        [{"ott_id": "\ud800"}],
        [{"ott_id": "U1"}] * (MAX_ROWS + 1),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_recipients_read_fast_as_the_nested_serializer_reads_them(recipients):
    nested, fast = _Nested(data={"recipients": recipients}), _Fast(data={"recipients": recipients})
    assert fast.is_valid() == nested.is_valid()
    assert fast.errors == nested.errors
    if nested.is_valid():
        assert [dict(row) for row in fast.validated_data["recipients"]] == [
            dict(row) for row in nested.validated_data["recipients"]
        ]


# --- A big send, prepared by the real worker ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_hundred_thousand_recipients_answer_preparing_and_a_cancel_stops_the_preparation(
    live_sandbox, marketer, line_draft
):
    """The request writes the send and its recipient list, no delivery; a real worker process writes
    the deliveries in batches; canceling after the first batches stops it there (preparing all of
    them takes a minute on SQLite, too long for the suite: docs/benchmarks.md)."""
    body = {"recipients": [{"ott_id": f"U{n:06d}"} for n in range(100_000)], "scheduled_at": _later(hours=1)}
    answer = api_for(marketer).post(f"/api/v1/drafts/{line_draft.pk}/send/", body, format="json")
    assert answer.status_code == 202
    send = Send.objects.get()
    assert answer.json() == {"id": send.pk, "status": "preparing", "total": 100_000}
    assert not Delivery.objects.exists()
    worker = start_worker(live_sandbox)
    try:
        wait_for(lambda: Delivery.objects.filter(send=send).count() >= preparation.BATCH, 120, "the first batch")
        canceled = _post(marketer, send, "cancel")
        assert canceled.status_code == 202 and canceled.json()["status"] == SS.CANCELED
        prepare_task = DBTaskResult.objects.filter(task_path=tasks.prepare.module_path)
        wait_for(lambda: prepare_task.filter(status=TaskResultStatus.SUCCESSFUL).exists(), 120, "the task to stop")
    finally:
        stop_worker(worker)
    send.refresh_from_db()
    written = Delivery.objects.filter(send=send).count()
    assert send.status == SS.CANCELED and preparation.BATCH <= written == send.prepared < 100_000
    assert not Delivery.objects.filter(send=send).exclude(status=Delivery.Status.CANCELED).exists()
    assert SandboxMessage.objects.count() == 0


# --- Retry the failed, with the real worker and the sandbox ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_retry_failed_through_the_api_sends_only_the_failed(settings, live_sandbox, marketer, auditor, line_draft):
    settings.OTT_SEND_MAX_ATTEMPTS = 1
    recipients = [("U-ok", ""), ("sandbox-fail-500", "a"), ("sandbox-fail-500", "b")]
    first = run_worker(send_create(draft=line_draft, recipients=recipients, user=marketer))
    assert first.status == SS.DONE_WITH_ERRORS
    assert _post(auditor, first, "retry_failed").status_code == 403
    answer = _post(marketer, first, "retry_failed")
    assert answer.status_code == 202
    retry = Send.objects.get(retry_of=first)
    assert answer.json() == {"id": retry.pk, "status": "preparing", "total": 2}
    again = _post(marketer, first, "retry_failed")
    assert again.status_code == 409 and again.json() == {
        "detail": f"Its failures were already retried, as send #{retry.pk}."
    }
    retry = run_worker(retry)
    data = api_for(auditor).get(f"/api/v1/sends/{retry.pk}/").json()
    assert data["retry_of"] == first.pk and data["status"] == "done_with_errors"  # the sandbox fails them again
    assert sorted(retry.deliveries.values_list("user_reference", flat=True)) == ["a", "b"]
    assert not SandboxMessage.objects.filter(accepted_count__gt=1).exists()


# --- The schema ------------------------------------------------------------------------------------


def test_the_schema_documents_the_lifecycle(marketer):
    schema = api_for(marketer).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for action in ACTIONS:
        operation = paths[f"/api/v1/sends/{{id}}/{action}/"]["post"]
        assert {"202", "400", "403", "404", "409"} <= set(operation["responses"]), action
        assert operation["responses"]["202"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/SendQueued"
        }
    components = schema["components"]["schemas"]
    assert components["SendStatusEnum"]["enum"] == list(SS.values)
    send = components["Send"]["properties"]
    for field in ("scheduled_at", "approved_by", "approved_at", "paused_reason", "retry_of", "timeline", "counts"):
        assert field in send, field
    assert set(components["SendEvent"]["properties"]) == {"at", "event", "user", "detail"}
    assert components["SendEvent"]["properties"]["user"]["nullable"] is True
    request = components["SendRequest"]["properties"]
    assert request["scheduled_at"]["format"] == "date-time" and request["canary"]["type"] == "boolean"
    assert components["Reject"]["required"] == ["reason"]
    assert components["Reschedule"]["properties"]["scheduled_at"]["nullable"] is True
    assert "requires_approval" in components["Sender"]["properties"]


# --- Senders: requires_approval ------------------------------------------------------------------------


def test_admins_make_a_sender_require_approval(admin, marketer, line_draft):
    sender = line_draft.sender
    url = f"/api/v1/senders/{sender.pk}/"
    assert api_for(marketer).patch(url, {"requires_approval": True}, format="json").status_code == 403
    answer = api_for(admin).patch(url, {"requires_approval": True}, format="json")
    assert answer.status_code == 200 and answer.json()["requires_approval"] is True
    sender.refresh_from_db()
    assert sender.requires_approval
    change = sender.changes.get()
    assert change.user == admin and [str(line) for line in change.lines] == ["Requires approval: No → Yes"]
    assert _send_api(marketer, line_draft).json()["status"] == SS.PENDING_APPROVAL


@pytest.mark.django_db(transaction=True)
def test_a_sender_can_be_registered_requiring_approval(admin, live_sandbox):
    body = {"network": "line", "sender_id": "2000000777", "name": "Shop", "channel_secret": "s3cret-value"}
    answer = api_for(admin).post("/api/v1/senders/", {**body, "requires_approval": True}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["requires_approval"] is True
    assert Sender.objects.get(sender_id="2000000777").requires_approval
