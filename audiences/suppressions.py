"""The suppression list: recipients who must not be messaged, on a network by every sender or by one.

What a send calls:

- `suppressed(network, sender, pairs)` -> `{(ott_id, user_reference): reason}` for the pairs that
  are suppressed (the others are left out). Call it once per batch of recipients when a send is
  prepared; it answers a batch of thousands in two indexed queries.
- `suppression_reason(network, sender, ott_id, user_reference)` -> reason or None: the same for one
  recipient, just before its post (someone who opted out after the send was prepared is skipped).
- `active_suppressions()`: the entries in force now (a queryset).

Who matches: an entry in force (no expiry, or an expiry still ahead) of the same network, for every
sender (`sender` empty) or for the send's sender, whose ott_id equals the recipient's ott_id, OR whose
user_reference equals the recipient's user_reference. Empty values never match. So an entry holding
only a userReference suppresses that customer whatever ottId a send gives them, and an entry holding
both suppresses a recipient who has either: when in doubt, nobody who opted out is messaged.
When several entries match, the reason reported is the strongest: opt_out, complaint, blocked, manual.
`sender=None` matches entries for every sender only.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import BinaryIO

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from audiences.csvfile import Echo, Unreadable, as_given, from_spreadsheet_cell, header_names, records, spreadsheet_cell
from audiences.models import Suppression, SuppressionChange
from messages.personalize import column_key
from messages.recipients import MAX_REFUSED_KEPT
from ott.networks import NETWORKS
from ott.rules import recipient_problems
from ottportal import audit
from senders.models import Sender

REASON_ORDER = tuple(Suppression.Reason.values)  # strongest first
MAX_IMPORT_ROWS = 200_000
IMPORT_BATCH = 1_000
IMPORT_COLUMNS = ("ott_id", "user_reference", "reason", "expires_at", "sender_id", "network")
EXPORT_COLUMNS = [
    ("network", "network"),
    ("sender_id", "sender__sender_id"),
    ("ott_id", "ott_id"),
    ("user_reference", "user_reference"),
    ("reason", "reason"),
    ("expires_at", "expires_at"),
    ("created_by", "created_by__username"),
    ("created_at", "created_at"),
]


class SuppressionInvalid(Exception):
    """Nothing was changed. `errors`: {field: [message, ...]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = errors


# --- The lookups a send makes -----------------------------------------------------------------------


def active_suppressions(*, now: datetime | None = None) -> QuerySet:
    return Suppression.objects.active(now)


def _strongest(reasons: Iterable[str | None]) -> str | None:
    found = [reason for reason in reasons if reason]
    return min(found, key=REASON_ORDER.index) if found else None


def _sender_pk(sender: Sender | int | None) -> int | None:
    return sender.pk if isinstance(sender, Sender) else sender


LOOKUP_CHUNK = 20_000  # ids per lookup query, given as one parameter


def _one_parameter(values: list[str]) -> RawSQL:
    """A list of ids as a subquery with one parameter (a JSON array on SQLite, an array on PostgreSQL):
    the database still looks each up on the column's index, and Django does not prepare thousands of
    parameters one by one (most of the lookup's CPU when they are given to `__in`)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::varchar[])", [values])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])


def suppressed(
    network: str, sender: Sender | int | None, pairs: Iterable[tuple[str, str]], *, now: datetime | None = None
) -> dict[tuple[str, str], str]:
    """{(ott_id, user_reference): reason} for each of `pairs` that is suppressed (see the module's
    docstring for who matches). Two queries per LOOKUP_CHUNK distinct ids, one per column, each
    driven by that column's index alone: the network, sender and expiry are checked here on the few
    rows found (a condition on them in the query can lead SQLite to scan the sender's entries)."""
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return {}
    now = now or timezone.now()
    sender_pk = _sender_pk(sender)
    found: dict[str, dict[str, str]] = {"ott_id": {}, "user_reference": {}}
    for column in found:
        values = sorted({pair[column == "user_reference"] for pair in pairs} - {""})
        for start in range(0, len(values), LOOKUP_CHUNK):
            entries = Suppression.objects.filter(
                **{f"{column}__in": _one_parameter(values[start : start + LOOKUP_CHUNK])}
            )
            rows = entries.order_by().values_list(column, "network", "sender_id", "expires_at", "reason")
            for value, entry_network, entry_sender, expires_at, reason in rows:
                if (
                    entry_network == network
                    and (entry_sender is None or entry_sender == sender_pk)
                    and (expires_at is None or expires_at > now)
                ):
                    found[column][value] = _strongest((found[column].get(value), reason))
    result = {}
    for ott_id, user_reference in pairs:
        # "" is never a key: an empty value matches nothing.
        reason = _strongest((found["ott_id"].get(ott_id), found["user_reference"].get(user_reference)))
        if reason:
            result[(ott_id, user_reference)] = reason
    return result


def suppression_reason(
    network: str, sender: Sender | int | None, ott_id: str, user_reference: str, *, now: datetime | None = None
) -> str | None:
    """Why this one recipient must not be messaged now, or None (the check just before a post)."""
    return suppressed(network, sender, [(ott_id, user_reference)], now=now).get((ott_id, user_reference))


# --- Changes to the list ----------------------------------------------------------------------------


def _when(value: datetime | None) -> str:
    return format_date(timezone.localtime(value), "Y-m-d H:i T") if value else "never"


def _reason_label(reason: str) -> str:
    return Suppression.Reason(reason).label if reason in Suppression.Reason.values else reason


def _log(action: str, entry: Suppression, user, detail: str = "", *, keep_link: bool = True) -> SuppressionChange:
    audit.record(audit.action_of("suppression", action), user=user, obj=entry, detail=detail, **_audited(entry, action))
    return SuppressionChange.objects.create(
        suppression=entry if keep_link else None,
        action=action,
        network=entry.network,
        sender_label=str(entry.sender) if entry.sender_id else "",
        ott_id=entry.ott_id,
        user_reference=entry.user_reference,
        reason=entry.reason,
        expires_at=entry.expires_at,
        detail=detail,
        user=user,
    )


def _audited(entry: Suppression, action: str) -> dict:
    """The entry's values: after an addition or a change, before a removal."""
    values = {"network": entry.network, "sender": str(entry.sender) if entry.sender_id else "every sender"}
    values |= {"ott_id": entry.ott_id, "user_reference": entry.user_reference, "reason": entry.reason}
    values["expires_at"] = entry.expires_at
    return {"before": values} if action == SuppressionChange.Action.REMOVED else {"after": values}


def suppression_problems(
    *, network: str, sender: Sender | None, ott_id: str, user_reference: str, reason: str, expires_at, now=None
) -> dict[str, list[str]]:
    """Why an entry cannot be added, by field ({} when it can)."""
    errors: dict[str, list[str]] = {}
    if network not in NETWORKS:
        errors["network"] = [_choose_network()]
    elif sender is not None and sender.network != network:
        errors["sender"] = [
            gettext("%(sender)s is not a %(network)s sender; choose one of that network or none.")
            % {"sender": sender, "network": NETWORKS[network].label}
        ]
    for name, value, label in (("ott_id", ott_id, "ottId"), ("user_reference", user_reference, "userReference")):
        if problems := recipient_problems(value, label):
            errors[name] = problems
    if not ott_id and not user_reference and "ott_id" not in errors:
        errors["ott_id"] = [gettext("Give an ottId or a userReference (or both).")]
    if reason not in Suppression.Reason.values:
        errors["reason"] = [_choose_reason()]
    if expires_at is not None and expires_at <= (now or timezone.now()):
        errors["expires_at"] = [gettext("The expiry is in the past; leave it empty for an entry that never expires.")]
    return errors


def _choose_network() -> str:
    return gettext("Choose a network: %(networks)s.") % {"networks": " or ".join(NETWORKS)}


def _choose_reason() -> str:
    return gettext("Choose a reason: %(reasons)s.") % {"reasons": ", ".join(Suppression.Reason.values)}


def suppression_add(
    *,
    network: str,
    sender: Sender | None,
    ott_id: str,
    user_reference: str,
    reason: str,
    expires_at: datetime | None = None,
    user,
) -> tuple[Suppression, str]:
    """Add a recipient to the list, or change the reason and expiry of the same entry (same network,
    sender, ott_id and user_reference) already there. Returns (entry, "added" | "updated" |
    "unchanged"). Raises SuppressionInvalid by field."""
    ott_id, user_reference = ott_id.strip(), user_reference.strip()
    fields = {"network": network, "sender": sender, "ott_id": ott_id, "user_reference": user_reference}
    if errors := suppression_problems(**fields, reason=reason, expires_at=expires_at):
        raise SuppressionInvalid(errors)
    with transaction.atomic():
        entry = Suppression.objects.select_for_update().filter(**fields).first()
        if entry is None:
            entry = Suppression.objects.create(**fields, reason=reason, expires_at=expires_at, created_by=user)
            _log(SuppressionChange.Action.ADDED, entry, user)
            return entry, "added"
        changes = []
        if entry.reason != reason:
            changes.append(f"Reason: {_reason_label(entry.reason)} → {_reason_label(reason)}")
        if entry.expires_at != expires_at:
            changes.append(f"Expires: {_when(entry.expires_at)} → {_when(expires_at)}")
        if not changes:
            return entry, "unchanged"
        entry.reason, entry.expires_at = reason, expires_at
        entry.save(update_fields=["reason", "expires_at", "updated_at"])
        _log(SuppressionChange.Action.UPDATED, entry, user, "; ".join(changes))
        return entry, "updated"


def suppression_remove(*, suppression: Suppression, user) -> SuppressionChange:
    """Take an entry off the list (admins only: the views and the API check). The log keeps a copy of
    the entry, who removed it and when."""
    with transaction.atomic():
        entry = Suppression.objects.select_for_update(of=("self",)).select_related("sender", "created_by")
        entry = entry.get(pk=suppression.pk)
        added = f"Added by {entry.created_by or 'someone since deleted'} on {_when(entry.created_at)}"
        change = _log(SuppressionChange.Action.REMOVED, entry, user, added, keep_link=False)
        entry.delete()
    return change


# --- Import and export ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    refused_count: int = 0
    refused: list[list] = field(default_factory=list)  # [[line, text, reason], ...], the first MAX_REFUSED_KEPT

    def summary(self) -> str:
        parts = [f"{self.added:,} added", f"{self.updated:,} changed", f"{self.unchanged:,} already on the list"]
        if self.duplicates:
            parts.append(f"{self.duplicates:,} repeated in the file")
        if self.refused_count:
            parts.append(f"{self.refused_count:,} refused")
        return ", ".join(parts)


def parse_expiry(text: str) -> datetime | None:
    """An ISO 8601 time (with an offset, or in the current time zone) or a date (its start, 00:00, in the
    current time zone); None for empty text. Raises ValueError."""
    text = text.strip()
    if not text:
        return None
    value = parse_datetime(text)
    if value is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(text)
        value = datetime.combine(day, time.min)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _reason_of(text: str, default: str) -> str | None:
    text = text.strip().lower()
    if not text:
        return default
    for reason in Suppression.Reason:
        if text in (reason.value, reason.label.lower()):
            return reason.value
    return None


class _Importer:
    def __init__(self, *, network: str, reason: str, user, now: datetime):
        self.network, self.reason, self.user, self.now = network, reason, user, now
        self.senders = {(s.network, s.sender_id): s for s in Sender.objects.all()}
        self.result = ImportResult()
        self.seen: set[tuple] = set()
        self.batch: dict[tuple, tuple[str, datetime | None]] = {}

    def refuse(self, line: int, text: str, reason: str) -> None:
        self.result.refused_count += 1
        if len(self.result.refused) < MAX_REFUSED_KEPT:
            self.result.refused.append([line, text, reason])

    def row(self, line: int, text: str, cell) -> None:
        network = cell("network").lower() or self.network
        if network not in NETWORKS:
            given = f" (“{cell('network')}”)" if cell("network") else ""
            self.refuse(line, text, f"network{given}: give {' or '.join(NETWORKS)} (or choose one for the file).")
            return
        sender = None
        if sender_id := cell("sender_id"):
            sender = self.senders.get((network, sender_id))
            if sender is None:
                self.refuse(line, text, f"sender_id: no {NETWORKS[network].label} sender {sender_id} is registered.")
                return
        reason = _reason_of(cell("reason"), self.reason)
        problems = []
        if reason is None:
            problems.append(f"reason: give {', '.join(Suppression.Reason.values)}.")
        try:
            expires_at = parse_expiry(cell("expires_at"))
        except ValueError:
            expires_at = None
            problems.append("expires_at: give a date (2027-01-31) or a time (2027-01-31T09:00:00+09:00).")
        ott_id, user_reference = cell("ott_id"), cell("user_reference")
        errors = suppression_problems(
            network=network,
            sender=sender,
            ott_id=ott_id,
            user_reference=user_reference,
            reason=reason or Suppression.Reason.MANUAL,
            expires_at=expires_at,
            now=self.now,
        )
        problems += [f"{name}: {message}" for name, messages in errors.items() for message in messages]
        if problems:
            self.refuse(line, text, " ".join(problems))
            return
        key = (network, sender.pk if sender else None, ott_id, user_reference)
        if key in self.seen:
            self.result.duplicates += 1
            return
        self.seen.add(key)
        self.batch[key] = (reason, expires_at)
        if len(self.batch) >= IMPORT_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        ids = sorted({key[2] for key in self.batch if key[2]})
        refs = sorted({key[3] for key in self.batch if not key[2]})
        existing = {}
        for column, values in (("ott_id", ids), ("user_reference", refs)):
            if values:
                for entry in Suppression.objects.filter(**{f"{column}__in": _one_parameter(values)}).order_by():
                    existing[(entry.network, entry.sender_id, entry.ott_id, entry.user_reference)] = entry
        new, changed = [], []
        for key, (reason, expires_at) in self.batch.items():
            entry = existing.get(key)
            if entry is None:
                network, sender_pk, ott_id, user_reference = key
                new.append(
                    Suppression(
                        network=network,
                        sender_id=sender_pk,
                        ott_id=ott_id,
                        user_reference=user_reference,
                        reason=reason,
                        expires_at=expires_at,
                        created_by=self.user,
                    )
                )
            elif (entry.reason, entry.expires_at) != (reason, expires_at):
                entry.reason, entry.expires_at, entry.updated_at = reason, expires_at, self.now
                changed.append(entry)
            else:
                self.result.unchanged += 1
        Suppression.objects.bulk_create(new, batch_size=IMPORT_BATCH)
        Suppression.objects.bulk_update(changed, ["reason", "expires_at", "updated_at"], batch_size=200)
        self.result.added += len(new)
        self.result.updated += len(changed)
        self.batch.clear()


def _cells_by_name(cells: list[str], at: dict[str, int]):
    """A row's cell by column name ("" for a column the file lacks or a short row)."""

    def cell(name: str) -> str:
        position = at.get(name)
        if position is None or position >= len(cells):
            return ""
        return from_spreadsheet_cell(cells[position].strip())

    return cell


def suppression_import(*, file: BinaryIO, network: str, reason: str, user, file_name: str = "") -> ImportResult:
    """Add the rows of a CSV file to the list, in one transaction. Columns (any order, any case):
    `ott_id` and/or `user_reference` (at least one of the two), and optionally `reason` (empty:
    `reason`), `expires_at`, `sender_id` (the page or channel id; empty: every sender) and `network`
    (empty: `network`). Other columns are ignored, so an export imports again as it is. A row the same
    as an entry on the list changes its reason and expiry. Raises SuppressionInvalid (`file`, `network`
    or `reason`) when the file as a whole cannot be read; a bad row is refused with its line and reason."""
    if network and network not in NETWORKS:
        raise SuppressionInvalid({"network": [_choose_network()]})
    if reason not in Suppression.Reason.values:
        raise SuppressionInvalid({"reason": [_choose_reason()]})
    importer = _Importer(network=network, reason=reason, user=user, now=timezone.now())
    try:
        with closing(records(file)) as rows, transaction.atomic():
            first = next(rows, None)
            if first is None:
                raise SuppressionInvalid({"file": [gettext("The file is empty. Its first row must be the header.")]})
            names = [column_key(name) for name in header_names(first[1])]
            if "ott_id" not in names and "user_reference" not in names:
                found = ",".join(header_names(first[1]))[:200]
                raise SuppressionInvalid(
                    {
                        "file": [
                            gettext("The first row must be a header with ott_id or user_reference (found: %(found)s).")
                            % {"found": found}
                        ]
                    }
                )
            if not network and "network" not in names:
                no_column = gettext("Choose the network of these recipients (the file has no network column).")
                raise SuppressionInvalid({"network": [no_column]})
            at = {name: names.index(name) for name in IMPORT_COLUMNS if name in names}
            for count, (line, cells) in enumerate(rows, start=1):
                if count > MAX_IMPORT_ROWS:
                    raise SuppressionInvalid(
                        {
                            "file": [
                                gettext("At most %(max)s rows in one import; split it.")
                                % {"max": f"{MAX_IMPORT_ROWS:,}"}
                            ]
                        }
                    )
                importer.row(line, as_given(cells), _cells_by_name(cells, at))
            importer.flush()
            result = importer.result
            if result.added or result.updated:
                detail = f"From {file_name or 'a file'}: {result.summary()}."
                audit.record("suppression.import", user=user, detail=detail)
                SuppressionChange.objects.create(
                    action=SuppressionChange.Action.IMPORTED,
                    network=network,
                    detail=detail,
                    user=user,
                )
    except Unreadable as exc:
        raise SuppressionInvalid({"file": [str(exc)]}) from exc
    return result


def suppression_csv_lines(entries: QuerySet, *, bom: bool = True) -> Iterator[str]:
    """The header, then one line per entry (newest first), formula-safe, as `suppression_import` reads
    it back; times in ISO 8601 with their offset."""
    writer = csv.writer(Echo())
    yield ("\ufeff" if bom else "") + writer.writerow([name for name, _ in EXPORT_COLUMNS])
    rows = entries.order_by("-id").values_list(*(source for _, source in EXPORT_COLUMNS))
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow([spreadsheet_cell(value) for value in row])
