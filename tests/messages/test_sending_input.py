"""send_from_recipients: the API's recipient rows checked by the send page's rules, then one send."""

from __future__ import annotations

import pytest

from messages.models import Send
from messages.row_check import Row
from messages.sending_input import RecipientsInvalid, recipients_collect, send_from_recipients


def test_repeats_are_collapsed_and_counted_in_first_order():
    rows = [("U2", ""), ("U1", "r", {"name": "Aiko"}), ("U2", ""), ("U1", "r", {"name": "Ken"}), ("U1", "")]
    collected = recipients_collect(rows=rows, network="line")
    assert collected.rows == [Row(1, "U2", ""), Row(2, "U1", "r", {"name": "Aiko"}), Row(5, "U1", "")]
    assert (collected.duplicates, collected.problems) == (2, {})


def test_every_refused_row_is_named_by_its_index():
    rows = [("U1", ""), ("", "r"), ("U\x07", ""), ("", "")]
    collected = recipients_collect(rows=rows, network="line")
    assert sorted(collected.problems) == [1, 2, 3]
    assert collected.problems[1] == ["LINE needs an ottId (the LINE user id)."]
    assert collected.refused[0] == [2, "", "LINE needs an ottId (the LINE user id)."]
    assert recipients_collect(rows=[("", "r")], network="messenger").rows == [Row(1, "", "r")]


def test_a_send_records_its_collapsed_repeats(marketer, line_draft):
    send = send_from_recipients(draft=line_draft, rows=[("U1", ""), ("U1", ""), ("U2", "")], user=marketer)
    assert (send.total, send.duplicate_count, send.created_by) == (2, 1, marketer)


def test_nothing_is_queued_when_a_row_is_refused(marketer, line_draft):
    with pytest.raises(RecipientsInvalid):
        send_from_recipients(draft=line_draft, rows=[("U1", ""), ("", "")], user=marketer)
    assert not Send.objects.exists()
