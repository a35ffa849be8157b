"""Quiet hours: the window in the sender's own zone (crossing midnight or not), and a worker that
posts nothing inside it and takes the send up again when it ends."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from messages.models import Delivery, SenderHold
from messages.services import send_create
from sandbox.models import SandboxAttempt
from senders.models import Sender

TOKYO = ZoneInfo("Asia/Tokyo")


def _sender(start: time, end: time, zone: str = "Asia/Tokyo") -> Sender:
    return Sender(network="line", sender_id="1", name="x", quiet_hours_start=start, quiet_hours_end=end, time_zone=zone)


@pytest.mark.parametrize(
    ("local", "until"),
    [
        (datetime(2026, 12, 1, 22, 0, tzinfo=TOKYO), datetime(2026, 12, 2, 8, 0, tzinfo=TOKYO)),
        (datetime(2026, 12, 1, 21, 0, tzinfo=TOKYO), datetime(2026, 12, 2, 8, 0, tzinfo=TOKYO)),
        (datetime(2026, 12, 2, 7, 59, tzinfo=TOKYO), datetime(2026, 12, 2, 8, 0, tzinfo=TOKYO)),
        (datetime(2026, 12, 2, 8, 0, tzinfo=TOKYO), None),
        (datetime(2026, 12, 2, 12, 0, tzinfo=TOKYO), None),
    ],
)
def test_a_window_across_midnight_in_tokyo(local, until):
    sender = _sender(time(21), time(8))
    now = local.astimezone(ZoneInfo("UTC"))  # the worker's clock is UTC; the window is Tokyo's
    assert sender.quiet_until(now) == until


def test_a_window_within_a_day_and_no_window():
    sender = _sender(time(12), time(13), "America/New_York")
    noon = datetime(2027, 3, 14, 12, 30, tzinfo=ZoneInfo("America/New_York"))  # the day clocks spring forward
    assert sender.quiet_until(noon) == datetime(2027, 3, 14, 13, 0, tzinfo=ZoneInfo("America/New_York"))
    assert _sender(None, None).quiet_until(noon) is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_posts_nothing_in_quiet_hours_and_says_until_when(live_sandbox, marketer, line_draft):
    local = timezone.now().astimezone(TOKYO)
    sender = line_draft.sender
    sender.quiet_hours_start = (local - timedelta(hours=1)).time()
    sender.quiet_hours_end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    sender.time_zone = "Asia/Tokyo"
    sender.save()
    send = send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(20)], user=marketer)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert SandboxAttempt.objects.count() == 0
    assert send.deliveries.filter(status=Delivery.Status.QUEUED).count() == 20
    hold = SenderHold.objects.get(sender=sender)
    assert hold.kind == SenderHold.Kind.QUIET_HOURS
    assert hold.reason == f"quiet hours until {sender.quiet_hours_end:%H:%M} Asia/Tokyo"
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path__endswith="deliver").get()
    assert waiting.run_after == hold.until  # the send takes itself up again when the window ends
    # The window is over (an admin removed it): the send goes on by itself.
    sender.quiet_hours_start = sender.quiet_hours_end = None
    sender.save()
    DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert send.deliveries.filter(status=Delivery.Status.SENT).count() == 20
    assert not SenderHold.objects.filter(sender=sender).exists()
