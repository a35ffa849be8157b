"""How a sender's attributes read on a page: one human label per attribute, flags as Yes/No.

The labels are the registration forms' own, so the form, the detail page, the change log and the
audit log call an attribute the same thing. A portal field and the Marketing Cloud attribute it
mirrors (`name` and `channelName`, `is_active` and `isActive`) share one label and one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django import forms
from django.conf import settings

from ott.networks import NETWORKS, active_flag

# Portal fields -> the registration attribute whose label (and meaning) they share.
_PORTAL_FIELDS = {"sender_id": "id", "name": "name", "is_active": "isActive"}
# Portal fields Marketing Cloud has no attribute for (yes/no flags).
PORTAL_ONLY_LABELS = {"requires_approval": "Requires approval"}
# The sending rules (admins set them): their labels, the form's own.
RULE_LABELS = {
    "quiet_hours_start": "Quiet hours start",
    "quiet_hours_end": "Quiet hours end",
    "time_zone": "Time zone",
    "rate_limit": "Rate limit",
    "frequency_cap_24h": "Frequency cap per 24 hours",
    "frequency_cap_7d": "Frequency cap per 7 days",
    "daily_allowance": "Daily allowance",
    "monthly_allowance": "Monthly allowance",
}
EMPTY = "—"
OFF = "Off"
DASH = "\N{EN DASH}"


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
    if key in RULE_LABELS:
        return RULE_LABELS[key]
    if network in NETWORKS and key in _labels(network):
        return _labels(network)[key][0]
    return {"name": "Name", "is_active": "Active", "sender_id": "Sender ID"}.get(key, key)


def value_text(network: str, key: str, value) -> str:
    if key in RULE_LABELS:
        return _rule_text(key, value)
    if value is None or value == "":
        return EMPTY
    is_flag = key in ("is_active", *PORTAL_ONLY_LABELS)
    is_flag = is_flag or (network in NETWORKS and _labels(network).get(key, ("", False))[1])
    if is_flag:
        return "Yes" if active_flag(value) else "No"
    return str(value)


def _rule_text(key: str, value) -> str:
    if key == "time_zone":
        return value or f"the portal's ({settings.TIME_ZONE})"
    if value is None or value == "":
        return OFF
    return f"{value:,}" if isinstance(value, int) else str(value)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def rule_words(sender) -> list[tuple[str, str, str]]:
    """(key, label, words) of the sender's sending rules as a marketer reads them; "Off" where unset."""
    zone = sender.time_zone or settings.TIME_ZONE
    start, end = sender.quiet_hours_start, sender.quiet_hours_end
    quiet = OFF
    if start is not None and end is not None:
        quiet = f"{start:%H:%M}{DASH}{end:%H:%M} {zone}: nothing is posted then"
    cap24, cap7, daily, monthly, rate = (
        sender.frequency_cap_24h,
        sender.frequency_cap_7d,
        sender.daily_allowance,
        sender.monthly_allowance,
        sender.rate_limit,
    )
    return [
        ("quiet_hours", "Quiet hours", quiet),
        (
            "frequency_cap_24h",
            "Per person, 24 hours",
            f"At most {_count(cap24, 'message', 'messages')} per person in 24 hours" if cap24 else OFF,
        ),
        (
            "frequency_cap_7d",
            "Per person, 7 days",
            f"At most {_count(cap7, 'message', 'messages')} per person in 7 days" if cap7 else OFF,
        ),
        (
            "daily_allowance",
            "Daily allowance",
            f"Up to {_count(daily, 'message', 'messages')} a day ({zone})" if daily else OFF,
        ),
        (
            "monthly_allowance",
            "Monthly allowance",
            f"Up to {_count(monthly, 'message', 'messages')} a calendar month ({zone})" if monthly else OFF,
        ),
        (
            "rate_limit",
            "Speed",
            f"At most {_count(rate, 'post', 'posts')} a second per worker" if rate else _default_rate(),
        ),
    ]


def _default_rate() -> str:
    default = settings.OTT_SENDER_RATE_LIMIT
    if not default:
        return OFF
    return f"{OFF}: the portal's default, at most {default:,.0f} posts a second per worker"


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
    portal = [*_PORTAL_FIELDS, *PORTAL_ONLY_LABELS, *RULE_LABELS]
    ordered = [key for key in portal if key in changes] + [k for k in changes if k not in portal]
    lines, seen = [], set()
    for key in ordered:
        label = label_of(network, key)
        if label in seen:
            continue
        seen.add(label)
        old, new = changes[key]
        is_rule = key in RULE_LABELS  # a rule is always there: None is "Off", not "absent"
        lines.append(
            ChangeLine(
                label,
                None if old is None and not is_rule else value_text(network, key, old),
                None if new is None and not is_rule else value_text(network, key, new),
            )
        )
    return lines


def attribute_facts(network: str, attributes: dict) -> list[tuple[str, str]]:
    """(label, value) of the stored registration attributes besides the id, the name and the flag."""
    info = NETWORKS[network]
    shown = {info.id_attribute, info.name_attribute, "isActive"}
    return [(label_of(network, k), value_text(network, k, v)) for k, v in attributes.items() if k not in shown]
