"""Audiences for the sending side, and the changes a user may make to one.

What a send calls (nothing here imports the messages app's sending code):

- `Audience.objects.ready().filter(network=...)`: the audiences a draft of that network may use
  (an upload still `loading` may not be used).
- `audience_rows(audience)`: every recipient as `AudienceRecipient(line, ott_id, user_reference,
  vars)`, in line order, read BATCH rows per query (keyset on the line, so memory stays flat at a
  million rows). `vars` holds every column of `audience.columns` ("" for an empty cell);
  `audience_rows(audience, with_vars=False)` leaves it empty and does not read it (a message
  without placeholders needs none: a million rows' JSON decoded for nothing is seconds).
- `audience_row(audience, line=N)` / `audience_row(audience, after=N)`: one row, for a preview that
  steps through real rows (the first row: `after=0`).
- `audience_mark_used(audience)`: call it in the transaction that creates the send (it raises
  AudienceError when the audience is not ready any more). From then on the audience is read-only:
  `audience_rename` and `audience_delete` raise AudienceLocked.
- `audience_sends(audience)`: the sends that used it (`Send.audience`, related_name "sends").

Upload: audiences/loading.py (`audience_from_csv`, `audience_from_rows`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.loading import AudienceInvalid, audit_facts, discard
from audiences.models import Audience, AudienceRow
from ottportal import audit

BATCH = 5_000


class AudienceError(Exception):
    """A change the audience does not allow (the message says why, in a user's words)."""


class AudienceLocked(AudienceError):
    """The audience was used by a send: it stays as it was (upload a new version instead)."""


class AudienceRecipient(NamedTuple):
    line: int
    ott_id: str
    user_reference: str
    vars: dict[str, str]


_FIELDS = ("line", "ott_id", "user_reference", "vars")


def audience_rows(
    audience: Audience | int, *, after: int = 0, batch: int = BATCH, with_vars: bool = True
) -> Iterator[AudienceRecipient]:
    """Every recipient of the audience after line `after`, in line order, `batch` rows per query;
    `with_vars=False`: each with empty vars, the column not read."""
    audience_id = audience if isinstance(audience, int) else audience.pk
    fields = _FIELDS if with_vars else _FIELDS[:-1]
    rows = AudienceRow.objects.filter(audience_id=audience_id).order_by("line").values_list(*fields)
    while chunk := list(rows.filter(line__gt=after)[:batch]):
        if with_vars:
            yield from (AudienceRecipient(*row) for row in chunk)
        else:
            yield from (AudienceRecipient(*row, {}) for row in chunk)
        after = chunk[-1][0]


def audience_row(audience: Audience | int, *, line: int | None = None, after: int | None = None):
    """The row at `line`, or the first row after line `after`; None when there is none."""
    audience_id = audience if isinstance(audience, int) else audience.pk
    rows = AudienceRow.objects.filter(audience_id=audience_id).order_by("line").values_list(*_FIELDS)
    found = rows.filter(line=line).first() if line is not None else rows.filter(line__gt=after or 0).first()
    return AudienceRecipient(*found) if found else None


def audience_mark_used(audience: Audience) -> bool:
    """Make the audience read-only because a send uses it; True the first time, False when a send had
    used it already. Raises AudienceError when it is not ready (still being uploaded, or being
    deleted): a send must not use it then. Set-based, so it holds against a delete at the same time."""
    now = timezone.now()
    ready = Audience.objects.filter(pk=audience.pk, status=Audience.Status.READY)
    if ready.filter(first_used_at__isnull=True).update(first_used_at=now):
        audience.first_used_at = now
        return True
    if not ready.exists():
        raise AudienceError(
            _("“%(name)s” is being uploaded or deleted; a send cannot use it.") % {"name": audience.name}
        )
    return False


def audience_sends(audience: Audience):
    """The sends that used this audience, newest first."""
    return audience.sends.order_by("-created_at", "-id")


def audience_is_used(audience: Audience) -> bool:
    """Whether a send used it: marked so, or linked to a send (should the mark have been missed)."""
    return audience.is_used or audience.sends.exists()


def _unlocked(audience: Audience, doing: str) -> None:
    if audience_is_used(audience):
        if doing == "renamed":
            words = _("“%(name)s” was used by a send, so it cannot be renamed. Upload a new version instead.")
        else:
            words = _("“%(name)s” was used by a send, so it cannot be deleted. Upload a new version instead.")
        raise AudienceLocked(words % {"name": audience.name})


def audience_rename(*, audience: Audience, name: str, user) -> Audience:
    """Give an unused audience a new name. Raises AudienceLocked, or AudienceInvalid (`name`)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AudienceInvalid({"name": [_("Give a name of 1 to 200 characters.")]})
    with transaction.atomic():
        audience = Audience.objects.select_for_update().get(pk=audience.pk)
        _unlocked(audience, "renamed")
        audit.record("audience.rename", user=user, obj=audience, before={"name": audience.name}, after={"name": name})
        Audience.objects.filter(pk=audience.pk).update(name=name)
    audience.name = name
    return audience


def audience_delete(*, audience: Audience, user) -> None:
    """Delete an unused audience with its rows. Raises AudienceLocked when a send used it, and
    AudienceError while its upload is still under way. The audience stops being ready first, so no
    send can start using it while its rows go."""
    with transaction.atomic():
        audience = Audience.objects.select_for_update().get(pk=audience.pk)
        _unlocked(audience, "deleted")
        if not audience.is_ready and (timezone.now() - audience.created_at).total_seconds() < STALE_LOADING_SECONDS:
            words = _("“%(name)s” is still being uploaded; delete it once the upload has finished.")
            raise AudienceError(words % {"name": audience.name})
        Audience.objects.filter(pk=audience.pk).update(status=Audience.Status.LOADING)
        audit.record("audience.delete", user=user, obj=audience, before=audit_facts(audience))
    discard(audience)


# An upload still `loading` after this long was interrupted (its process stopped): it may be deleted.
STALE_LOADING_SECONDS = 3600
