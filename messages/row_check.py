"""What each recipient of a send gets: the one judgement that preparation (which writes it) and the
send plan (a dry run, which only counts it) share, so the plan says exactly what sending would do.

For a batch of rows `(line, ott_id, user_reference, vars)`, in order:
- a recipient on the suppression list (for this network, globally or for this sender, not expired)
  is `suppressed`, with the suppression's reason;
- a recipient over the sender's frequency cap is `capped`, with the numbers in words;
- with placeholders in the message, the recipient's own message is filled from `vars` and checked by
  `ott.rules` like any other body (limits counted after filling, in the network's unit); a filled
  message that breaks a rule is `refused` and left out, with the rule's words (which name the block);
- everyone else is sent, with their filled `message` (None: the send's template as it is).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import NamedTuple

from django.utils import timezone

from audiences.suppressions import suppressed
from messages import personalize
from messages.models import Delivery
from messages.planning import capped, recipient_key
from ott import rules
from ott.payloads import send_body
from senders.models import Sender

SEND = ""
REFUSED = "refused"
SUPPRESSED = Delivery.Status.SUPPRESSED.value
CAPPED = Delivery.Status.CAPPED.value
_KEY = "00000000-0000-4000-8000-000000000000"  # stands in for each row's own messageKey when judging


class Row(NamedTuple):
    line: int
    ott_id: str
    user_reference: str
    vars: dict[str, str] = {}


def in_batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """`rows` in lists of `size` (the last one shorter), read as they come: a million are never all in
    memory at once."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


class Outcome(NamedTuple):
    line: int
    ott_id: str
    user_reference: str
    status: str  # SEND, REFUSED, SUPPRESSED or CAPPED
    reason: str  # why it is not sent, in words ("" when it is)
    message: dict | str | None  # the filled `message` of the body (JSON text when kept from an earlier
    # delivery, for a retry); None: the template's message as it is


class RowJudge:
    """Judges rows for one send: its network, sender and frozen `template` (the body without
    messageKey and to). Suppressions and caps are looked up once per batch. `fill=False`: no
    placeholder is filled (the rows' messages were filled before: a retry)."""

    def __init__(self, *, template: dict, sender: Sender, now: datetime | None = None, fill: bool = True):
        self.template = template
        self.sender = sender
        self.network = sender.network
        self.now = now or timezone.now()
        self.personal = fill and personalize.has_placeholders(template)

    def filled(self, values: dict[str, str]) -> dict:
        """The template's body filled for one recipient's values (keyed by column name, any case)."""
        return personalize.fill(self.template, personalize.keyed(values))

    def judge(self, rows: Iterable[Row | tuple]) -> list[Outcome]:
        rows = [row if isinstance(row, Row) else Row(*row) for row in rows]
        pairs = [(row.ott_id, row.user_reference) for row in rows]
        off_list = suppressed(self.network, self.sender, pairs, now=self.now)
        over_cap = capped(self.sender, pairs, now=self.now)
        out = []
        for row in rows:
            pair = (row.ott_id, row.user_reference)
            if reason := off_list.get(pair):
                out.append(Outcome(*pair_of(row), SUPPRESSED, reason, None))
            elif reason := over_cap.get(recipient_key(*pair)):
                out.append(Outcome(*pair_of(row), CAPPED, reason, None))
            elif self.personal:
                out.append(self._personal(row))
            else:
                out.append(Outcome(*pair_of(row), SEND, "", None))
        return out

    def _personal(self, row: Row) -> Outcome:
        filled = self.filled(row.vars or {})
        body = send_body(filled, message_key=_KEY, ott_id=row.ott_id, user_reference=row.user_reference)
        if problems := rules.check(body):
            return Outcome(*pair_of(row), REFUSED, problems[0].message, None)
        return Outcome(*pair_of(row), SEND, "", filled["message"])


def pair_of(row: Row) -> tuple[int, str, str]:
    return row.line, row.ott_id, row.user_reference
