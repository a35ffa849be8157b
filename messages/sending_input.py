"""A send from a list of recipients given as values (the API's `recipients`): each row checked by the
same rules as the send page's lists, repeats collapsed and counted, then `send_create`."""

from __future__ import annotations

from collections.abc import Iterable

from messages.models import Draft, Send
from messages.recipients import row_problems
from messages.services import send_create


class RecipientsInvalid(Exception):
    """Rows that break a rule: {row index from 0: [problem, ...]}; nothing was queued."""

    def __init__(self, problems: dict[int, list[str]]):
        super().__init__(f"{len(problems)} recipient(s) refused")
        self.problems = problems


def recipients_collect(*, rows: Iterable[tuple[str, str]], network: str) -> tuple[list[tuple[str, str]], int]:
    """The distinct (ott_id, user_reference) pairs in their first order and how many repeats were
    collapsed. Raises RecipientsInvalid naming every row that breaks a rule."""
    recipients: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    problems: dict[int, list[str]] = {}
    count = 0
    for index, (ott_id, user_reference) in enumerate(rows):
        count += 1
        if found := row_problems(ott_id, user_reference, network):
            problems[index] = found
        elif (ott_id, user_reference) not in seen:
            seen.add((ott_id, user_reference))
            recipients.append((ott_id, user_reference))
    if problems:
        raise RecipientsInvalid(problems)
    return recipients, count - len(recipients)


def send_from_recipients(*, draft: Draft, rows: Iterable[tuple[str, str]], user, **options) -> Send:
    """Queue a send of the draft to these rows (`options`: send_create's `scheduled_at`, `time_zone`,
    `canary`). Raises RecipientsInvalid, or SendRefused (from send_create) when the draft or its
    sender cannot send, or the start time is refused."""
    recipients, duplicates = recipients_collect(rows=rows, network=draft.sender.network)
    return send_create(draft=draft, recipients=recipients, user=user, duplicate_count=duplicates, **options)
