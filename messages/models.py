"""Drafts and their content blocks. (Sends and deliveries join them with the sending work.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ott.networks import CONTENT_TYPES, MESSAGE_TAGS, MESSAGING_TYPES, NOTIFICATION_TYPES
from ott.payloads import Block, Message
from senders.models import Sender


def _choices(values) -> list[tuple[str, str]]:
    return [(value, value.replace("_", " ").capitalize()) for value in values]


class Draft(models.Model):
    name = models.CharField(max_length=200)
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="drafts")
    subject = models.CharField(max_length=200, blank=True)
    message_group_key = models.CharField(max_length=100, blank=True)
    messaging_type = models.CharField(max_length=16, blank=True, choices=_choices(MESSAGING_TYPES))
    tag = models.CharField(max_length=32, blank=True, choices=_choices(MESSAGE_TAGS))
    notification_type = models.CharField(max_length=16, blank=True, choices=_choices(NOTIFICATION_TYPES))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="drafts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def to_message(self) -> Message:
        """What this draft says, in the form the payload builder and the rules take."""
        return Message(
            network=self.sender.network,
            sender_id=self.sender.sender_id,
            blocks=tuple(block.to_block() for block in self.blocks.all()),
            subject=self.subject,
            message_group_key=self.message_group_key,
            messaging_type=self.messaging_type,
            tag=self.tag,
            notification_type=self.notification_type,
        )


class ContentBlock(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=8, choices=_choices(CONTENT_TYPES))
    text = models.TextField(blank=True)
    url = models.TextField(blank=True)
    alt_url = models.TextField(blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="Milliseconds")
    native_payload = models.JSONField(null=True, blank=True)
    is_reusable = models.BooleanField(default=False)
    attachment_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["draft", "position"], name="block_position_unique")]

    def __str__(self) -> str:
        return f"{self.draft} #{self.position} ({self.type})"

    def to_block(self) -> Block:
        return Block(
            type=self.type,
            text=self.text,
            url=self.url,
            alt_url=self.alt_url,
            duration=self.duration,
            native_payload=self.native_payload,
            is_reusable=self.is_reusable,
            attachment_id=self.attachment_id,
        )
