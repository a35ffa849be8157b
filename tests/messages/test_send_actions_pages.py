"""The send page's lifecycle, as each role sees it: the status in words, what will go out while a send
waits for approval, its timeline, and the buttons (approve, reject, pause, resume, reschedule, retry
the failed), each refused to the roles that may not use it and refused in words when the send's
status does not allow it, never with a 500."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from messages import lifecycle
from messages.models import Delivery, Send, SendEvent
from messages.services import draft_update, send_create
from messages.stored_words import shown
from ott.payloads import Block
from ottportal.models import settings_of
from tests.conftest import _persona, client_for

pytestmark = pytest.mark.django_db
SS = Send.Status


def _url(name: str, send: Send) -> str:
    return reverse(f"messages:{name}", args=[send.pk])


def _page(user, send: Send) -> str:
    return client_for(user).get(_url("send-detail", send)).content.decode()


@pytest.fixture
def needs_approval(line_draft):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    return line_draft


@pytest.fixture
def pending(marketer, needs_approval) -> Send:
    at = timezone.now() + timedelta(days=1)
    recipients = [("U-first", "ref-1"), ("U-2", "")]
    return send_create(draft=needs_approval, recipients=recipients, user=marketer, scheduled_at=at, time_zone="UTC")


def test_the_approver_sees_exactly_what_will_go_out_and_the_buttons(approver, pending):
    page = _page(approver, pending)
    assert "Waiting for your approval" in page
    review = page.split('data-testid="review"', 1)[1]
    assert 'class="phone phone-line"' in review and "セール 😀" in review.split("phone-chat", 1)[1]
    shown = review.split('data-testid="review-json"><code>', 1)[1].split("</code>", 1)[0]
    first = pending.deliveries.order_by("id").first()
    assert '"ottId": "U-first"' in shown.replace("&quot;", '"') and str(first.message_key) in shown
    assert ">Approve</button>" in page and 'name="reason"' in page


def test_the_approver_sees_the_first_recipients_own_message_filled(approver, marketer, needs_approval):
    message = replace(needs_approval.to_message(), blocks=(Block("text", text="Hello {{ first_name }} 🌸"),))
    draft_update(draft=needs_approval, name="Personal", sender=needs_approval.sender, message=message, user=marketer)
    at = timezone.now() + timedelta(days=1)
    rows = [("U-first", "", {"first_name": "花子"}), ("U-2", "", {"first_name": "Zoë"})]
    send = send_create(draft=needs_approval, recipients=rows, user=marketer, scheduled_at=at, time_zone="UTC")
    review = _page(approver, send).split('data-testid="review"', 1)[1]
    phone = review.split("phone-chat", 1)[1].split('data-testid="review-json"', 1)[0]
    assert "Hello 花子 🌸" in phone and "{{" not in phone
    assert "Hello 花子 🌸" in review.split('data-testid="review-json"><code>', 1)[1].split("</code>", 1)[0]


def test_the_creator_and_an_auditor_see_it_waits_but_no_approve_button(marketer, auditor, pending):
    for user in (marketer, auditor):
        page = _page(user, pending)
        assert "Waiting for approval by an approver or an admin." in page
        assert ">Approve</button>" not in page
    assert "Save the start time" in _page(marketer, pending)  # the creator may change the time
    assert 'method="post"' not in _page(auditor, pending).split("</nav>", 1)[1]


def test_approve_sends_it_on_with_who_and_when_on_the_timeline(approver, marketer, pending):
    response = client_for(approver).post(_url("send-approve", pending), follow=True)
    pending.refresh_from_db()
    assert pending.status == SS.SCHEDULED and pending.approved_by == approver
    said = response.content.decode()
    assert "Approved: it starts at" in said
    timeline = said.split('data-testid="timeline"', 1)[1]
    assert "Approved</td><td>april-approver" in timeline and "Created</td><td>mark-marketer" in timeline
    assert "Prepared</td><td>the portal" in timeline  # done by the portal, not by a person


def test_self_approval_is_refused_with_the_reason(admin, needs_approval):
    mine = send_create(draft=needs_approval, recipients=[("U-1", "")], user=admin)
    assert ">Approve</button>" not in _page(admin, mine)
    response = client_for(admin).post(_url("send-approve", mine))
    assert response.status_code == 403
    assert "You created this send: a different person must approve it." in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == SS.PENDING_APPROVAL


@pytest.mark.parametrize("action", ["send-approve", "send-reject"])
def test_only_approvers_and_admins_may_approve_or_reject(marketer, auditor, pending, action):
    for user in (marketer, auditor):
        assert client_for(user).post(_url(action, pending), {"reason": "no"}).status_code == 403
    pending.refresh_from_db()
    assert pending.status == SS.PENDING_APPROVAL


def test_reject_without_a_reason_names_the_field_and_with_one_tells_the_author(approver, marketer, pending):
    response = client_for(approver).post(_url("send-reject", pending), {"reason": "   "})
    assert response.status_code == 400
    field = response.content.decode().split('id="id_reason"', 1)[1].split("</div>", 1)[0]
    assert "Say why the send is rejected: its author reads it." in field
    pending.refresh_from_db()
    assert pending.status == SS.PENDING_APPROVAL
    response = client_for(approver).post(_url("send-reject", pending), {"reason": "The coupon code is wrong"})
    pending.refresh_from_db()
    assert pending.status == SS.REJECTED
    page = _page(marketer, pending)
    assert "Rejected by april-approver" in page and "The coupon code is wrong" in page
    again = client_for(approver).post(_url("send-approve", pending), follow=True)
    assert "This send is rejected by the approver, so it cannot be approved." in again.content.decode()


@pytest.mark.parametrize(
    "action", ["send-pause", "send-resume", "send-reschedule", "send-retry-failed", "send-approve", "send-reject"]
)
def test_an_auditor_gets_the_no_access_page_for_every_action(auditor, pending, action):
    response = client_for(auditor).post(_url(action, pending))
    assert response.status_code == 403 and "No access" in response.content.decode()


def test_an_action_opened_with_get_is_not_an_error_page(marketer, pending):
    response = client_for(marketer).get(_url("send-pause", pending))
    assert response.status_code == 405


def test_pause_and_resume_a_scheduled_send(marketer, line_draft):
    at = timezone.now() + timedelta(hours=3)
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=at)
    assert ">Pause</button>" in _page(marketer, send)
    said = client_for(marketer).post(_url("send-pause", send), follow=True).content.decode()
    send.refresh_from_db()
    assert send.status == SS.PAUSED and shown(send.paused_reason, send.paused_reason_args) == "Paused by mark-marketer."
    assert "Paused: nothing more is posted until someone resumes it" in said
    assert 'data-testid="paused-reason"' in said and ">Resume</button>" in said and ">Pause</button>" not in said
    said = client_for(marketer).post(_url("send-resume", send), follow=True).content.decode()
    send.refresh_from_db()
    assert send.status == SS.SCHEDULED and "Resumed: it starts at" in said
    events = list(send.timeline.values_list("event", flat=True))
    assert events[-2:] == [SendEvent.Event.PAUSED, SendEvent.Event.RESUMED]


def test_a_refused_transition_is_a_message_not_an_error(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    lifecycle.cancel(send, marketer)
    response = client_for(marketer).post(_url("send-pause", send), follow=True)
    assert response.status_code == 200
    assert "This send is canceled, so it cannot be paused." in response.content.decode()
    response = client_for(marketer).post(_url("send-resume", send), follow=True)
    assert "This send is canceled, so it cannot be resumed." in response.content.decode()


def test_the_error_spike_reason_is_shown_prominently(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    reason = "Paused by the portal: 150 of the last 200 answers were errors (75%). Most common: server error (150)."
    lifecycle.pause(send, reason=reason)
    page = _page(marketer, send)
    banner = page.split('data-testid="paused-reason"', 1)[1].split("</div>", 1)[0]
    assert reason in banner
    assert "Paused</td><td>the portal" in page


def test_the_scheduled_start_is_shown_in_the_viewers_zone_and_in_utc(marketer, auditor, line_draft):
    at = timezone.now() + timedelta(days=9)
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=at, time_zone="UTC")
    user_settings = settings_of(auditor)
    user_settings.time_zone = "Asia/Tokyo"
    user_settings.save()
    page = _page(auditor, send)
    tokyo = send.scheduled_at.astimezone(ZoneInfo("Asia/Tokyo"))
    starts = page.split('data-testid="starts">', 1)[1].split("</p>", 1)[0]
    assert f"{tokyo:%Y-%m-%d %H:%M} JST" in starts
    assert f"{send.scheduled_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" in starts


def test_reschedule_by_the_creator_or_an_admin_only(marketer, admin, line_draft):
    at = timezone.now() + timedelta(hours=5)
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=at)
    other = _persona("max-marketer", "Marketers")
    later = (timezone.now() + timedelta(days=2)).astimezone(UTC)
    data = {"when": "at", "date": f"{later:%Y-%m-%d}", "time": f"{later:%H:%M}", "time_zone": "UTC"}
    response = client_for(other).post(_url("send-reschedule", send), data)
    assert response.status_code == 403 and "Only the person who created this send" in response.content.decode()
    said = client_for(marketer).post(_url("send-reschedule", send), data, follow=True).content.decode()
    send.refresh_from_db()
    assert send.scheduled_at == later.replace(second=0, microsecond=0) and "New start time: it starts at" in said
    client_for(admin).post(_url("send-reschedule", send), {"when": "now"})
    send.refresh_from_db()
    assert send.scheduled_at is None and send.status == SS.QUEUED


def test_reschedule_refusals_are_at_their_field(marketer, line_draft):
    send = send_create(
        draft=line_draft, recipients=[("U-1", "")], user=marketer, scheduled_at=timezone.now() + timedelta(hours=5)
    )
    past = timezone.now() - timedelta(hours=2)
    data = {"when": "at", "date": f"{past:%Y-%m-%d}", "time": f"{past:%H:%M}", "time_zone": "UTC"}
    response = client_for(marketer).post(_url("send-reschedule", send), data)
    assert response.status_code == 400
    assert "in the past" in response.content.decode().split('data-testid="when-error">', 1)[1].split("</p>", 1)[0]
    response = client_for(marketer).post(_url("send-reschedule", send), {"when": "at", "time_zone": "UTC"})
    assert response.status_code == 400 and "Give the date the send starts on." in response.content.decode()


def test_a_new_time_for_an_approved_send_sends_it_back_for_approval(marketer, approver, pending):
    client_for(approver).post(_url("send-approve", pending))
    later = (timezone.now() + timedelta(days=2)).astimezone(UTC)
    data = {"when": "at", "date": f"{later:%Y-%m-%d}", "time": f"{later:%H:%M}", "time_zone": "UTC"}
    said = client_for(marketer).post(_url("send-reschedule", pending), data, follow=True).content.decode()
    pending.refresh_from_db()
    assert pending.status == SS.PENDING_APPROVAL
    assert "It needs approving again: the start time is part of what was approved." in said


def _finished_with_failures(marketer, line_draft) -> Send:
    send = send_create(draft=line_draft, recipients=[("U-ok", ""), ("U-bad", "a"), ("U-bad", "b")], user=marketer)
    now = timezone.now()
    Delivery.objects.filter(send=send, ott_id="U-ok").update(status=Delivery.Status.SENT, finished_at=now)
    Delivery.objects.filter(send=send, ott_id="U-bad").update(status=Delivery.Status.FAILED, finished_at=now)
    lifecycle.finish_if_done(send.pk)
    send.refresh_from_db()
    assert send.status == SS.DONE_WITH_ERRORS
    return send


def test_retry_failed_makes_a_linked_send_and_each_page_links_the_other(marketer, auditor, line_draft):
    first = _finished_with_failures(marketer, line_draft)
    assert ">Retry the 2 failed</button>" in _page(marketer, first)
    assert "Retry the" not in _page(auditor, first)
    response = client_for(marketer).post(_url("send-retry-failed", first), follow=True)
    retry = Send.objects.get(retry_of=first)
    assert response.redirect_chain[-1][0] == _url("send-detail", retry)
    said = response.content.decode()
    assert f"Retrying the failed deliveries of send #{first.pk}" in said
    assert f'data-testid="retry-of"><a href="{_url("send-detail", first)}">send #{first.pk}</a>' in said
    page = _page(marketer, first)
    assert f'<a href="{_url("send-detail", retry)}">send #{retry.pk}</a>' in page and "Retry the" not in page
    again = client_for(marketer).post(_url("send-retry-failed", first), follow=True).content.decode()
    assert f"Its failures were already retried, as send #{retry.pk}." in again


def test_retry_failed_is_refused_in_words_when_nothing_failed(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    said = client_for(marketer).post(_url("send-retry-failed", send), follow=True).content.decode()
    assert "This send is queued: retry its failures once it ends." in said


def test_the_live_part_asks_for_the_whole_page_when_the_status_changed(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    client = client_for(marketer)
    url = _url("send-progress", send)
    same = client.get(url, {"shown": "queued"}, headers={"HX-Request": "true"})
    assert same.status_code == 200 and "HX-Refresh" not in same
    lifecycle.pause(send, user=marketer, reason="Paused by mark-marketer.")
    changed = client.get(url, {"shown": "queued"}, headers={"HX-Request": "true"})
    assert changed["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' in client.get(url).content.decode()  # waiting: asked less often


def test_a_paused_send_promises_no_time_left(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(4)], user=marketer)
    now = timezone.now()
    Send.objects.filter(pk=send.pk).update(status=SS.RUNNING, started_at=now - timedelta(seconds=4))
    Delivery.objects.filter(pk__in=send.deliveries.values("pk")[:2]).update(status=Delivery.Status.SENT)
    assert "s left" in _page(marketer, send)
    send.refresh_from_db()
    lifecycle.pause(send, user=marketer, reason="Paused by mark-marketer.")
    page = _page(marketer, send)
    assert "s left" not in page and "<strong>Paused by mark-marketer.</strong>" in page


@pytest.mark.django_db
def test_the_send_page_says_when_marketing_cloud_holds_the_sender(marketer, line_draft):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from messages.models import SenderHold
    from messages.services import send_create
    from tests.conftest import client_for

    send = send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    until = timezone.now() + timedelta(minutes=2)
    SenderHold.objects.create(
        sender=line_draft.sender, until=until, kind="rate_limited", reason="Marketing Cloud's rate limit"
    )
    page = client_for(marketer).get(reverse("messages:send-progress", args=[send.pk])).content.decode()
    local = timezone.localtime(until)
    assert f"Held by Marketing Cloud's rate limit until {local:%H:%M:%S}" in page
    SenderHold.objects.update(kind="blocked")
    page = client_for(marketer).get(reverse("messages:send-progress", args=[send.pk])).content.decode()
    assert "Blocked by Marketing Cloud for this sender until" in page
    SenderHold.objects.update(until=timezone.now() - timedelta(seconds=1))
    page = client_for(marketer).get(reverse("messages:send-progress", args=[send.pk])).content.decode()
    assert "Held by" not in page and "Blocked by" not in page
