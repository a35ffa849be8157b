"""The send plan: every row judged as preparation would judge it (suppressed by reason, capped,
refused after filling the placeholders, counted in the network's unit), the allowance, the duration
and quiet hours; and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from audiences.loading import audience_from_rows
from audiences.models import Audience, Suppression
from messages.models import Delivery, Send
from messages.send_plan import REFUSED_LISTED, plan
from messages.services import draft_create, send_create
from ott.payloads import Block, Message

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
LONG_EMOJI = "😀" * 900  # 900 characters, 1,800 UTF-16 units: three of them pass LINE's 5,000
SHORT_CJK = "漢" * 1600  # 1,600 characters and units: three of them are 4,800, within it


@pytest.fixture
def personal_draft(marketer, line_sender):
    text = "{{ first_name }}: {{ note | default: 'hi' }}{{ note }}{{ note }}"
    message = Message(blocks=(Block("text", text=text),))
    return draft_create(owner=marketer, name="Personal", sender=line_sender, message=message)


def rows():
    return [
        ("U-1", "", {"first_name": "Aiko 🌸", "note": SHORT_CJK}),
        ("U-opt-1", "", {"first_name": "Ben"}),
        ("U-long", "", {"first_name": "Long", "note": LONG_EMOJI}),
        ("U-opt-2", "", {"first_name": "Cy"}),
        ("U-blocked", "", {"first_name": "Di"}),
        ("U-capped", "", {"first_name": "Ed"}),
        ("U-2", "", {"first_name": "太郎"}),
    ]


@pytest.fixture
def rules(marketer, line_sender, line_draft):
    Suppression.objects.create(network="line", ott_id="U-opt-1", reason="opt_out")
    Suppression.objects.create(network="line", sender=line_sender, ott_id="U-opt-2", reason="opt_out")
    Suppression.objects.create(network="line", ott_id="U-blocked", reason="blocked")
    Suppression.objects.create(network="messenger", ott_id="U-2", reason="opt_out")  # another network: no effect
    send_create(draft=line_draft, recipients=[("U-capped", "")], user=marketer)
    line_sender.frequency_cap_24h = 1
    line_sender.save()


def test_every_row_is_judged_and_nothing_is_written(personal_draft, rules):
    deliveries, sends = Delivery.objects.count(), Send.objects.count()
    found = plan(personal_draft, rows(), duplicates=2, refused=[[9, ",x", "LINE needs an ottId (the LINE user id)."]])
    assert (found["total"], found["duplicates"], found["sendable"], found["capped"]) == (7, 2, 2, 1)
    assert found["suppressed"] == {"opt_out": 2, "blocked": 1}
    assert found["refused_count"] == 2
    assert found["refused"][0] == {"line": 9, "reason": "LINE needs an ottId (the LINE user id)."}
    assert found["refused"][1]["line"] == 3 and "5,000" in found["refused"][1]["reason"]  # after filling, in UTF-16
    assert found["first_body"]["to"] == {"ottId": "U-1"} and found["first_line"] == 1
    assert found["first_body"]["message"]["contents"][0]["text"] == f"Aiko 🌸: {SHORT_CJK * 3}"
    assert (Delivery.objects.count(), Send.objects.count()) == (deliveries, sends)


def test_an_audience_is_read_and_not_marked_used(personal_draft, marketer, rules):
    recipients = [{"ott_id": o, "user_reference": r, "vars": v} for o, r, v in rows()]
    audience = audience_from_rows(name="Spring", network="line", user=marketer, recipients=recipients)
    found = plan(personal_draft, audience)
    assert (found["total"], found["sendable"], found["capped"], found["refused_count"]) == (7, 2, 1, 1)
    assert found["refused"] == [{"line": 3, "reason": found["refused"][0]["reason"]}]
    audience.refresh_from_db()
    assert audience.first_used_at is None and not Audience.objects.get(pk=audience.pk).is_used


def test_the_refused_list_keeps_the_first_thousand_and_counts_all(line_draft):
    refused = [[line, "", "LINE needs an ottId (the LINE user id)."] for line in range(1, 1_501)]
    found = plan(line_draft, [("U-1", "")], refused=refused)
    assert len(found["refused"]) == REFUSED_LISTED and found["refused_count"] == 1_500
    assert found["first_body"]["message"]["contents"][0]["text"] == "セール 😀"  # no placeholders: the draft as is


def test_the_allowance_left_and_sending_up_to_it(line_draft, line_sender):
    line_sender.daily_allowance = 3
    line_sender.save()
    recipients = [(f"U-{n}", "") for n in range(5)]
    found = plan(line_draft, recipients)
    assert found["allowance_problem"].startswith("Demo LINE may send 3 messages a day; 0 are used today")
    assert "this send has 5: 3 left" in found["allowance_problem"]
    assert (found["send_limit"], found["sendable"], found["allowance_left"]) == (None, 5, 0)
    limited = plan(line_draft, recipients, up_to_allowance=True)
    assert (limited["send_limit"], limited["sendable"], limited["allowance_left"]) == (3, 3, 0)
    within = plan(line_draft, recipients[:2])
    assert (within["allowance_problem"], within["allowance_left"]) == ("", 1)


def test_duration_and_quiet_hours_in_the_senders_zone(line_draft, line_sender):
    line_sender.rate_limit = 1
    line_sender.quiet_hours_start, line_sender.quiet_hours_end = time(21, 0), time(8, 0)
    line_sender.time_zone = "Asia/Tokyo"
    line_sender.save()
    recipients = [(f"U-{n}", "") for n in range(120)]
    evening = datetime(2026, 12, 7, 20, 59, tzinfo=TOKYO).astimezone(UTC)
    found = plan(line_draft, recipients, now=evening)
    assert found["estimated_seconds"] == 120 and found["quiet_hours_overlap"] is True
    morning = datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)
    assert plan(line_draft, recipients, now=morning)["quiet_hours_overlap"] is False
    assert plan(line_draft, recipients, now=morning, start=evening)["quiet_hours_overlap"] is True
