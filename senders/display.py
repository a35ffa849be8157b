"""How a sender's attributes read on a page: one human label per attribute, flags as Yes/No.

The labels are the registration forms' own, so the form, the detail page, the change log and the
audit log call an attribute the same thing. A portal field and the Marketing Cloud attribute it
mirrors (`name` and `channelName`, `is_active` and `isActive`) share one label and one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django import forms

from ott.networks import NETWORKS, active_flag

# Portal fields -> the registration attribute whose label (and meaning) they share.
_PORTAL_FIELDS = {"sender_id": "id", "name": "name", "is_active": "isActive"}
# Portal fields Marketing Cloud has no attribute for (yes/no flags).
PORTAL_ONLY_LABELS = {"requires_approval": "Requires approval"}
EMPTY = "—"


@cache
def _labels(network: str) -> dict[str, tuple[str, bool]]:
    """{key: (label, is a yes/no flag)} for every stored key of a network's senders."""
    from senders.forms import REGISTRATION_FORMS

    form = REGISTRATION_FORMS[network]()
    labels = {
        attribute: (str(form.fields[field].label), isinstance(form.fields[field], forms.BooleanField))
        for field, attribute in form.attribute_names.items()
    }
    info = NETWORKS[network]
    mirrored = {"id": info.id_attribute, "name": info.name_attribute, "isActive": "isActive"}
    for field, attribute in _PORTAL_FIELDS.items():
        labels[field] = labels[mirrored[attribute]]
    return labels


def label_of(network: str, key: str) -> str:
    if key in PORTAL_ONLY_LABELS:
        return PORTAL_ONLY_LABELS[key]
    if network in NETWORKS and key in _labels(network):
        return _labels(network)[key][0]
    return {"name": "Name", "is_active": "Active", "sender_id": "Sender ID"}.get(key, key)


def value_text(network: str, key: str, value) -> str:
    if value is None or value == "":
        return EMPTY
    is_flag = key in ("is_active", *PORTAL_ONLY_LABELS)
    is_flag = is_flag or (network in NETWORKS and _labels(network).get(key, ("", False))[1])
    if is_flag:
        return "Yes" if active_flag(value) else "No"
    return str(value)


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str | None  # None: the attribute was not there before (a registration)
    new: str | None  # None: the attribute is gone

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new}"
        if self.new is None:
            return f"{self.label}: {self.old} (removed)"
        return f"{self.label}: {self.old} → {self.new}"


def change_lines(network: str, changes: dict) -> list[ChangeLine]:
    """A change log entry's {key: [old, new]} as lines, portal fields first, one line per label."""
    portal = [*_PORTAL_FIELDS, *PORTAL_ONLY_LABELS]
    ordered = [key for key in portal if key in changes] + [k for k in changes if k not in portal]
    lines, seen = [], set()
    for key in ordered:
        label = label_of(network, key)
        if label in seen:
            continue
        seen.add(label)
        old, new = changes[key]
        lines.append(
            ChangeLine(
                label,
                None if old is None else value_text(network, key, old),
                None if new is None else value_text(network, key, new),
            )
        )
    return lines


def attribute_facts(network: str, attributes: dict) -> list[tuple[str, str]]:
    """(label, value) of the stored registration attributes besides the id, the name and the flag."""
    info = NETWORKS[network]
    shown = {info.id_attribute, info.name_attribute, "isActive"}
    return [(label_of(network, k), value_text(network, k, v)) for k, v in attributes.items() if k not in shown]
