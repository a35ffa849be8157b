"""What changed between two versions of a draft, in the words a marketer reads on the draft page and
in the audit log: "Name: “Spring sale” → “Summer sale”", "Sender: Demo LINE → Spring shop",
"Block 2 text changed: “Hi” → “Hello”", "Block 3 added (image)", "Block 1 moved to position 2".

Pure: it compares two `DraftVersion`s and knows nothing of the database."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher

from ott.payloads import BLOCK_FIELDS, MESSAGE_FIELDS, Block, Message

SHOWN_CHARACTERS = 60  # longer values are cut, with "…": the page shows the whole draft anyway

MESSAGE_LABELS = {
    "subject": "Subject",
    "message_group_key": "Message group key",
    "messaging_type": "Messaging type",
    "tag": "Tag",
    "notification_type": "Notification type",
}
BLOCK_LABELS = {
    "type": "type",
    "text": "text",
    "url": "URL",
    "alt_url": "preview URL",
    "duration": "duration",
    "native_payload": "native payload",
    "is_reusable": "reusable attachment",
    "attachment_id": "attachment id",
}


@dataclass(frozen=True)
class DraftVersion:
    """A draft as it stands: its name, its sender's name (and network, id) and its message."""

    name: str
    sender: str
    message: Message

    @classmethod
    def of(cls, *, name: str, sender, message: Message) -> DraftVersion:
        return cls(
            name=name, sender=f"{sender.name} ({sender.get_network_display()} {sender.sender_id})", message=message
        )


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 1] + "…"


def _quoted(value) -> str:
    if value in (None, ""):
        return "(empty)"
    return f"“{_cut(str(value))}”"


def _choice(value: str) -> str:
    """A choice as the composer labels it (MESSAGE_TAG -> Message tag), or (none)."""
    return value.replace("_", " ").capitalize() if value else "(none)"


def _sender_line(before: str, after: str) -> str:
    """Senders by name; with network and id only where the names alone would not tell them apart."""

    def name(label: str) -> str:
        return label.rsplit(" (", 1)[0]

    if name(before) != name(after):
        return f"Sender: {name(before)} → {name(after)}"
    return f"Sender: {before} → {after}"


def _normal(block: Block) -> dict:
    """A block's values with "" and None alike, so a save that changes nothing reads as nothing."""
    values = asdict(block)
    for field in BLOCK_FIELDS:
        if values[field] is None and field not in ("duration", "native_payload"):
            values[field] = ""
    values["is_reusable"] = bool(values["is_reusable"])
    return values


def _key(block: Block) -> str:
    return json.dumps(_normal(block), sort_keys=True, ensure_ascii=False, default=str)


def _block_lines(number: int, old: Block, new: Block) -> list[str]:
    before, after = _normal(old), _normal(new)
    lines = []
    for field in BLOCK_FIELDS:
        if before[field] == after[field]:
            continue
        label = BLOCK_LABELS[field]
        if field == "type":
            lines.append(f"Block {number} type: {before[field].capitalize()} → {after[field].capitalize()}")
        elif field == "native_payload":
            lines.append(f"Block {number} {label} changed")
        elif field == "is_reusable":
            lines.append(f"Block {number} {label}: {'Yes' if after[field] else 'No'}")
        elif field == "duration":
            shown = [f"{value:,} ms" if value is not None else "(empty)" for value in (before[field], after[field])]
            lines.append(f"Block {number} {label}: {shown[0]} → {shown[1]}")
        else:
            lines.append(f"Block {number} {label} changed: {_quoted(before[field])} → {_quoted(after[field])}")
    return lines


def _blocks_lines(old: tuple[Block, ...], new: tuple[Block, ...]) -> list[str]:
    """Blocks matched by content, so adding one at the top reads as one addition, not every block
    changed; a block that only moved reads as a move."""
    old_keys, new_keys = [_key(b) for b in old], [_key(b) for b in new]
    changed: list[tuple[int, str]] = []  # (new position, line), sorted at the end
    removed: list[int] = []  # old positions (0-based)
    added: list[int] = []  # new positions (0-based)
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=old_keys, b=new_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            changed += [(j1 + k, line) for line in _block_lines(j1 + k + 1, old[i1 + k], new[j1 + k])]
        removed += range(i1 + paired, i2)
        added += range(j1 + paired, j2)
    moved, gone = [], []
    for i in removed:
        j = next((j for j in added if new_keys[j] == old_keys[i]), None)
        if j is not None:
            added.remove(j)
            moved.append(f"Block {i + 1} moved to position {j + 1}")
        else:
            gone.append(f"Block {i + 1} removed ({old[i].type})")
    lines = [line for _, line in sorted(changed, key=lambda item: item[0])]
    return lines + moved + gone + [f"Block {j + 1} added ({new[j].type})" for j in added]


def change_lines(before: DraftVersion, after: DraftVersion) -> list[str]:
    """Each difference between two versions of a draft, one line each; [] when they say the same."""
    lines = []
    if before.name != after.name:
        lines.append(f"Name: {_quoted(before.name)} → {_quoted(after.name)}")
    if before.sender != after.sender:
        lines.append(_sender_line(before.sender, after.sender))
    for field in MESSAGE_FIELDS:
        old, new = getattr(before.message, field) or "", getattr(after.message, field) or ""
        if old == new:
            continue
        if field in ("subject", "message_group_key"):
            lines.append(f"{MESSAGE_LABELS[field]}: {_quoted(old)} → {_quoted(new)}")
        else:
            lines.append(f"{MESSAGE_LABELS[field]}: {_choice(old)} → {_choice(new)}")
    return lines + _blocks_lines(before.message.blocks, after.message.blocks)


def audit_fields(version: DraftVersion) -> dict:
    """A version's values field by field, for the audit trail's before and after: name, sender, the
    message's fields and each block's (`block 2 text`), leaving out those that are empty."""
    fields = {"name": version.name, "sender": version.sender}
    fields |= {field: getattr(version.message, field) or "" for field in MESSAGE_FIELDS}
    for number, block in enumerate(version.message.blocks, start=1):
        fields |= {f"block {number} {name}": value for name, value in _normal(block).items()}
    return {name: value for name, value in fields.items() if value not in ("", None, False)}
