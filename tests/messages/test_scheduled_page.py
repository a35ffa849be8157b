"""Where a person sees what is coming and what waits for them: the Scheduled page (the next 7 days,
by day in the viewer's zone), the home page's sends in progress and those waiting for the viewer's
approval, and the sends list filtered by the new statuses."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from messages import lifecycle
from messages.models import Send
from messages.services import send_create
from ottportal.models import settings_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
AUCKLAND = ZoneInfo("Pacific/Auckland")


def _send(user, draft, *, after: timedelta | None, recipients: int = 2) -> Send:
    at = timezone.now() + after if after is not None else None
    rows = [(f"U-{n}", "") for n in range(recipients)]
    return send_create(draft=draft, recipients=rows, user=user, scheduled_at=at, time_zone="UTC" if at else "")


def test_the_next_seven_days_grouped_by_the_viewers_day(marketer, auditor, line_draft):
    soon = _send(marketer, line_draft, after=timedelta(hours=1))
    later = _send(marketer, line_draft, after=timedelta(days=3), recipients=5)
    too_far = _send(marketer, line_draft, after=timedelta(days=8))
    now = _send(marketer, line_draft, after=None)
    user_settings = settings_of(auditor)
    user_settings.time_zone = "Pacific/Auckland"
    user_settings.save()
    page = client_for(auditor).get(reverse("messages:send-scheduled")).content.decode()
    assert f'data-testid="scheduled-{soon.pk}"' in page and f'data-testid="scheduled-{later.pk}"' in page
    assert f'data-testid="scheduled-{too_far.pk}"' not in page and f'data-testid="scheduled-{now.pk}"' not in page
    heading = f"{later.scheduled_at.astimezone(AUCKLAND):%A %-d %B %Y}"
    assert f">{heading}</h2>" in page
    section = page.split(f">{heading}</h2>", 1)[1].split("</section>", 1)[0]
    assert f'data-testid="scheduled-{later.pk}"' in section and "mark-marketer" in section and ">5<" in section
    assert page.index(f"scheduled-{soon.pk}") < page.index(f"scheduled-{later.pk}")
    assert " NZ" in section  # times carry the viewer's zone (NZST or NZDT)


def test_sends_waiting_for_approval_are_listed_with_or_without_a_time(marketer, line_draft):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    timed = _send(marketer, line_draft, after=timedelta(days=1))
    untimed = _send(marketer, line_draft, after=None)
    page = client_for(marketer).get(reverse("messages:send-scheduled")).content.decode()
    assert "Waiting for approval, to start once approved" in page
    first = page.split("Waiting for approval, to start once approved", 1)[1].split("</section>", 1)[0]
    assert f"scheduled-{untimed.pk}" in first and f"scheduled-{timed.pk}" not in first
    assert f"scheduled-{timed.pk}" in page and page.count("Waiting for approval</span>") == 2


def test_nothing_scheduled_says_how_to_schedule(marketer, db):
    page = client_for(marketer).get(reverse("messages:send-scheduled")).content.decode()
    assert "Nothing is scheduled for the next 7 days." in page and "At a date and time" in page
    assert 'href="/sends/scheduled/"' in client_for(marketer).get(reverse("messages:send-list")).content.decode()


@pytest.mark.parametrize("status", ["pending_approval", "scheduled", "paused"])
def test_the_sends_list_filters_by_the_new_statuses(marketer, line_draft, status):
    line_draft.sender.requires_approval = status == "pending_approval"
    line_draft.sender.save()
    send = _send(marketer, line_draft, after=timedelta(days=1))
    if status == "paused":
        lifecycle.pause(send, user=marketer, reason="Paused by mark-marketer.")
    other = _send(marketer, line_draft, after=None) if status != "pending_approval" else None
    response = client_for(marketer).get(reverse("messages:send-list"), {"status": status})
    page = response.content.decode()
    assert response.status_code == 200 and f'href="/sends/{send.pk}/"' in page
    assert other is None or f'href="/sends/{other.pk}/"' not in page


def test_home_lists_what_waits_for_the_approver_and_what_is_in_progress(marketer, approver, line_draft):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    waiting = _send(marketer, line_draft, after=timedelta(days=1))
    line_draft.sender.requires_approval = False
    line_draft.sender.save()
    paused = _send(marketer, line_draft, after=timedelta(days=2))
    lifecycle.pause(paused, reason="Paused by the portal: the canary failed.")
    home = client_for(approver).get("/").content.decode()
    mine = home.split('data-testid="awaiting-me"', 1)[1].split("</section>", 1)[0]
    assert f'href="/sends/{waiting.pk}/"' in mine and "mark-marketer" in mine
    active = home.split('data-testid="active-sends"', 1)[1].split("</section>", 1)[0]
    assert "Waiting for approval" in active and "Paused" in active and "the canary failed" in active
    assert active.index(f"/sends/{waiting.pk}/") < active.index(f"/sends/{paused.pk}/")
    marketer_home = client_for(marketer).get("/").content.decode()
    assert 'data-testid="awaiting-me"' not in marketer_home  # a marketer approves nothing
    assert f'href="/sends/{waiting.pk}/"' in marketer_home.split('data-testid="active-sends"', 1)[1]
