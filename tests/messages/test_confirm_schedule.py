"""The confirm page's "When": now, or a date and time on the clock of a time zone (the user's own by
default), daylight saving's missing and repeated hours, refused times at their field, the canary,
whether the send will wait for approval and who can give it, and the words saying what happens next."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from messages.models import RecipientList, Send
from ottportal.models import settings_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def _confirm_url(user, draft, recipients: int = 3) -> str:
    pasted = "\n".join(f"U-{n}" for n in range(recipients))
    response = client_for(user).post(reverse("messages:send-start", args=[draft.pk]), {"pasted": pasted})
    return response["Location"]


def _at(day: date, clock: str, zone: str = "America/New_York", **extra) -> dict:
    return {"when": "at", "date": day.isoformat(), "time": clock, "time_zone": zone, **extra}


def _next_change(zone: ZoneInfo, forward: bool) -> date:
    """The next day (from tomorrow) on which `zone`'s clocks go forward (or back)."""
    day = timezone.localdate() + timedelta(days=1)
    for _ in range(366):
        morning = datetime.combine(day, time(0, 0), tzinfo=zone).utcoffset()
        evening = datetime.combine(day, time(23, 59), tzinfo=zone).utcoffset()
        if (evening > morning) if forward else (evening < morning):
            return day
        day += timedelta(days=1)
    raise AssertionError("no daylight saving change within a year")


def test_the_zone_is_the_users_own_by_default_and_now_queues_at_once(marketer, line_draft):
    user_settings = settings_of(marketer)
    user_settings.time_zone = "Asia/Tokyo"
    user_settings.save()
    url = _confirm_url(marketer, line_draft)
    page = client_for(marketer).get(url).content.decode()
    assert '<option value="Asia/Tokyo" selected>' in page
    assert 'value="now"' in page and "checked" in page.split('value="now"', 1)[1].split(">", 1)[0]
    assert "No approval needed" in page
    response = client_for(marketer).post(url, {"when": "now", "time_zone": "Asia/Tokyo"}, follow=True)
    send = Send.objects.get()
    assert send.status == Send.Status.QUEUED and send.scheduled_at is None
    assert "Queued 3 deliveries." in response.content.decode()


def test_a_time_in_a_chosen_zone_is_that_wall_time_there(marketer, line_draft):
    day = timezone.localdate() + timedelta(days=3)
    response = client_for(marketer).post(_confirm_url(marketer, line_draft), _at(day, "09:15"), follow=True)
    send = Send.objects.get()
    expected = datetime.combine(day, time(9, 15), tzinfo=NEW_YORK)
    assert send.status == Send.Status.SCHEDULED and send.scheduled_at == expected
    assert send.schedule_time_zone == "America/New_York"
    abbreviation = expected.strftime("%Z")
    said = response.content.decode()
    assert f"Scheduled for {day.isoformat()} 09:15 {abbreviation}" in said and "in America/New York" in said
    # The send page: the start in the viewer's zone (UTC here) and in UTC.
    assert f'Starts <time datetime="{send.scheduled_at.isoformat()}"' in said
    assert expected.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") in said


def test_a_time_the_clocks_skip_is_refused_at_the_time_field(marketer, line_draft):
    spring = _next_change(NEW_YORK, forward=True)
    url = _confirm_url(marketer, line_draft)
    response = client_for(marketer).post(url, _at(spring, "02:30"))
    assert response.status_code == 400
    page = response.content.decode()
    error = page.split('id="id_time"', 1)[1].split("</div>", 1)[0]
    assert f"02:30 does not exist on {spring.isoformat()} in America/New York" in error
    assert "the clocks go forward 1 hour that night" in error and "such as 03:30" in error
    assert not Send.objects.exists() and RecipientList.objects.exists()  # nothing sent, the list kept


def test_a_time_that_happens_twice_is_the_first_and_the_page_says_which(marketer, line_draft):
    autumn = _next_change(NEW_YORK, forward=False)
    response = client_for(marketer).post(_confirm_url(marketer, line_draft), _at(autumn, "01:30"), follow=True)
    send = Send.objects.get()
    assert send.scheduled_at == datetime.combine(autumn, time(5, 30), tzinfo=UTC)  # 01:30 EDT, not EST
    said = response.content.decode()
    assert f"01:30 happens twice on {autumn.isoformat()} in America/New York" in said
    assert "the send starts at the first, 01:30 EDT (UTC-04:00)" in said


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"when": "at", "time": "10:00", "time_zone": "UTC"}, "id_date", "Give the date the send starts on."),
        ({"when": "at", "date": "2030-01-01", "time_zone": "UTC"}, "id_time", "Give the time the send starts at."),
        ({"when": "at", "date": "not a date", "time": "10:00", "time_zone": "UTC"}, "id_date", "valid date"),
        ({"when": "at", "date": "2027-01-01", "time": "10:00", "time_zone": "Mars/Olympus"}, "id_time_zone", "valid"),
        ({"when": "sometime"}, "when", "valid choice"),
    ],
)
def test_a_start_time_that_makes_no_sense_is_explained_at_its_field(marketer, line_draft, data, field, says):
    response = client_for(marketer).post(_confirm_url(marketer, line_draft), data)
    assert response.status_code == 400
    assert says in response.content.decode().split(field, 1)[1].split("</fieldset>", 1)[0]
    assert not Send.objects.exists()


@pytest.mark.parametrize(("ahead", "says"), [(timedelta(hours=-2), "in the past"), (timedelta(days=400), "a year")])
def test_a_start_time_the_service_refuses_is_shown_at_the_when_field(marketer, line_draft, ahead, says):
    moment = timezone.now().astimezone(NEW_YORK) + ahead
    response = client_for(marketer).post(_confirm_url(marketer, line_draft), _at(moment.date(), f"{moment:%H:%M}"))
    assert response.status_code == 400
    error = response.content.decode().split('data-testid="when-error">', 1)[1].split("</p>", 1)[0]
    assert says in error
    assert not Send.objects.exists()


def test_a_canary_is_offered_with_its_size_and_kept(marketer, line_draft):
    url = _confirm_url(marketer, line_draft, recipients=300)
    page = client_for(marketer).get(url).content.decode()
    assert "Send a canary first" in page and "The first 10 recipients" in page
    client_for(marketer).post(url, {"when": "now", "canary": "on"})
    assert Send.objects.get().canary == 10
    small = client_for(marketer).get(_confirm_url(marketer, line_draft, recipients=5)).content.decode()
    assert "Send a canary first" not in small and "No canary" in small


def test_the_page_says_the_send_will_wait_for_approval_and_who_can_give_it(marketer, approver, admin, line_draft):
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    url = _confirm_url(marketer, line_draft)
    page = client_for(marketer).get(url).content.decode()
    notice = page.split('data-testid="approval-notice">', 1)[1].split("</div>", 1)[0]
    assert "This send will wait for approval" in notice and "the sender Demo LINE requires approval" in notice
    assert approver.username in notice and admin.username in notice and marketer.username not in notice
    day = timezone.localdate() + timedelta(days=2)
    response = client_for(marketer).post(url, _at(day, "10:00"), follow=True)
    send = Send.objects.get()
    assert send.status == Send.Status.PENDING_APPROVAL
    said = response.content.decode()
    assert "Waiting for approval by an approver or an admin: nothing is sent until one approves it." in said
    assert f"Once approved, it starts at {day.isoformat()} 10:00" in said


def test_big_sends_need_approval_from_the_size_setting_on(settings, marketer, line_draft):
    settings.OTT_APPROVAL_MIN_RECIPIENTS = 3
    page = client_for(marketer).get(_confirm_url(marketer, line_draft, recipients=3)).content.decode()
    assert "it goes to 3 recipients, and every send of 3 or more needs approval" in page
    assert "Nobody but you can approve sends yet" in page  # no approver or admin exists


def test_a_big_send_says_it_is_prepared_in_the_background(settings, marketer, line_draft):
    settings.OTT_PREPARE_INLINE_MAX = 5
    response = client_for(marketer).post(_confirm_url(marketer, line_draft, recipients=30), {}, follow=True)
    said = response.content.decode()
    assert "Preparing 30 deliveries in the background" in said and "then it starts at once" in said
    assert "0 of 30 recipients prepared" in said and "<progress" in said
