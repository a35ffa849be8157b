"""Writes to senders: register with Marketing Cloud, import, rename/activate, sending rules, delete."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from ott.client import Accepted, OttClient, OttError, Rejected
from ott.networks import NETWORKS, active_flag
from ottportal import audit
from senders.forms import RULE_FIELDS, sender_id_validator
from senders.models import DeletedSender, Sender, SenderChange

logger = logging.getLogger(__name__)


class SenderError(Exception):
    """A sender change that cannot be made; the message is safe to show (it never holds a secret)."""


def describe_refusal(outcome) -> str:
    if isinstance(outcome, Rejected):
        details = [str(item.get("message")) for item in outcome.validation_errors if isinstance(item, dict)]
        return gettext("Marketing Cloud refused it: %(why)s") % {"why": "; ".join([outcome.message, *details])}
    return gettext("Marketing Cloud could not be reached or did not accept it: %(why)s") % {"why": outcome.reason}


def _exists(info, sender_id: str) -> str:
    return gettext("A %(network)s sender with %(id_label)s %(sender_id)s already exists.") % {
        "network": info.label,
        "id_label": gettext(info.sender_label),
        "sender_id": sender_id,
    }


def _log(sender: Sender, user, action: str, changes: dict | None = None) -> None:
    SenderChange.objects.create(
        sender=sender,
        sender_label=str(sender),
        network=sender.network,
        user=user,
        action=action,
        changes=changes or {},
    )
    audit.record(audit.action_of("sender", action), user=user, obj=sender, **_before_after(changes or {}))


def _before_after(changes: dict) -> dict:
    """{field: [old, new]} as the audit trail's before and after."""
    if not changes:
        return {}
    return {"before": {k: old for k, (old, _) in changes.items()}, "after": {k: new for k, (_, new) in changes.items()}}


def sender_register(*, network: str, attributes: dict, user, existing: Sender | None = None) -> Sender:
    """Register (or, with `existing`, re-register) a sender with Marketing Cloud, then save it.

    `attributes` are Marketing Cloud's registration attributes, secrets included; only the
    non-secret ones are stored. If Marketing Cloud refuses, nothing is saved.
    """
    info = NETWORKS[network]
    sender_id = str(attributes[info.id_attribute])
    duplicate = Sender.objects.filter(network=network, sender_id=sender_id)
    if existing is not None:
        duplicate = duplicate.exclude(pk=existing.pk)
        if existing.sender_id != sender_id or existing.network != network:
            raise SenderError(
                gettext("Re-registration keeps the %(id_label)s; register a new sender instead.")
                % {"id_label": gettext(info.sender_label)}
            )
    if duplicate.exists():
        raise SenderError(_exists(info, sender_id))

    outcome = OttClient.from_settings().register(network, attributes)
    if not isinstance(outcome, Accepted):
        logger.warning("registration of %s %s refused: %s", network, sender_id, describe_refusal(outcome))
        raise SenderError(describe_refusal(outcome))

    action = SenderChange.Action.REGISTERED if existing is None else SenderChange.Action.REREGISTERED
    try:
        sender, _ = sender_record(network=network, attributes=attributes, user=user, action=action)
    except IntegrityError as exc:
        raise SenderError(_exists(info, sender_id)) from exc
    return sender


def sender_record(*, network: str, attributes: dict, user, action: str) -> tuple[Sender, str]:
    """Create or update the portal's copy of a registration Marketing Cloud has accepted.

    Stores only the non-secret attributes, logs what changed under `action`, and says whether the
    sender was "created", "updated" or "unchanged". An import never changes the active flag of a
    sender the portal already has: that is an admin's decision in the portal. A registration (an
    admin's explicit act) sets it, and brings back a sender that was deleted.
    """
    info = NETWORKS[network]
    sender_id = str(attributes[info.id_attribute])
    importing = action == SenderChange.Action.IMPORTED
    values = {
        "name": str(attributes[info.name_attribute]),
        "is_active": active_flag(attributes.get("isActive")),
        "attributes": info.public_attributes(attributes),
        "last_synced_at": timezone.now(),
    }
    with transaction.atomic():
        if not importing:
            DeletedSender.objects.filter(network=network, sender_id=sender_id).delete()
        sender = Sender.objects.select_for_update().filter(network=network, sender_id=sender_id).first()
        if sender is None:
            sender = Sender.objects.create(network=network, sender_id=sender_id, registered_by=user, **values)
            _log(sender, user, action, {k: [None, v] for k, v in _shown(sender).items()})
            return sender, "created"
        if importing:
            del values["is_active"]
        before = _shown(sender)
        for name, value in values.items():
            setattr(sender, name, value)
        sender.save()
        changes = _diff(before, _shown(sender))
        if changes or action == SenderChange.Action.REREGISTERED:
            _log(sender, user, action, changes)
        return sender, "updated" if changes else "unchanged"


def _shown(sender: Sender) -> dict:
    """What the change log compares: the portal's fields, and each other attribute once.

    The id, name and isActive attributes are left out: `sender_id`, `name` and `is_active` say the same.
    """
    info = sender.network_info
    mirrored = {info.id_attribute, info.name_attribute, "isActive"}
    others = {key: value for key, value in sender.attributes.items() if key not in mirrored}
    return {"sender_id": sender.sender_id, "name": sender.name, "is_active": sender.is_active, **others}


def _editable(sender: Sender) -> dict:
    """What the change log compares for a change in the portal: also the portal's own settings
    (which a registration or an import never touches)."""
    return {**_shown(sender), "requires_approval": sender.requires_approval}


def _diff(before: dict, after: dict) -> dict:
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def sender_update(
    *,
    sender: Sender,
    user,
    name: str | None = None,
    is_active: bool | None = None,
    requires_approval: bool | None = None,
) -> Sender:
    """Rename, deactivate or reactivate, require approval or not, in the portal (Marketing Cloud keeps
    its registration). None leaves a field as it is. Sends already waiting keep what they were created
    with: the flag decides for new sends."""
    before = _editable(sender)
    if name is not None:
        sender.name = name
    if is_active is not None:
        sender.is_active = is_active
    if requires_approval is not None:
        sender.requires_approval = requires_approval
    changes = _diff(before, _editable(sender))
    if changes:
        with transaction.atomic():
            sender.save(update_fields=["name", "is_active", "requires_approval", "updated_at"])
            _log(sender, user, SenderChange.Action.UPDATED, changes)
    return sender


def _rule_value(value):
    """A rule as the change log keeps it (JSON): a time as HH:MM, a count as a number, off as None."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return None if value == "" else value


def sender_set_rules(*, sender: Sender, user, rules: dict) -> Sender:
    """Set the sender's sending rules (the fields of senders.forms.RULE_FIELDS in `rules`; None or ""
    turns one off), validated by the caller (SendingRulesForm). Logged like any other change."""
    before = {name: _rule_value(getattr(sender, name)) for name in RULE_FIELDS}
    for name, value in rules.items():
        if name not in RULE_FIELDS:
            raise ValueError(f"{name} is not a sending rule")
        setattr(sender, name, "" if name == "time_zone" and value is None else value)
    changes = _diff(before, {name: _rule_value(getattr(sender, name)) for name in RULE_FIELDS})
    if changes:
        with transaction.atomic():
            sender.save(update_fields=[*RULE_FIELDS, "updated_at"])
            _log(sender, user, SenderChange.Action.UPDATED, changes)
    return sender


def sender_has_history(sender: Sender) -> bool:
    """Whether anything besides the change log refers to the sender (drafts, sends...)."""
    for relation in sender._meta.related_objects:
        if relation.related_model is SenderChange:
            continue
        if relation.related_model._default_manager.filter(**{relation.field.name: sender}).exists():
            return True
    return False


def sender_delete(*, sender: Sender, user) -> None:
    """Delete the portal's copy; Marketing Cloud keeps the registration, and imports leave it out."""
    if sender_has_history(sender):
        raise SenderError(gettext("This sender has drafts or sends; it can only be deactivated, not deleted."))
    with transaction.atomic():
        _log(sender, user, SenderChange.Action.DELETED)
        DeletedSender.objects.update_or_create(
            network=sender.network,
            sender_id=sender.sender_id,
            defaults={"name": sender.name, "deleted_by": user},
        )
        sender.delete()


@dataclass(frozen=True)
class LeftAlone:
    """A registration the import did not apply, and why, in words."""

    sender: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sender}: {self.reason}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    left_alone: list[LeftAlone] = field(default_factory=list)

    def __str__(self) -> str:
        text = gettext("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.skipped:
            text += gettext(", %(skipped)s skipped (invalid id or name)") % {"skipped": self.skipped}
        return text


def _decision_kept(sender: Sender, listed_active: bool) -> LeftAlone | None:
    """The admin's active flag, kept although Marketing Cloud lists the sender otherwise."""
    if sender.is_active == listed_active:
        return None
    if listed_active:
        reason = gettext(
            "kept inactive. An admin deactivated it in the portal; Marketing Cloud still lists it as active. "
            "Reactivate it on its page if it should send again."
        )
    else:
        reason = gettext(
            "kept active. Marketing Cloud lists it as inactive, so its sends may be refused there; "
            "the portal's active flag is an admin's decision. Deactivate it here, or re-register it as active."
        )
    return LeftAlone(str(sender), reason)


def _deleted_reason(deleted: DeletedSender) -> LeftAlone:
    when = timezone.localtime(deleted.deleted_at).strftime("%Y-%m-%d %H:%M %Z")
    if deleted.deleted_by:
        reason = gettext(
            "not imported. An admin deleted it from the portal by %(who)s on %(when)s; Marketing Cloud keeps the "
            "registration. Register it again to bring it back."
        ) % {"who": deleted.deleted_by, "when": when}
    else:
        reason = gettext(
            "not imported. An admin deleted it from the portal on %(when)s; Marketing Cloud keeps the "
            "registration. Register it again to bring it back."
        ) % {"when": when}
    return LeftAlone(str(deleted).removesuffix(", deleted"), reason)


def sender_import(*, user) -> ImportResult:
    """Create or update the portal's senders from every registration Marketing Cloud has.

    Portal-side decisions stay: a sender an admin deleted is not brought back, and the active flag
    of a sender the portal has is not changed. The result lists each one left alone, with the reason.
    """
    client = OttClient.from_settings()
    result = ImportResult()
    for network, info in NETWORKS.items():
        try:
            items = client.list_registrations(network)
        except OttError as exc:
            raise SenderError(
                gettext("Importing %(network)s senders failed. %(why)s")
                % {"network": info.label, "why": describe_refusal(exc.outcome)}
            ) from exc
        deleted = {row.sender_id: row for row in DeletedSender.objects.filter(network=network)}
        for item in items:
            attributes = item.get("ottPlatformAttributes")
            if not isinstance(attributes, dict):
                result.skipped += 1
                continue
            sender_id = str(attributes.get(info.id_attribute) or "")
            name = str(attributes.get(info.name_attribute) or "")[:100]
            try:
                sender_id_validator(sender_id)
            except ValidationError:
                sender_id = ""
            if not sender_id or not name:
                result.skipped += 1
                continue
            if sender_id in deleted:
                result.left_alone.append(_deleted_reason(deleted[sender_id]))
                continue
            sender, outcome = sender_record(
                network=network,
                attributes={**attributes, info.name_attribute: name},
                user=user,
                action=SenderChange.Action.IMPORTED,
            )
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome != "created" and (kept := _decision_kept(sender, active_flag(attributes.get("isActive")))):
                result.left_alone.append(kept)
    return result
