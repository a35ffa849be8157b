"""Writes to drafts and sends.

Every draft save runs `ott.rules` on the body the draft would send, so a draft that Marketing Cloud or
the network would refuse is never stored. `send_create` is the outbox: the send, one delivery per
recipient and the tasks that will deliver them are written in one transaction.
"""

from __future__ import annotations

import re
import uuid

from django.db import transaction
from django.utils import timezone

from messages import lifecycle
from messages.models import ContentBlock, Delivery, Draft, RecipientList, Send
from messages.recipients import row_problems
from messages.tasks import enqueue_deliveries, schedule_housekeeping
from ott import rules
from ott.payloads import Block, Message, build_send_body, message_template, send_body
from senders.models import Sender

SAMPLE_MESSAGE_KEY = "00000000-0000-4000-8000-000000000000"
SAMPLE_OTT_ID = "sample-recipient"
DRAFT_FIELDS = ("subject", "message_group_key", "messaging_type", "tag", "notification_type")
BLOCK_FIELDS = ("type", "text", "url", "alt_url", "duration", "native_payload", "is_reusable", "attachment_id")

# Where a rule's camelCase path lands among the draft's fields.
_FIELD_NAMES = {
    "from.senderId": "sender",
    "from.senderType": "sender",
    "messageGroupKey": "message_group_key",
    "message.subject": "subject",
    "message.contents": "contents",
    "message.customKeys.messagingType": "messaging_type",
    "message.customKeys.tag": "tag",
    "message.customKeys.notificationType": "notification_type",
}
_BLOCK_PATH = re.compile(r"^message\.contents\[(\d+)\]\.(\w+)")


class DraftInvalid(Exception):
    """The draft breaks a rule; `errors` maps each field (blocks as `contents[N].field`) to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(m for messages in errors.values() for m in messages))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def field_name(path: str) -> str:
    """The draft field a rule's path points at: `message.contents[2].altUrl` -> `contents[2].alt_url`."""
    if match := _BLOCK_PATH.match(path):
        return f"contents[{match.group(1)}].{_snake(match.group(2))}"
    return _FIELD_NAMES.get(path, "non_field_errors")


def _block_values(block: dict) -> dict:
    return {key: block[key] for key in BLOCK_FIELDS if key in block}


def draft_message(*, sender: Sender, blocks: list[dict], **fields) -> Message:
    return Message(
        network=sender.network,
        sender_id=sender.sender_id,
        blocks=tuple(Block(**_block_values(block)) for block in blocks),
        **{k: fields.get(k) or "" for k in DRAFT_FIELDS},
    )


def draft_problems(*, sender: Sender, blocks: list[dict], **fields) -> dict[str, list[str]]:
    """Every reason this draft could not be sent, by field; {} when it is fine."""
    errors: dict[str, list[str]] = {}
    if not sender.is_active:
        errors["sender"] = [f"{sender.name} is inactive: choose an active sender."]
    body = build_send_body(
        draft_message(sender=sender, blocks=blocks, **fields), message_key=SAMPLE_MESSAGE_KEY, ott_id=SAMPLE_OTT_ID
    )
    for problem in rules.check(body):
        errors.setdefault(field_name(problem.field), []).append(problem.message)
    return errors


def draft_values(draft: Draft) -> dict:
    """A stored draft as the keyword arguments draft_update and draft_problems take."""
    values = {k: getattr(draft, k) for k in ("name", "sender", *DRAFT_FIELDS)}
    values["blocks"] = [{k: getattr(b, k) for k in BLOCK_FIELDS} for b in draft.blocks.all()]
    return values


def draft_problems_of(draft: Draft) -> dict[str, list[str]]:
    """Why a stored draft cannot be sent now (its sender was deactivated, say); {} when it can."""
    values = draft_values(draft)
    values.pop("name")
    return draft_problems(**values)


def _save_blocks(draft: Draft, blocks: list[dict]) -> None:
    draft.blocks.all().delete()
    ContentBlock.objects.bulk_create(
        ContentBlock(draft=draft, position=index, **_block_values(block)) for index, block in enumerate(blocks, start=1)
    )


def draft_create(*, owner, name: str, sender: Sender, blocks: list[dict], **fields) -> Draft:
    if errors := draft_problems(sender=sender, blocks=blocks, **fields):
        raise DraftInvalid(errors)
    with transaction.atomic():
        draft = Draft.objects.create(
            owner=owner, name=name, sender=sender, **{k: fields.get(k) or "" for k in DRAFT_FIELDS}
        )
        _save_blocks(draft, blocks)
    return draft


def draft_update(*, draft: Draft, name: str, sender: Sender, blocks: list[dict], **fields) -> Draft:
    """Replace a draft's fields and blocks; on any problem nothing changes."""
    if errors := draft_problems(sender=sender, blocks=blocks, **fields):
        raise DraftInvalid(errors)
    with transaction.atomic():
        draft.name, draft.sender = name, sender
        for key in DRAFT_FIELDS:
            setattr(draft, key, fields.get(key) or "")
        draft.save()
        _save_blocks(draft, blocks)
    return draft


class SendRefused(Exception):
    """A send that cannot start; the message says why in words a marketer understands."""


REFUSED_LINES_KEPT = 1000  # refused recipient rows kept with a send, to view and download later


def send_create(
    *,
    draft: Draft,
    recipients: list[tuple[str, str]],
    user,
    invalid_count: int = 0,
    duplicate_count: int = 0,
    refused_lines: list | None = None,
    is_test: bool = False,
) -> Send:
    """Queue `draft` for each (ott_id, user_reference): the send with a frozen copy of the message,
    its deliveries and their tasks, in one transaction."""
    sender = draft.sender
    if not sender.is_active:
        raise SendRefused(f"{sender.name} is inactive: no new send can start from it. Choose an active sender.")
    if not recipients:
        raise SendRefused("There is no valid recipient to send to.")
    for number, (ott_id, user_reference) in enumerate(recipients, start=1):
        if problems := row_problems(ott_id, user_reference, sender.network):
            raise SendRefused(f"Recipient {number}: {' '.join(problems)}")
    if problems := draft_problems_of(draft):
        raise SendRefused("The draft cannot be sent: " + " ".join(m for errors in problems.values() for m in errors))
    template = message_template(draft.to_message())
    with transaction.atomic():
        send = Send.objects.create(
            draft=draft,
            draft_name=draft.name,
            sender=sender,
            sender_name=sender.name,
            network=sender.network,
            template=template,
            total=len(recipients),
            invalid_count=invalid_count,
            duplicate_count=duplicate_count,
            refused_lines=(refused_lines or [])[:REFUSED_LINES_KEPT],
            is_test=is_test,
            created_by=user,
        )
        now = timezone.now()
        deliveries = []
        for ott_id, user_reference in recipients:
            key = uuid.uuid4()
            deliveries.append(
                Delivery(
                    send=send,
                    network=send.network,
                    sender=sender,
                    created_by=user,
                    message_key=key,
                    ott_id=ott_id,
                    user_reference=user_reference,
                    created_at=now,
                    payload=send_body(template, message_key=str(key), ott_id=ott_id, user_reference=user_reference),
                )
            )
        created = Delivery.objects.bulk_create(deliveries, batch_size=2000)
        enqueue_deliveries(send.pk, [d.pk for d in created])
        schedule_housekeeping()
    return send


def send_test(draft: Draft, user) -> Send:
    """Send the draft at once to the user's saved test recipients for its network, marked as a test."""
    from ottportal.models import settings_of

    recipients = [tuple(row) for row in settings_of(user).test_recipients.get(draft.sender.network, [])]
    if not recipients:
        raise SendRefused(
            f"You have no test recipients on {draft.sender.get_network_display()} yet: add them in Your settings."
        )
    return send_create(draft=draft, recipients=recipients, user=user, is_test=True)


def send_recipient_list(list_id, user) -> Send:
    """Queue the send a confirm page shows, consuming its recipient list in the same transaction: a
    second confirm (double click, back button) finds nothing and queues nothing."""
    with transaction.atomic():
        pending = (
            RecipientList.objects.select_for_update()
            .select_related("draft__sender")
            .filter(pk=list_id, created_by=user)
            .first()
        )
        if pending is None:
            raise SendRefused("This list was already sent.")
        send = send_create(
            draft=pending.draft,
            recipients=[tuple(r) for r in pending.recipients],
            user=user,
            invalid_count=len(pending.invalid),
            duplicate_count=pending.duplicate_count,
            refused_lines=pending.invalid,
        )
        pending.delete()
    return send


def send_cancel(send: Send, user) -> lifecycle.Canceled:
    """Cancel the send: nothing of it that has not been posted yet will be (see lifecycle.cancel)."""
    try:
        return lifecycle.cancel(send, user)
    except lifecycle.TransitionRefused as exc:
        raise SendRefused(str(exc)) from exc
