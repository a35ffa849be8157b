"""send_from_recipients: the API's recipient rows checked by the send page's rules, then one send."""

from __future__ import annotations

import pytest

from messages.models import Send
from messages.sending_input import RecipientsInvalid, recipients_collect, send_from_recipients


def test_repeats_are_collapsed_and_counted_in_first_order():
    rows = [("U2", ""), ("U1", "r"), ("U2", ""), ("U1", "r"), ("U1", "")]
    assert recipients_collect(rows=rows, network="line") == ([("U2", ""), ("U1", "r"), ("U1", "")], 2)


def test_every_refused_row_is_named_by_its_index():
    rows = [("U1", ""), ("", "r"), ("U\x07", ""), ("", "")]
    with pytest.raises(RecipientsInvalid) as refused:
        recipients_collect(rows=rows, network="line")
    assert sorted(refused.value.problems) == [1, 2, 3]
    assert refused.value.problems[1] == ["LINE needs an ottId (the LINE user id)."]
    assert recipients_collect(rows=[("", "r")], network="messenger") == ([("", "r")], 0)


def test_a_send_records_its_collapsed_repeats(marketer, line_draft):
    send = send_from_recipients(draft=line_draft, rows=[("U1", ""), ("U1", ""), ("U2", "")], user=marketer)
    assert (send.total, send.duplicate_count, send.created_by) == (2, 1, marketer)


def test_nothing_is_queued_when_a_row_is_refused(marketer, line_draft):
    with pytest.raises(RecipientsInvalid):
        send_from_recipients(draft=line_draft, rows=[("U1", ""), ("", "")], user=marketer)
    assert not Send.objects.exists()
