"""Messenger pages and LINE channels registered with Marketing Cloud.

Secrets (channel secret, app secret, page access token...) are forwarded to Marketing Cloud at
registration and never stored: `attributes` holds only the non-secret registration attributes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ott.networks import NETWORK_CHOICES, NETWORKS


class Sender(models.Model):
    network = models.CharField(max_length=16, choices=NETWORK_CHOICES)
    sender_id = models.CharField("sender id", max_length=32, help_text="Messenger Page ID or LINE Channel ID")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField("active", default=True)
    requires_approval = models.BooleanField(
        default=False, help_text="Every send from it waits until a second person (an approver or admin) approves it"
    )
    attributes = models.JSONField(default=dict, blank=True, help_text="Non-secret registration attributes")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_synced_at = models.DateTimeField(null=True, blank=True, help_text="Last registration or import")
    # Sending rules (admins edit them): nothing of this sender is posted during its quiet hours (in its
    # time zone; the window may cross midnight); its own rate cap; per-recipient frequency caps;
    # message allowances. Empty: no rule.
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="IANA zone of the quiet hours; empty: the portal's"
    )
    rate_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Posts per second, per worker")
    frequency_cap_24h = models.PositiveIntegerField(null=True, blank=True, help_text="Messages per recipient per 24 h")
    frequency_cap_7d = models.PositiveIntegerField(null=True, blank=True, help_text="Messages per recipient per 7 days")
    daily_allowance = models.PositiveIntegerField(null=True, blank=True, help_text="Messages per day (its time zone)")
    monthly_allowance = models.PositiveIntegerField(null=True, blank=True, help_text="Messages per calendar month")

    class Meta:
        ordering = ["network", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["network", "sender_id"], name="sender_unique_per_network")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_network_display()} {self.sender_id})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone or settings.TIME_ZONE)

    def quiet_until(self, now: datetime) -> datetime | None:
        """When the quiet hours `now` falls in end (aware), or None when posting is allowed now."""
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start is None or end is None or start == end:
            return None
        local = now.astimezone(self.zone)
        t = local.time().replace(tzinfo=None)
        inside = start <= t < end if start < end else (t >= start or t < end)
        if not inside:
            return None
        day = local.date() if t < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=self.zone)

    @property
    def network_info(self):
        return NETWORKS[self.network]

    @property
    def facts(self) -> list[tuple[str, str]]:
        """(label, value) of the registration attributes besides the id, name and active flag."""
        from senders.display import attribute_facts

        return attribute_facts(self.network, self.attributes)


class SenderChange(models.Model):
    """The change log of a sender: who changed what, when. Never holds a secret."""

    class Action(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        REREGISTERED = "reregistered", _("Re-registered with Marketing Cloud")
        IMPORTED = "imported", _("Imported from Marketing Cloud")
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")

    sender = models.ForeignKey(Sender, null=True, on_delete=models.SET_NULL, related_name="changes")
    sender_label = models.CharField(max_length=200)  # kept when the sender is deleted
    network = models.CharField(max_length=16, choices=NETWORK_CHOICES, blank=True)  # labels the changes
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=16, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)  # {field: [old, new]}
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sender_label}: {self.get_action_display()}"

    @property
    def lines(self) -> list:
        """The changes as people read them: one line per attribute, flags as Yes/No."""
        from senders.display import change_lines

        return change_lines(self.network, self.changes)

    @property
    def summary(self) -> str:
        return "; ".join(str(line) for line in self.lines)


class DeletedSender(models.Model):
    """A sender an admin deleted from the portal: the next import leaves it out.

    Marketing Cloud keeps the registration (the OTT API has no way to remove one), so without this
    record every import would bring the sender back. Registering it again removes the record.
    """

    network = models.CharField(max_length=16, choices=NETWORK_CHOICES)
    sender_id = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "sender_id"], name="deleted_sender_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_network_display()} {self.sender_id}), deleted"
