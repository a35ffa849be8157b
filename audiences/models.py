"""Saved audiences (recipients with extra columns for placeholders) and the suppression list (who must
never be messaged), with the log of changes to that list.

The sending side links a send to its audience with a foreign key of its own, named so that
`audience.sends` lists them:

    audience = models.ForeignKey("audiences.Audience", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="sends")

and calls `audiences.services.audience_mark_used` when it creates the send: from then on the audience
is read-only (no rename, no delete; a new version is uploaded instead).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ott.networks import NETWORK_CHOICES
from ott.rules import RECIPIENT_LIMIT
from senders.models import Sender


class AudienceQuerySet(models.QuerySet):
    def ready(self) -> AudienceQuerySet:
        """Audiences whose upload finished: the only ones a send may use."""
        return self.filter(status=Audience.Status.READY)

    def used(self) -> AudienceQuerySet:
        return self.filter(first_used_at__isnull=False)

    def unused(self) -> AudienceQuerySet:
        return self.filter(first_used_at__isnull=True)

    def listed(self) -> AudienceQuerySet:
        """Saved audiences: not the one-off files uploaded on a send page for one send."""
        return self.filter(one_off=False)


class Audience(models.Model):
    """A named list of recipients of one network, uploaded once and sent to any number of times."""

    class Status(models.TextChoices):
        LOADING = "loading", _("Being uploaded")
        READY = "ready", _("Ready")

    name = models.CharField(max_length=200)
    network = models.CharField(max_length=16, choices=NETWORK_CHOICES, db_index=True)
    status = models.CharField(max_length=8, choices=Status, default=Status.LOADING)
    size = models.PositiveIntegerField(default=0, help_text="Recipients kept (valid, repeats collapsed)")
    columns = models.JSONField(default=list, blank=True, help_text="The extra columns, in the file's order")
    refused_lines = models.JSONField(
        default=list, blank=True, help_text="[[line, text as given, reason], ...]: the first refused rows"
    )
    refused_count = models.PositiveIntegerField(default=0, help_text="Every refused row, listed or not")
    duplicate_count = models.PositiveIntegerField(default=0, help_text="Repeated recipients collapsed")
    file_name = models.CharField(max_length=255, blank=True, help_text="The uploaded file's name; empty from the API")
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="newer_versions",
        help_text="The audience this one is a new version of",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="audiences"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    first_used_at = models.DateTimeField(
        null=True, blank=True, help_text="When a send first used it; from then on it is read-only"
    )
    one_off = models.BooleanField(
        default=False, help_text="A CSV file uploaded on a send page for that send alone: not listed with the audiences"
    )

    objects = AudienceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_used(self) -> bool:
        return self.first_used_at is not None

    @property
    def refused_more(self) -> int:
        """Refused rows counted but not listed."""
        return max(0, self.refused_count - len(self.refused_lines))


class AudienceRow(models.Model):
    """One recipient of an audience: its line in the file (its position in an API list), its ids, and
    its values of the audience's extra columns (`vars`, every column present, "" for an empty cell)."""

    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="rows", db_index=False)
    line = models.PositiveIntegerField()
    ott_id = models.CharField(max_length=RECIPIENT_LIMIT, blank=True)
    user_reference = models.CharField(max_length=RECIPIENT_LIMIT, blank=True)
    vars = models.JSONField(default=dict, blank=True)

    class Meta:
        # Serves every read by audience (in line order) too, so the foreign key needs no index of its own.
        constraints = [models.UniqueConstraint(fields=["audience", "line"], name="audience_row_line_unique")]

    def __str__(self) -> str:
        return f"{self.audience_id} line {self.line}"


class SuppressionQuerySet(models.QuerySet):
    def active(self, now=None) -> SuppressionQuerySet:
        """Entries in force: no expiry, or an expiry still ahead."""
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))

    def expired(self, now=None) -> SuppressionQuerySet:
        return self.filter(expires_at__lte=now or timezone.now())


class Suppression(models.Model):
    """A recipient who must not be messaged on a network: by every sender (`sender` empty) or by one."""

    class Reason(models.TextChoices):
        OPT_OUT = "opt_out", _("Opted out")
        COMPLAINT = "complaint", _("Complained")
        BLOCKED = "blocked", _("Blocked the sender")
        MANUAL = "manual", _("Added by hand")

    network = models.CharField(max_length=16, choices=NETWORK_CHOICES)
    # A sender deleted from the portal takes its own entries with it (it cannot send any more); entries
    # for every sender stay.
    sender = models.ForeignKey(
        Sender,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suppressions",
        help_text="Empty: every sender of the network",
    )
    ott_id = models.CharField(max_length=RECIPIENT_LIMIT, blank=True, db_index=True)
    user_reference = models.CharField(max_length=RECIPIENT_LIMIT, blank=True, db_index=True)
    reason = models.CharField(max_length=16, choices=Reason)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.recipient} ({self.get_reason_display()})"

    @property
    def recipient(self) -> str:
        return " / ".join(value for value in (self.ott_id, self.user_reference) if value)

    @property
    def is_active(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()


class SuppressionChange(models.Model):
    """The suppression list's log: who added, changed, imported or removed what, and when. A removal
    keeps a copy of the entry, since the entry itself is gone."""

    class Action(models.TextChoices):
        ADDED = "added", pgettext_lazy("a change to the suppression list", "Added")
        UPDATED = "updated", pgettext_lazy("a change to the suppression list", "Changed")
        IMPORTED = "imported", pgettext_lazy("a change to the suppression list", "Imported")
        REMOVED = "removed", pgettext_lazy("a change to the suppression list", "Removed")

    suppression = models.ForeignKey(
        Suppression, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    action = models.CharField(max_length=8, choices=Action)
    network = models.CharField(max_length=16, choices=NETWORK_CHOICES, blank=True)
    sender_label = models.CharField(max_length=200, blank=True, help_text="The sender then; empty: every sender")
    ott_id = models.CharField(max_length=RECIPIENT_LIMIT, blank=True)
    user_reference = models.CharField(max_length=RECIPIENT_LIMIT, blank=True)
    reason = models.CharField(max_length=16, choices=Suppression.Reason, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.recipient}".strip()

    @property
    def recipient(self) -> str:
        return " / ".join(value for value in (self.ott_id, self.user_reference) if value)
