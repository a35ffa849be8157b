"""The audit trail: every action a person takes in the portal (sign-ins, role changes, drafts, sends,
audiences, the suppression list, senders, exports, API tokens), as `AuditEntry` rows that chain.

`record` adds an entry: who (the request's user unless given), from which address, what (`action`, a
code such as `draft.edit`), on which object, a detail in words and the changed fields' values before
and after. Entries are numbered 1, 2, 3... and each one's `hash` is the SHA-256 of a canonical JSON
of its fields and of the hash of the entry before it, so changing or removing an entry breaks the
chain after it; `verify` (and `manage.py audit_verify`) finds the first entry where it breaks.

Entries are written under a lock, so that two actions at once still chain one after the other:
PostgreSQL takes a transaction-level advisory lock, SQLite's IMMEDIATE transactions hold the
database's write lock. The entry is written in the caller's transaction: an action that is rolled
back leaves no entry, and an entry is never missing for an action that was committed.
"""

from __future__ import annotations

import contextvars
import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ottportal.models import AuditEntry

GENESIS = "0" * 64  # the `prev_hash` of entry 1
LOCK_KEY = 0x0A0D17  # PostgreSQL advisory lock id of the chain's writers

# What each action is called on the audit page (translated when shown; entries store the code); the part
# before the dot is its kind.
ACTIONS = {
    "auth.login": _("Login"),
    "auth.logout": _("Logout"),
    "auth.login_failed": _("Failed login"),
    "role.add": _("Role given"),
    "role.remove": _("Role taken away"),
    "token.create": _("API token made"),
    "token.revoke": _("API token revoked"),
    "draft.create": _("Draft created"),
    "draft.copy": _("Draft created as a copy"),
    "draft.edit": _("Draft changed"),
    "draft.delete": _("Draft deleted"),
    "send.create": _("Send created"),
    "send.approve": _("Send approved"),
    "send.reject": _("Send rejected"),
    "send.schedule": _("Send scheduled"),
    "send.reschedule": _("Send rescheduled"),
    "send.pause": _("Send paused"),
    "send.resume": _("Send resumed"),
    "send.cancel": _("Send canceled"),
    "send.retry_failed": _("Failed deliveries retried"),
    "audience.upload": _("Audience uploaded"),
    "audience.rename": _("Audience renamed"),
    "audience.delete": _("Audience deleted"),
    "suppression.add": _("Suppression added"),
    "suppression.update": _("Suppression changed"),
    "suppression.import": _("Suppressions imported"),
    "suppression.remove": _("Suppression removed"),
    "sender.register": _("Sender registered"),
    "sender.reregister": _("Sender re-registered"),
    "sender.import": _("Sender imported"),
    "sender.update": _("Sender updated"),
    "sender.delete": _("Sender deleted"),
    "export.history": _("History exported"),
    "export.suppressions": _("Suppression list exported"),
    "export.audit": _("Audit log exported"),
}
KINDS = {
    "auth": _("Sign-ins"),
    "role": _("Roles"),
    "token": _("API tokens"),
    "draft": _("Drafts"),
    "send": _("Sends"),
    "audience": _("Audiences"),
    "suppression": _("Suppression list"),
    "sender": _("Senders"),
    "export": _("Exports"),
}
# The change logs' past tenses ("updated") as the trail's verbs ("update").
_VERBS = {
    "created": "create",
    "copied": "copy",
    "changed": "edit",
    "deleted": "delete",
    "added": "add",
    "updated": "update",
    "imported": "import",
    "removed": "remove",
    "registered": "register",
    "reregistered": "reregister",
    "approved": "approve",
    "rejected": "reject",
    "scheduled": "schedule",
    "rescheduled": "reschedule",
    "paused": "pause",
    "resumed": "resume",
    "canceled": "cancel",
}


def action_of(kind: str, happened: str) -> str:
    """`sender` + `updated` -> `sender.update`: an action code from a change log's word for it."""
    return f"{kind}.{_VERBS.get(happened, happened)}"


def label_of(action: str) -> str:
    """What the page calls an action, in the viewer's language; an action the portal no longer has keeps
    its code."""
    return str(ACTIONS.get(action, action))


# --- The request being handled ----------------------------------------------------------------------

_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)


class AuditRequestMiddleware:
    """Lets `record` find who acts and from where when it is called deep in a service."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_request():
    return _request.get()


def client_ip(request) -> str | None:
    """The client's address as the login throttling sees it (AXES_PROXY_COUNT), or None."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    try:
        return str(ipaddress.ip_address(get_client_ip_address(request) or ""))
    except ValueError:
        return None


# --- Writing -------------------------------------------------------------------------------------


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        return o.isoformat() if isinstance(o, datetime) else super().default(o)  # to the microsecond


def _clean(value):
    """JSON-safe values as the database gives them back (times and decimals as text, no NUL, which
    PostgreSQL refuses), so the hash computed now is the hash of what is read later."""
    value = json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False))

    def strip(item):
        if isinstance(item, str):
            return item.replace("\x00", "")
        if isinstance(item, list):
            return [strip(part) for part in item]
        if isinstance(item, dict):
            return {strip(key): strip(part) for key, part in item.items()}
        return item

    return strip(value)


def _text(value, limit: int | None = None) -> str:
    text = str(value or "").replace("\x00", "")
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _label(obj) -> str:
    """The object's name as stored: in English whatever the page's language (a suppression names its
    reason), so that entries read alike and their hashes do not depend on who looked."""
    with translation.override(settings.LANGUAGE_CODE):
        return _text(obj if obj is not None else "", 200)


def canonical(entry: AuditEntry) -> bytes:
    """What an entry's hash covers: every field but the user link (emptied when that account is
    deleted; the username stays) and the hash itself."""
    fields = {
        "id": entry.pk,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "username": entry.username,
        "ip_address": entry.ip_address,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "detail": entry.detail,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def hash_of(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    # SQLite: the transaction is IMMEDIATE (settings), so it already holds the database's write lock.


def _actor(user, request):
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    return user if user is not None and getattr(user, "pk", None) is not None else None


def record(
    action: str,
    *,
    user=None,
    request=None,
    obj=None,
    detail: str = "",
    before=None,
    after=None,
    username: str = "",
) -> AuditEntry:
    """Add an entry: `action` (a code from ACTIONS) done by `user` (default: the request's signed-in
    user; `username` names someone who is not one, such as a failed login's) on `obj` (a model
    instance), with `detail` in words and the changed fields' values `before` and `after`. Returns the
    entry, written in the caller's transaction (or its own)."""
    request = request if request is not None else current_request()
    user = _actor(user, None if username else request)  # a failed login is not the signed-in user's
    entry = AuditEntry(
        at=timezone.now(),
        user=user,
        username=_text(user.get_username() if user is not None else username, 150),
        ip_address=client_ip(request),
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=_text(obj.pk if obj is not None else "", 64),
        object_label=_label(obj),
        detail=_text(detail),
        before=_clean(before),
        after=_clean(after),
    )
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
        entry.id, entry.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        entry.hash = hash_of(entry)
        entry.save(force_insert=True)
    return entry


def diff(before: dict, after: dict) -> dict:
    """The fields whose values differ, as `record`'s keyword arguments: {"before": {field: old},
    "after": {field: new}}. A field only in one of them counts as None in the other."""
    names = [name for name in {**before, **after} if before.get(name) != after.get(name)]
    return {"before": {name: before.get(name) for name in names}, "after": {name: after.get(name) for name in names}}


def record_export(lines: Iterator[str], action: str, *, request, filters) -> Iterator[str]:
    """Stream `lines` (a header, then one line per row) and, once the stream ends (or the client stops
    reading), record the export: its filters (the query's values of the names in `filters`) and the
    number of rows actually sent."""
    rows = -1  # the header is not a row
    try:
        for line in lines:
            rows += 1
            yield line
    finally:
        sent = max(rows, 0)
        given = {name: request.GET[name] for name in filters if request.GET.get(name)}
        words = ", ".join(f"{name}={value}" for name, value in given.items()) or "none"
        detail = f"Filter: {words}; {sent:,} row{'' if sent == 1 else 's'}"
        record(action, request=request, detail=detail, after={"filter": given, "rows": sent})


# --- Checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """Where the chain breaks: the first entry that does not hold, and why."""

    entry: AuditEntry
    reason: str

    def __str__(self) -> str:
        at = self.entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"entry #{self.entry.pk} ({at}, {self.entry.action}): {self.reason}"


@dataclass(frozen=True)
class Checked:
    count: int
    last: AuditEntry | None
    broken: Break | None


def check() -> Checked:
    """Walk the chain from entry 1: each entry's number follows the one before, its `prev_hash` is that
    entry's hash, and its hash is that of its fields."""
    expected_id, previous, last, count = 1, GENESIS, None, 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.pk != expected_id:
            missing = f"#{expected_id}" if entry.pk == expected_id + 1 else f"#{expected_id} to #{entry.pk - 1}"
            return Checked(count, last, Break(entry, f"the entry before it ({missing}) is missing"))
        if entry.prev_hash != previous:
            why = "the entry before it was changed" if expected_id > 1 else "it does not start the chain"
            return Checked(count, last, Break(entry, f"its link to the entry before does not match ({why})"))
        if hash_of(entry) != entry.hash:
            return Checked(count, last, Break(entry, "its content does not match its hash (it was changed)"))
        expected_id, previous, last, count = expected_id + 1, entry.hash, entry, count + 1
    return Checked(count, last, None)


def verify() -> Break | None:
    """The first broken entry (with why), or None when the whole chain holds."""
    return check().broken
