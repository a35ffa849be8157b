"""The send plan (a dry run): what sending a draft to these recipients would do, worked out with the
same judgement preparation applies (`messages.row_check.RowJudge`) over every row, in batches, and
nothing written: no send, no delivery, no audience marked as used, nothing posted.

`plan(draft, source)` -> {total, duplicates, refused: [{line, reason}], refused_count, suppressed:
{reason: n}, capped, sendable, allowance_left, allowance_problem, send_limit, estimated_seconds,
quiet_hours_overlap, first_body, first_line}:

- `total`: the recipients (repeats collapsed); `duplicates`: the repeats collapsed before;
- `refused`: rows refused when read (given by the caller, [line, text, reason]) then rows whose filled
  message breaks a rule, the first REFUSED_LISTED of them; `refused_count` counts them all;
- `suppressed` by the suppression's reason (`opt_out`, ...), `capped` over the frequency cap;
- `sendable`: who would be messaged (at most `send_limit` when sending up to the allowance);
- `allowance_left`: what is left of the sender's smallest allowance after the send (null: none);
  `allowance_problem`: why the send would be refused for its allowance, with the numbers ("" if not);
- `estimated_seconds` at the sender's rate, `quiet_hours_overlap` from the start time (now by default);
- `first_body`: the exact request body for the first recipient who would be messaged (its
  messageKey a placeholder: each delivery gets its own), null when nobody would be; `first_line`: that
  recipient's line (null with it). The confirm page's phone preview is drawn from this same body.

A source is an Audience (read with `audience_rows`), or rows in order: `Row`s, or the recipient list
shape `[ott_id, user_reference]` / `[ott_id, user_reference, {column: value}]` (line = position from 1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.utils import timezone

from audiences.models import Audience
from audiences.services import audience_rows
from messages import planning
from messages.models import Draft
from messages.row_check import CAPPED, REFUSED, SEND, SUPPRESSED, Row, RowJudge, in_batches
from ott.payloads import message_template, send_body

BATCH = 5_000
REFUSED_LISTED = 1_000
SAMPLE_MESSAGE_KEY = "00000000-0000-4000-8000-000000000000"


def as_rows(recipients: Iterable) -> Iterator[Row]:
    """Rows from `Row`s or the recipient list shape (line = position from 1)."""
    for line, item in enumerate(recipients, start=1):
        if isinstance(item, Row):
            yield item
        else:
            ott_id, user_reference, *rest = item
            yield Row(line, ott_id, user_reference, rest[0] if rest else {})


def first_body(template: dict, ott_id: str, user_reference: str, message: dict | None) -> dict:
    """The request body one recipient gets (their filled `message`, or the template's)."""
    filled = template if message is None else {**template, "message": message}
    return send_body(filled, message_key=SAMPLE_MESSAGE_KEY, ott_id=ott_id, user_reference=user_reference)


def plan(
    draft: Draft,
    source: Audience | Iterable,
    *,
    duplicates: int = 0,
    refused: Iterable = (),
    refused_count: int | None = None,
    up_to_allowance: bool = False,
    start: datetime | None = None,
    now: datetime | None = None,
) -> dict:
    """What sending `draft` to `source` would do (see the module docstring); writes nothing.
    `refused`/`refused_count`: the rows refused when the recipients were read ([line, text, reason]);
    `start`: when the send would start (None: now)."""
    sender = draft.sender
    now = now or timezone.now()
    template = message_template(draft.to_message())
    judge = RowJudge(template=template, sender=sender, now=now)
    refused = list(refused)
    listed = [{"line": line, "reason": reason} for line, _, reason in refused[:REFUSED_LISTED]]
    refused_total = len(refused) if refused_count is None else refused_count
    suppressed: Counter[str] = Counter()
    total = capped = sendable = 0
    first = first_line = None
    rows = audience_rows(source) if isinstance(source, Audience) else as_rows(source)
    for batch in in_batches(rows, BATCH):
        total += len(batch)
        for outcome in judge.judge(batch):
            if outcome.status == SEND:
                sendable += 1
                if first is None:
                    first = first_body(template, outcome.ott_id, outcome.user_reference, outcome.message)
                    first_line = outcome.line
            elif outcome.status == SUPPRESSED:
                suppressed[outcome.reason] += 1
            elif outcome.status == CAPPED:
                capped += 1
            elif outcome.status == REFUSED:
                refused_total += 1
                if len(listed) < REFUSED_LISTED:
                    listed.append({"line": outcome.line, "reason": outcome.reason})
    left = planning.allowance_left(sender, now)
    problem = planning.allowance_problem(sender, total, now)
    send_limit = left if problem and up_to_allowance else None
    going = sendable if send_limit is None else min(sendable, send_limit)
    seconds = planning.estimated_seconds(sender, going)
    return {
        "total": total,
        "duplicates": duplicates,
        "refused": listed,
        "refused_count": refused_total,
        "suppressed": dict(suppressed),
        "capped": capped,
        "sendable": going,
        "allowance_left": None if left is None else max(0, left - going),
        "allowance_problem": problem,
        "send_limit": send_limit,
        "estimated_seconds": seconds,
        "quiet_hours_overlap": planning.quiet_hours_overlap(sender, start or now, seconds),
        "first_body": first,
        "first_line": first_line,
    }
