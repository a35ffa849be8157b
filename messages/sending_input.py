"""A send from a list of recipients given as values (the API's `recipients`, each with optional
`vars` for the message's placeholders): each row checked once, by the same rules as the send page's
lists, repeats collapsed and counted, then `send_create` (which does not check them again) or, for a
dry run, the send plan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from messages import send_plan
from messages.models import Draft, Send
from messages.recipients import row_problems
from messages.row_check import Row
from messages.services import send_check, send_create


class RecipientsInvalid(Exception):
    """Rows that break a rule: {row index from 0: [problem, ...]}; nothing was queued."""

    def __init__(self, problems: dict[int, list[str]]):
        super().__init__(f"{len(problems)} recipient(s) refused")
        self.problems = problems


@dataclass
class Collected:
    recipients: list[list] = field(default_factory=list)  # [ott_id, user_reference(, vars)], first of repeats
    lines: list[int] = field(default_factory=list)  # each one's position in the rows given, from 1
    duplicates: int = 0
    problems: dict[int, list[str]] = field(default_factory=dict)  # row index from 0: why it is refused

    @property
    def rows(self) -> list[Row]:
        """The recipients as the send plan judges them."""
        return [
            Row(line, recipient[0], recipient[1], recipient[2] if len(recipient) > 2 else {})
            for line, recipient in zip(self.lines, self.recipients, strict=True)
        ]

    @property
    def refused(self) -> list[list]:
        """[line, text, reason] of each refused row, as the send plan lists them."""
        return [[index + 1, "", " ".join(found)] for index, found in self.problems.items()]


def recipients_collect(*, rows: Iterable[Sequence], network: str) -> Collected:
    """rows: `[ott_id, user_reference]` or `[ott_id, user_reference, vars]`. The distinct recipients
    (the first of repeats kept, with its vars; empty vars dropped), the repeats collapsed, and every
    row that breaks a rule."""
    out = Collected()
    seen: set[tuple[str, str]] = set()
    keep, number = out.recipients.append, out.lines.append
    for index, row in enumerate(rows):
        key = (row[0], row[1])
        if found := row_problems(row[0], row[1], network):
            out.problems[index] = found
        elif key in seen:
            out.duplicates += 1
        else:
            seen.add(key)
            keep(row if len(row) < 3 or row[2] else row[:2])
            number(index + 1)
    return out


def send_from_recipients(*, draft: Draft, rows: Iterable[tuple], user, **options) -> Send:
    """Queue a send of the draft to these rows (`options`: send_create's `scheduled_at`, `time_zone`,
    `canary`, `up_to_allowance`). Raises RecipientsInvalid, or SendRefused (from send_create) when the
    draft or its sender cannot send, a placeholder's column is missing, the allowance is passed, or
    the start time is refused."""
    collected = recipients_collect(rows=rows, network=draft.sender.network)
    if collected.problems:
        raise RecipientsInvalid(collected.problems)
    return send_create(
        draft=draft, recipients=collected.recipients, user=user, duplicate_count=collected.duplicates, **options
    )


def plan_for_recipients(*, draft: Draft, rows: Iterable[tuple], **options) -> dict:
    """The send plan for these rows: refused rows are listed in it (`line`: the row's index + 1)
    instead of refusing the request; SendRefused as `send_check` says. `options`: send_plan.plan's
    `up_to_allowance`, `start`."""
    collected = recipients_collect(rows=rows, network=draft.sender.network)
    send_check(draft=draft, recipients=collected.recipients, empty_ok=True)
    return send_plan.plan(draft, collected.rows, duplicates=collected.duplicates, refused=collected.refused, **options)
