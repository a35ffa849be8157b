"""Someone who opts out while a send runs is not messaged: the worker asks the suppression list just
before each post. The sandbox's own store is the witness of what was posted."""

from __future__ import annotations

import pytest

from audiences.models import Suppression
from messages.models import Delivery, Send
from messages.services import send_create
from sandbox.models import SandboxMessage
from tests.conftest import start_worker, stop_worker
from tests.messages.test_workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TOTAL = 60


def test_a_recipient_suppressed_during_a_running_send_is_not_posted(live_sandbox, marketer, line_draft):
    send = send_create(
        draft=line_draft, recipients=[("sandbox-slow-200", f"r-{n}") for n in range(TOTAL)], user=marketer
    )
    worker = start_worker(live_sandbox, OTT_SEND_CONCURRENCY="2")
    try:
        wait_for(lambda: SandboxMessage.objects.count() >= 4, 60, "the worker to be sending")
        Suppression.objects.create(network="line", user_reference=f"r-{TOTAL - 1}", reason="opt_out")
        Suppression.objects.create(
            network="line", sender=line_draft.sender, user_reference=f"r-{TOTAL - 2}", reason="complaint"
        )
        wait_for(lambda: Send.objects.get(pk=send.pk).is_finished, 120, "the send to finish")
    finally:
        stop_worker(worker)
    posted = {m.request_body["to"].get("userReference") for m in SandboxMessage.objects.all()}
    assert f"r-{TOTAL - 1}" not in posted and f"r-{TOTAL - 2}" not in posted
    assert len(posted) == TOTAL - 2
    skipped = send.deliveries.filter(status=Delivery.Status.SUPPRESSED).order_by("user_reference")
    assert [(d.user_reference, d.attempts) for d in skipped] == [(f"r-{TOTAL - 2}", 0), (f"r-{TOTAL - 1}", 0)]
    assert "opt_out" in skipped.last().error_message or "opt" in skipped.last().error_message.lower()
    send.refresh_from_db()
    assert send.status == Send.Status.DONE  # skipped is not an error
