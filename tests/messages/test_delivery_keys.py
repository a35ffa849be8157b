"""A delivery's sender and author are copies of its send's and have no constraint in the database
(migration 0018): Django's on_delete still holds for them, and the lease index serves `recover`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.utils import timezone

from messages import lifecycle
from messages.models import Delivery, Send
from messages.services import send_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(line_draft, marketer):
    return send_create(draft=line_draft, recipients=[(f"U-{n}", "") for n in range(3)], user=marketer)


def test_deleting_the_author_leaves_the_deliveries_without_one(send, marketer):
    assert set(send.deliveries.values_list("created_by", flat=True)) == {marketer.pk}
    marketer.delete()
    assert set(Delivery.objects.filter(send=send).values_list("created_by", flat=True)) == {None}
    assert Send.objects.get(pk=send.pk).created_by is None


def test_a_sender_with_deliveries_cannot_be_deleted(send, line_sender):
    with pytest.raises(ProtectedError):
        line_sender.delete()
    assert Delivery.objects.filter(send=send, sender=line_sender).count() == 3


def test_recover_finds_expired_leases_through_the_lease_index(send):
    ids = list(send.deliveries.order_by("id").values_list("id", flat=True))
    Delivery.objects.filter(pk=ids[0]).update(status=Delivery.Status.SENDING, lease_until=timezone.now())
    query = lifecycle.expired_leases(timezone.now() + timedelta(seconds=1), 10_000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # what the planner does on a big table
        plan = query.explain()
        assert "delivery_lease" in plan, plan
    else:
        plan = query.explain()
        assert "USING INDEX delivery_lease" in plan, plan
    assert [row[1] for row in query] == [ids[0]]
