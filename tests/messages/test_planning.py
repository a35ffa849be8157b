"""The send plan's rules: frequency caps across sends, allowances with their numbers, the duration
estimate at the sender's rate, and whether it overlaps quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from messages import planning
from messages.models import Delivery
from messages.services import send_create

pytestmark = pytest.mark.django_db


def test_the_frequency_cap_counts_what_went_or_will_go_across_sends(marketer, messenger_draft):
    sender = messenger_draft.sender
    send_create(draft=messenger_draft, recipients=[("U-1", ""), ("", "ref-2"), ("U-3", "")], user=marketer)
    Delivery.objects.filter(ott_id="U-3").update(status=Delivery.Status.FAILED)  # failed: does not count
    assert planning.capped(sender, [("U-1", ""), ("", "ref-2")]) == {}  # no cap set
    sender.frequency_cap_24h = 1
    capped = planning.capped(sender, [("U-1", ""), ("", "ref-2"), ("U-3", ""), ("U-4", "")])
    assert capped == {
        "U-1": "1 messages in the last 24 hours; the cap is 1",
        "ref-2": "1 messages in the last 24 hours; the cap is 1",
    }
    sender.frequency_cap_24h, sender.frequency_cap_7d = None, 2
    assert planning.capped(sender, [("U-1", "")]) == {}
    later = timezone.now() + timedelta(days=8)
    sender.frequency_cap_7d = 1
    assert planning.capped(sender, [("U-1", "")], now=later) == {}  # a week later the count starts again


def test_an_allowance_refuses_with_the_numbers(marketer, line_draft):
    sender = line_draft.sender
    send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(3)], user=marketer)
    assert planning.allowance_left(sender) is None and planning.allowance_problem(sender, 10**6) == ""
    sender.daily_allowance, sender.monthly_allowance = 5, 100
    assert planning.allowance_left(sender) == 2
    problem = planning.allowance_problem(sender, 4)
    assert "5 messages a day" in problem and "3 are used today" in problem and "2 left" in problem
    assert planning.allowance_problem(sender, 2) == ""


def test_the_estimate_follows_the_senders_rate_cap(settings, line_draft):
    sender = line_draft.sender
    settings.OTT_SEND_CONCURRENCY = 16
    sender.rate_limit = 10
    assert planning.estimated_seconds(sender, 1000) == 100
    sender.rate_limit = None
    settings.OTT_SENDER_RATE_LIMIT = 0  # no cap: the threads at the default latency, 16 / 0.2 s = 80/s
    assert planning.estimated_seconds(sender, 800) == 10


def test_quiet_hours_overlap_when_the_run_reaches_the_window(line_draft):
    sender = line_draft.sender
    sender.quiet_hours_start, sender.quiet_hours_end, sender.time_zone = time(21), time(8), "Asia/Tokyo"
    tokyo = ZoneInfo("Asia/Tokyo")
    evening = datetime(2026, 12, 1, 20, 0, tzinfo=tokyo)
    assert not planning.quiet_hours_overlap(sender, evening, 30 * 60)
    assert planning.quiet_hours_overlap(sender, evening, 90 * 60)
    assert planning.quiet_hours_overlap(sender, datetime(2026, 12, 1, 23, 0, tzinfo=tokyo), 1)
    sender.quiet_hours_start = None
    assert not planning.quiet_hours_overlap(sender, evening, 10**6)
