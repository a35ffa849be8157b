"""Pending lists: the recipients a confirm page shows and queues (rows checked from one entry or a
pasted list, or an audience: a saved one, or a CSV file uploaded for this send, streamed into a
one-off audience that is not listed with the saved ones).

A user has at most PENDING_PER_USER of them (each bounded by the paste limit and MAX_REFUSED_KEPT);
older ones are dropped, and any left unconfirmed are dropped after a day by the housekeeping task,
each with its one-off audience when no send used it.
"""

from __future__ import annotations

from django.db import transaction

from audiences.loading import discard
from audiences.models import Audience
from messages.models import Draft, RecipientList
from messages.recipients import Recipients

PENDING_PER_USER = 3


def recipient_list_create(
    *, draft: Draft, user, recipients: Recipients | None = None, audience: Audience | None = None
) -> RecipientList:
    """Keep checked recipients (or an audience) for the confirm page, dropping the user's oldest
    pending lists beyond PENDING_PER_USER (their confirm pages are then gone, and their one-off
    audiences with them). A one-off audience brings its own refused lines and repeats."""
    one_off = audience is not None and audience.one_off
    with transaction.atomic():
        pending = RecipientList.objects.create(
            draft=draft,
            created_by=user,
            audience=audience,
            recipients=recipients.valid if recipients else [],
            invalid=recipients.invalid if recipients else audience.refused_lines if one_off else [],
            invalid_count=recipients.refused if recipients else audience.refused_count if one_off else 0,
            duplicate_count=recipients.duplicates if recipients else audience.duplicate_count if one_off else 0,
        )
        others = RecipientList.objects.filter(created_by=user).exclude(pk=pending.pk).order_by("-created_at")
        dropped = list(others.values_list("pk", flat=True)[PENDING_PER_USER - 1 :])
        pending_lists_drop(RecipientList.objects.filter(pk__in=dropped))
    return pending


def pending_lists_drop(lists) -> None:
    """Delete pending lists (a queryset) with the one-off audiences no send used."""
    one_offs = Audience.objects.filter(pk__in=lists.values("audience_id"), one_off=True, first_used_at__isnull=True)
    for audience in list(one_offs):
        discard(audience)  # its pending list goes with it
    lists.delete()
