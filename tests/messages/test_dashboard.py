"""The home page's figures and chart, and the senders list's delivery counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messages.models import Delivery
from messages.selectors import dashboard
from messages.services import send_create
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_figures_by_window_network_and_status(marketer, line_draft, messenger_draft):
    old = send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "")], user=marketer)
    Delivery.objects.filter(send=old).update(created_at=timezone.now() - timedelta(days=3), status="sent")
    now = send_create(draft=messenger_draft, recipients=[("P1", ""), ("P2", ""), ("P3", "")], user=marketer)
    Delivery.objects.filter(send=now, ott_id="P1").update(status="failed")
    board = dashboard()
    assert board.today["deliveries"] == 3 and board.today["by"] == {
        ("messenger", "queued"): 2,
        ("messenger", "failed"): 1,
    }
    assert board.week["deliveries"] == 5 and board.week["by"][("line", "sent")] == 2
    assert board.success_rate == pytest.approx(100 * 2 / 3)
    assert len(board.days) == 14 and sum(sum(c.values()) for _, c in board.days) == 5
    assert board.days[-1][1] == {"queued": 2, "failed": 1}


def test_home_page_draws_the_chart_and_escapes_names(auditor, marketer, line_draft):
    line_draft.name = "<script>x</script>"
    line_draft.save()
    send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    page = client_for(auditor).get(reverse("home")).content.decode()
    assert '<svg class="chart"' in page and 'role="img"' in page and "<rect" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page


def test_sender_list_counts_deliveries(auditor, marketer, line_draft):
    send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "")], user=marketer)
    page = client_for(auditor).get(reverse("senders:list")).content.decode()
    assert 'data-testid="deliveries-2000000001">2<' in page


def test_success_rate_leaves_out_what_the_network_refused_after_acceptance(marketer, auditor, line_draft):
    send = send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "")], user=marketer)
    Delivery.objects.filter(send=send).update(status="sent")
    Delivery.objects.filter(send=send, ott_id="U2").update(network_error=True)
    board = dashboard()
    assert board.success_rate == pytest.approx(50) and board.refused_by_network == 1
    assert "1 sent, then refused by the network" in client_for(auditor).get("/").content.decode()
