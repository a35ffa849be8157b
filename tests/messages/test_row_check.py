"""The judgement preparation and the send plan share: suppressed, capped, refused after filling, sent."""

import pytest

from audiences.models import Suppression
from messages.row_check import CAPPED, REFUSED, SEND, SUPPRESSED, Row, RowJudge
from messages.services import send_create
from ott.payloads import Block, Message, message_template

pytestmark = pytest.mark.django_db


def template(sender, text):
    message = Message(network=sender.network, sender_id=sender.sender_id, blocks=[Block(type="text", text=text)])
    return message_template(message)


def test_a_row_is_sent_with_its_filled_message_counted_after_filling(line_sender):
    text = 'こんにちは {{ name | default: "友だち" }} 🎉'
    judge = RowJudge(template=template(line_sender, text), sender=line_sender)
    sent, fallback = judge.judge([Row(1, "U1", "", {"Name": "花子"}), Row(2, "U2", "", {"name": ""})])
    assert sent.status == SEND and sent.message["contents"][0]["text"] == "こんにちは 花子 🎉"
    assert fallback.message["contents"][0]["text"] == "こんにちは 友だち 🎉"


def test_a_filled_message_over_the_limit_is_refused_with_the_rule(line_sender):
    judge = RowJudge(template=template(line_sender, "{{ bio }}"), sender=line_sender)
    # 2,500 emoji are 5,000 UTF-16 units: the limit; one more is past it.
    at_limit, past = judge.judge([Row(1, "U1", "", {"bio": "😀" * 2500}), Row(2, "U2", "", {"bio": "😀" * 2501})])
    assert at_limit.status == SEND
    assert past.status == REFUSED and "5,002 UTF-16 code units" in past.reason


def test_without_placeholders_the_template_is_used_as_it_is(line_sender):
    (outcome,) = RowJudge(template=template(line_sender, "Hello"), sender=line_sender).judge([Row(1, "U1", "")])
    assert outcome.status == SEND and outcome.message is None


def test_suppressed_before_capped_and_both_named(line_draft, marketer):
    line_sender = line_draft.sender
    Suppression.objects.create(network=line_sender.network, ott_id="U1", reason="opt_out", created_by=marketer)
    line_sender.frequency_cap_24h = 1
    line_sender.save()
    send_create(draft=line_draft, recipients=[("U2", "")], user=marketer)
    judge = RowJudge(template=template(line_sender, "Hi"), sender=line_sender)
    off, over, fine = judge.judge([Row(1, "U1", ""), Row(2, "U2", ""), Row(3, "U3", "")])
    assert (off.status, off.reason) == (SUPPRESSED, "opt_out")
    assert over.status == CAPPED and "the cap is 1" in over.reason
    assert fine.status == SEND
