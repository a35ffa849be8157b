"""The sandbox's own state: what a fake Marketing Cloud must remember. Cleared by `sandbox_reset`."""

from __future__ import annotations

from django.db import models

from ott.networks import NETWORKS, active_flag


class SandboxToken(models.Model):
    token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token until {self.expires_at:%Y-%m-%d %H:%M}"


class SandboxRegistration(models.Model):
    platform = models.CharField(max_length=16)
    sender_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    attributes = models.JSONField(default=dict)  # the non-secret attributes only
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "sender_id"], name="sandbox_registration_unique")]
        ordering = ["platform", "sender_id"]

    def __str__(self) -> str:
        return f"{self.platform} {self.sender_id} ({self.name})"

    @classmethod
    def register(cls, platform: str, attributes: dict) -> SandboxRegistration:
        """Store a registration as Marketing Cloud would: overwrite by id, keep no secret."""
        network = NETWORKS[platform]
        public = network.public_attributes(attributes)
        is_active = active_flag(attributes.get("isActive"))
        public["isActive"] = 1 if is_active else 0
        registration, _ = cls.objects.update_or_create(
            platform=platform,
            sender_id=str(attributes[network.id_attribute]).strip(),
            defaults={"name": str(attributes[network.name_attribute]), "attributes": public, "is_active": is_active},
        )
        return registration


class SandboxAttempt(models.Model):
    """Every POST /ott/v1/send received for a messageKey, faults included (for `sandbox-flaky-<n>`)."""

    message_key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.message_key}: {self.count} attempts"


class SandboxMessage(models.Model):
    """An accepted message. `accepted_count` is the witness: how many times the key was answered 201."""

    message_key = models.CharField(max_length=200, unique=True)
    ott_request_id = models.CharField(max_length=64, unique=True)
    request_body = models.JSONField()
    error_reason = models.TextField(blank=True)  # set when the network will refuse it (an Error event)
    accepted_at = models.DateTimeField(auto_now_add=True)
    accepted_count = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.message_key} -> {self.ott_request_id}"
