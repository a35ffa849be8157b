"""Words the portal stores and shows later (a send's timeline details, its pause reason), kept
language-neutral: the row holds the English msgid, marked with gettext_noop and using named
placeholders (`"%(count)s recipients"`), and the values apart (`{"count": 1200}`). They are put
together only where they are shown, in the reader's language: numbers grouped as the language
groups them, times (keys `at` or ending in `_at`, stored as ISO text) in the reader's zone. A number
that is a name rather than an amount (a send's id: "send #1234") is stored as text.

A detail made of several clauses stores their msgids joined by "; " and one dict of values; each
clause is translated on its own. Older rows hold finished English text and no values: they are
shown as they were (translated when the whole text is a msgid). Nothing here ever raises on an odd
row: the text is shown as it was stored instead.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

from ottportal.templatetags.portal import local_text

CLAUSES = "; "  # between the clauses of a stored detail, in English
_JOIN = gettext_noop("; ")  # between the clauses, in the reader's language
_PLACEHOLDERS = re.compile(r"%\(\w+\)s|%%")


def _fillable(text: str) -> bool:
    """Whether every % of `text` is a named placeholder or %% (finished text such as "100% sure" is not)."""
    return "%" not in _PLACEHOLDERS.sub("", text)


def words(*clauses: str) -> str:
    """The stored text of a detail made of several clauses (each a msgid)."""
    return CLAUSES.join(clauses)


def _time(value: str) -> str:
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # looks like a time, but is not one
        moment = None
    if moment is None:
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return local_text(moment, seconds=False)


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    if key == "at" or key.endswith("_at"):
        return _time(value)
    return str(value)


def shown(text: str, args: dict | None = None) -> str:
    """`text` in the active language, its placeholders filled with `args`; the text as stored when
    that cannot be done (old rows, a msgid changed since, values missing)."""
    if not text:
        return ""
    translated = gettext(text)
    if not args:
        return translated
    if not isinstance(args, dict) or not _fillable(text):
        return text
    values = {key: _value(key, value) for key, value in args.items()}
    if translated == text and CLAUSES in text:
        translated = gettext(_JOIN).join(gettext(clause) for clause in text.split(CLAUSES))
    for candidate in (translated, text):  # the English when the translation does not fit the values
        if _fillable(candidate):
            try:
                return candidate % values
            except (KeyError, ValueError, TypeError):
                continue
    return text


def english(text: str, args: dict | None = None) -> str:
    """The same words in English with times in UTC, whoever's request wrote them: for the audit
    trail, which keeps finished text (its entries are chained by their hash)."""
    with translation.override("en"), timezone.override(UTC):
        return shown(text, args)


def iso(moment: datetime | None) -> str:
    """A time as stored among the values: ISO 8601, in UTC."""
    return moment.astimezone(UTC).isoformat() if moment else ""


# --- Timeline lines of several clauses ------------------------------------------------------------


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


_LEFT_OUT = {  # (one recipient left out, limited to one message)
    (True, True): gettext_noop(
        "%(left_out)s recipient left out because of the allowance: the send was limited to %(limit)s message"
    ),
    (True, False): gettext_noop(
        "%(left_out)s recipient left out because of the allowance: the send was limited to %(limit)s messages"
    ),
    (False, True): gettext_noop(
        "%(left_out)s recipients left out because of the allowance: the send was limited to %(limit)s message"
    ),
    (False, False): gettext_noop(
        "%(left_out)s recipients left out because of the allowance: the send was limited to %(limit)s messages"
    ),
}


def prepared_words(*, total: int, suppressed: int, capped: int, refused: int, left_out: int, limit: int | None):
    """A preparation's timeline line: (stored text, values)."""
    clauses = [_plural(total, gettext_noop("%(total)s delivery"), gettext_noop("%(total)s deliveries"))]
    if suppressed:
        clauses.append(gettext_noop("%(suppressed)s of them suppressed"))
    if capped:
        clauses.append(gettext_noop("%(capped)s over the frequency cap"))
    if refused:
        one = gettext_noop("%(refused)s recipient refused after filling in the placeholders (see the refused lines)")
        many = gettext_noop("%(refused)s recipients refused after filling in the placeholders (see the refused lines)")
        clauses.append(_plural(refused, one, many))
    if left_out:
        clauses.append(_LEFT_OUT[left_out == 1, limit == 1])
    values = {"suppressed": suppressed, "capped": capped, "refused": refused, "left_out": left_out, "limit": limit}
    return words(*clauses), {"total": total} | {key: value for key, value in values.items() if value}


def retried_words(*, again: int, had: int, unknown: int, as_send: int | None = None) -> tuple[str, dict]:
    """A retry's timeline line, on the retry (`as_send` None) or on the send retried: (stored text, values)."""
    if as_send is None:
        clauses = [gettext_noop("%(again)s never reached Marketing Cloud and are sent again")]
    else:
        clauses = [gettext_noop("As send #%(send)s: %(again)s never reached Marketing Cloud and are sent again")]
    if had:
        clauses.append(gettext_noop("%(had)s had reached it after all (now marked sent)"))
    if unknown:
        clauses.append(gettext_noop("%(unknown)s could not be checked and are not sent again"))
    values = {"again": again, "had": had, "unknown": unknown} | ({"send": str(as_send)} if as_send is not None else {})
    return words(*clauses), values
