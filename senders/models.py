"""Messenger pages and LINE channels registered with Marketing Cloud.

Secrets (channel secret, app secret, page access token...) are forwarded to Marketing Cloud at
registration and never stored: `attributes` holds only the non-secret registration attributes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

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

    class Meta:
        ordering = ["network", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["network", "sender_id"], name="sender_unique_per_network")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_network_display()} {self.sender_id})"

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
        REGISTERED = "registered", "Registered"
        REREGISTERED = "reregistered", "Re-registered with Marketing Cloud"
        IMPORTED = "imported", "Imported from Marketing Cloud"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

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
