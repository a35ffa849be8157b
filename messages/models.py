"""Drafts with their content blocks; sends and their deliveries (the history, never edited or deleted)."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from messages.bodies import delivery_body
from ott.networks import CONTENT_TYPES, MESSAGE_TAGS, MESSAGING_TYPES, NETWORK_CHOICES, NOTIFICATION_TYPES
from ott.payloads import BLOCK_FIELDS, MESSAGE_FIELDS, Block, Message
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
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def to_message(self) -> Message:
        """What this draft says, in the one shape forms, services, the API and the preview take."""
        return Message(
            network=self.sender.network,
            sender_id=self.sender.sender_id,
            blocks=tuple(block.to_block() for block in self.blocks.all()),
            **{name: getattr(self, name) for name in MESSAGE_FIELDS},
        )

    def set_message(self, message: Message) -> None:
        """Take the message's own fields (the blocks are rows of their own: `ContentBlock.of`)."""
        for name in MESSAGE_FIELDS:
            setattr(self, name, getattr(message, name) or "")


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
        return Block(**{name: getattr(self, name) for name in BLOCK_FIELDS})

    @classmethod
    def of(cls, block: Block, *, draft: Draft, position: int) -> ContentBlock:
        values = {name: getattr(block, name) for name in BLOCK_FIELDS}
        for name in ("text", "url", "alt_url", "attachment_id"):  # stored as "" when empty, never NULL
            values[name] = values[name] or ""
        return cls(draft=draft, position=position, **values)


class DraftChange(models.Model):
    """A draft's change history: who created, changed or deleted it, when, and what changed, in the
    words the draft page and the audit log show ("Block 2 text changed"). Kept when the draft is
    deleted (the deletion is an entry too), so an admin or auditor can still see who did it."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        COPIED = "copied", _("Created as a copy")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")

    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    draft_pk = models.PositiveIntegerField(help_text="The draft's number, kept after it is deleted")
    draft_name = models.CharField(max_length=200, help_text="The draft's name then")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action)
    lines = models.JSONField(default=list, blank=True, help_text='["Block 2 text changed: …", ...]')
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["draft", "-created_at"], name="draftchange_draft_newest")]

    def __str__(self) -> str:
        return f"“{self.draft_name}” (#{self.draft_pk}): {self.get_action_display()}"

    @property
    def summary(self) -> str:
        return "; ".join(self.lines)


class DraftSeen(models.Model):
    """When a user last opened a draft's page: its owner is told what others changed since."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["draft", "user"], name="draft_seen_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user} saw draft {self.draft_id} at {self.seen_at}"


class Send(models.Model):
    """One submission of a draft to one or many recipients, with a frozen copy of what was sent."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")
        DONE_WITH_ERRORS = "done_with_errors", _("Done with errors")
        CANCELED = "canceled", _("Canceled")
        REJECTED = "rejected", _("Rejected by the approver")

    FINISHED = (Status.DONE, Status.DONE_WITH_ERRORS, Status.CANCELED, Status.REJECTED)
    # Not started yet: the schedule can still change.
    WAITING = (Status.PREPARING, Status.PENDING_APPROVAL, Status.SCHEDULED)

    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.SET_NULL, related_name="sends")
    draft_name = models.CharField(max_length=200)
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="sends")
    sender_name = models.CharField(max_length=100)
    network = models.CharField(max_length=16, choices=NETWORK_CHOICES, db_index=True)
    template = models.JSONField(help_text="The request body every recipient gets, without messageKey and to")
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0, help_text="Recipient rows refused before queuing")
    duplicate_count = models.PositiveIntegerField(default=0, help_text="Repeated recipients collapsed before queuing")
    is_test = models.BooleanField(default=False, help_text="A test send to the sender's own saved test recipients")
    refused_lines = models.JSONField(
        default=list, blank=True, help_text="[[line, text, reason], ...]: the first refused recipient rows"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="sends")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    canceled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Preparation: the deliveries are written in batches (by the worker for big audiences).
    prepared = models.PositiveIntegerField(
        default=0, help_text="Recipient rows gone through so far (a delivery written, or the row refused)"
    )
    prepared_line = models.PositiveIntegerField(
        default=0, help_text="The last recipient line prepared: a resume goes on after it"
    )
    audience_digest = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the recipients, in order")
    # Schedule: None = as soon as it is ready.
    scheduled_at = models.DateTimeField(null=True, blank=True, db_index=True)
    schedule_time_zone = models.CharField(max_length=64, blank=True, help_text="The zone the time was given in")
    # Four eyes.
    needs_approval = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_fingerprint = models.CharField(max_length=64, blank=True, help_text="What was approved (see lifecycle)")
    # Pauses: why it is paused now (an English msgid and its values, see messages/stored_words.py); when
    # it was last resumed (the error-spike window starts again then).
    paused_reason = models.TextField(blank=True)
    paused_reason_args = models.JSONField(
        default=dict, blank=True, help_text="The values of paused_reason's placeholders"
    )
    resumed_at = models.DateTimeField(null=True, blank=True)
    # Canary: the first `canary` deliveries (ids up to canary_last_id) go first; the rest wait for them.
    canary = models.PositiveIntegerField(default=0, help_text="Deliveries in the canary; 0 = no canary")
    canary_last_id = models.BigIntegerField(null=True, blank=True)
    canary_passed = models.BooleanField(default=False)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries", help_text="The send retried"
    )
    audience = models.ForeignKey(
        "audiences.Audience",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sends",
        help_text="The saved audience sent to (read-only from then on); empty for pasted or uploaded recipients",
    )
    send_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Send to at most this many recipients (the allowance left, when the marketer chose to send up to it)",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Send #{self.pk} of {self.draft_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class Delivery(models.Model):
    """One `POST /ott/v1/send` for one recipient: its body, its outcome and the network's events."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")
        SUPPRESSED = "suppressed", _("Suppressed")
        CAPPED = "capped", _("Over the frequency cap")

    PENDING = (Status.QUEUED, Status.SENDING)
    POSTED = (Status.SENT, Status.REJECTED, Status.FAILED)
    SKIPPED = (Status.SUPPRESSED, Status.CAPPED)  # left out by a rule, never posted; the reason in error_message
    TERMINAL = (Status.SENT, Status.REJECTED, Status.FAILED, Status.CANCELED, *SKIPPED)

    # The foreign keys' own indexes are left out: the composite indexes below start with each of them.
    send = models.ForeignKey(Send, on_delete=models.PROTECT, related_name="deliveries", db_index=False)
    # Copies of the send's network, sender and author so the history filters need no join. The send's
    # own foreign keys already hold the sender and author, so these two have no constraint in the
    # database (on PostgreSQL each inserted row would fire a check for each); Django still applies
    # on_delete: a sender with deliveries cannot be deleted, a deleted author's become None.
    network = models.CharField(max_length=16, choices=NETWORK_CHOICES)
    sender = models.ForeignKey(
        Sender, on_delete=models.PROTECT, related_name="deliveries", db_index=False, db_constraint=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    message_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    ott_id = models.CharField(max_length=256, blank=True)
    user_reference = models.CharField(max_length=256, blank=True)
    # The body is not stored: messages.bodies rebuilds it, byte for byte, from the send's template,
    # the messageKey, the recipient and this.
    message = models.TextField(blank=True, help_text="This recipient's filled message (JSON); empty: the template's")
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    needs_lookup = models.BooleanField(
        default=False, help_text="The last attempt may have reached Marketing Cloud: ask before resending"
    )
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    ott_request_id = models.CharField(max_length=100, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    validation_errors = models.JSONField(default=list, blank=True)
    response_body = models.TextField(blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    network_events = models.JSONField(default=list, blank=True)
    events_checked_at = models.DateTimeField(null=True, blank=True)
    events_final = models.BooleanField(default=False)
    network_error = models.BooleanField(
        default=False, help_text="Marketing Cloud accepted it, then the network refused it (an Error event)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Triggers keep the send's counts (SendCount): SQLite drops them when a migration alters this
        # table, so such a migration puts them back (see 0016).
        # Newest first by id (ids grow with time): keyset pagination on one column, and each filter
        # has an index that yields its rows already in that order.
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "-id"], name="delivery_status_newest"),
            models.Index(fields=["network", "-id"], name="delivery_network_newest"),
            models.Index(fields=["sender", "-id"], name="delivery_sender_newest"),
            models.Index(fields=["created_by", "-id"], name="delivery_user_newest"),
            models.Index(fields=["created_at"], name="delivery_created"),
            models.Index(fields=["send", "status"], name="delivery_send_status"),
            # Only the rows in a worker's hands have a lease (prepared and finished rows have none):
            # `recover` finds the expired ones among those few. The status is in it so that SQLite,
            # which keeps no statistics here, picks it over delivery_status_newest.
            models.Index(
                fields=["status", "lease_until"], condition=Q(lease_until__isnull=False), name="delivery_lease"
            ),
            # Search: exact ottRequestId; an ottId or userReference that is or starts with the words
            # (on PostgreSQL the pattern operator class serves both; SQLite ignores it).
            models.Index(fields=["ott_request_id"], name="delivery_ott_request_id"),
            models.Index(fields=["ott_id"], name="delivery_ott_id", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["user_reference"], name="delivery_user_reference", opclasses=["varchar_pattern_ops"]),
            # The send page's figures besides the counts, each read from an index over its few rows.
            models.Index(fields=["send", "status"], condition=Q(network_error=True), name="delivery_network_error"),
            models.Index(
                fields=["send", "status", "next_attempt_at"],
                condition=Q(status="queued", attempts__gt=0),
                name="delivery_retry_waiting",
            ),
            models.Index(
                fields=["send", "status", "error_message"],
                condition=Q(status__in=("rejected", "failed")),
                name="delivery_send_errors",
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.message_key}"

    @property
    def body(self) -> str:
        """The exact request body, as JSON text (see messages.bodies)."""
        return delivery_body(self)

    @property
    def payload(self) -> dict:
        """The request body as data."""
        return json.loads(self.body)

    @property
    def recipient(self) -> str:
        return self.ott_id or self.user_reference


class SendCount(models.Model):
    """How many of a send's deliveries are in each status, so the send page never counts a million
    rows: database triggers on the delivery table (migration 0013) count each status change and delete
    in its own transaction, and the code that inserts deliveries counts them (messages.counts). On
    PostgreSQL each connection adds to its own `shard` row (its backend pid modulo 16), so workers
    posting the same send do not wait for each other's counter row; the count of a status is the sum
    over its shards. Read it with `messages.selectors.send_counts`."""

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    status = models.CharField(max_length=16)
    shard = models.SmallIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["send", "status", "shard"], name="send_count_unique")]

    def __str__(self) -> str:
        return f"{self.send_id} {self.status}: {self.n}"


class SendEvent(models.Model):
    """One line of a send's timeline: what happened to it, when, and who did it (None: the portal)."""

    class Event(models.TextChoices):
        CREATED = "created", _("Created")
        PREPARED = "prepared", _("Prepared")
        APPROVAL_REQUESTED = "approval_requested", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SCHEDULED = "scheduled", _("Scheduled")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        STARTED = "started", _("Started")
        CANARY_PASSED = "canary_passed", _("Canary passed")
        PAUSED = "paused", _("Paused")
        RESUMED = "resumed", _("Resumed")
        CANCELED = "canceled", _("Canceled")
        FINISHED = "finished", _("Finished")
        RETRIED = "retried", _("Failed deliveries retried")

    send = models.ForeignKey(Send, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=24, choices=Event)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An English msgid and its values (see messages/stored_words.py); older rows hold finished text.
    detail = models.TextField(blank=True)
    detail_args = models.JSONField(default=dict, blank=True, help_text="The values of detail's placeholders")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_event_display()} at {self.at}"


class Attempt(models.Model):
    """One HTTP exchange for a delivery (or a status lookup before a resend)."""

    class Kind(models.TextChoices):
        SEND = "send", _("Send")
        LOOKUP = "lookup", _("Status lookup")

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")
        FOUND = "found", _("Found: Marketing Cloud has it")
        UNKNOWN = "unknown", _("Not found or no answer")

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, default=Kind.SEND, choices=Kind)
    at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "at", "id"]
        # /metrics reads the last minute of attempts at every scrape (ottportal/metrics.py).
        indexes = [models.Index(fields=["at"], name="attempt_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} of {self.delivery_id}: {self.outcome}"


class RecipientList(models.Model):
    """Recipients checked and waiting on the confirm page; consumed (deleted) when the send is queued,
    so confirming twice cannot send twice. Kept small: the first refused lines only, and a few per user."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(
        help_text="[[ott_id, user_reference], ...] or [[ott_id, user_reference, {column: value}], ...]; "
        "empty when the recipients are an audience"
    )
    audience = models.ForeignKey(
        "audiences.Audience",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The recipients: a saved audience, or a CSV file uploaded for this send (a one-off audience)",
    )
    invalid = models.JSONField(default=list, help_text="[[line, text, reason], ...]")
    invalid_count = models.PositiveIntegerField(default=0, help_text="Refused lines in all, listed or not")
    duplicate_count = models.PositiveIntegerField(default=0)
    send = models.OneToOneField(
        Send,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="recipient_list",
        help_text="The send being prepared from this list (the list is deleted once it is prepared)",
    )

    def __str__(self) -> str:
        size = self.audience.size if self.audience_id else len(self.recipients)
        return f"{size} recipients for {self.draft_id}"


class SenderHold(models.Model):
    """Marketing Cloud holds a sender (429: rate limited or temporarily blocked), or the breaker does
    after failures in a row: until when, and why. Written by the worker, read by the send page."""

    class Kind(models.TextChoices):
        RATE_LIMITED = "rate_limited", _("Held by Marketing Cloud's rate limit")
        BLOCKED = "blocked", _("Blocked for a while by Marketing Cloud")
        BREAKER = "breaker", _("Paused after repeated failures")
        QUIET_HOURS = "quiet_hours", _("Held: the sender's quiet hours")

    sender = models.OneToOneField(Sender, on_delete=models.CASCADE, related_name="hold")
    until = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind)
    reason = models.CharField(max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.sender_id} held until {self.until}"


class WorkerHeartbeat(models.Model):
    """A worker process that is alive writes its row every few seconds; pages and /readyz read them."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"worker {self.hostname}:{self.pid}"
