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
from django.utils.translation import get_language, gettext_lazy, gettext_noop, ngettext_lazy
from django.utils.translation import gettext as _

from ott.networks import NETWORKS, active_flag

# Portal fields -> the registration attribute whose label (and meaning) they share.
_PORTAL_FIELDS = {"sender_id": "id", "name": "name", "is_active": "isActive"}
# Portal fields Marketing Cloud has no attribute for (yes/no flags).
PORTAL_ONLY_LABELS = {"requires_approval": gettext_lazy("Requires approval")}
# The sending rules (admins set them): their labels, the form's own.
RULE_LABELS = {
    "quiet_hours_start": gettext_lazy("Quiet hours start"),
    "quiet_hours_end": gettext_lazy("Quiet hours end"),
    "time_zone": gettext_lazy("Time zone"),
    "rate_limit": gettext_lazy("Rate limit"),
    "frequency_cap_24h": gettext_lazy("Frequency cap per 24 hours"),
    "frequency_cap_7d": gettext_lazy("Frequency cap per 7 days"),
    "daily_allowance": gettext_lazy("Daily allowance"),
    "monthly_allowance": gettext_lazy("Monthly allowance"),
}
# The networks' own words (ott/networks.py, which has no Django), translated where they are shown
# (`_(info.sender_label)`, `{% translate network.sender_noun %}`).
NETWORK_WORDS = (gettext_noop("Channel ID"), gettext_noop("Page ID"), gettext_noop("channel"), gettext_noop("page"))
EMPTY = "—"
OFF = gettext_lazy("Off")
DASH = "\N{EN DASH}"


def _labels(network: str) -> dict[str, tuple[str, bool]]:
    return _labels_in(network, get_language())


@cache
def _labels_in(network: str, language: str | None) -> dict[str, tuple[str, bool]]:
    """{key: (label, is a yes/no flag)} for every stored key of a network's senders, in a language."""
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
    return {"name": _("Name"), "is_active": _("Active"), "sender_id": _("Sender ID")}.get(key, key)


def value_text(network: str, key: str, value) -> str:
    if key in RULE_LABELS:
        return _rule_text(key, value)
    if value is None or value == "":
        return EMPTY
    is_flag = key in ("is_active", *PORTAL_ONLY_LABELS)
    is_flag = is_flag or (network in NETWORKS and _labels(network).get(key, ("", False))[1])
    if is_flag:
        return _("Yes") if active_flag(value) else _("No")
    return str(value)


def _rule_text(key: str, value) -> str:
    if key == "time_zone":
        return value or _("the portal's (%(zone)s)") % {"zone": settings.TIME_ZONE}
    if value is None or value == "":
        return str(OFF)
    return f"{value:,}" if isinstance(value, int) else str(value)


def rule_words(sender) -> list[tuple[str, str, str]]:
    """(key, label, words) of the sender's sending rules as a marketer reads them; "Off" where unset."""
    zone = sender.time_zone or settings.TIME_ZONE
    start, end = sender.quiet_hours_start, sender.quiet_hours_end
    quiet = _off()
    if start is not None and end is not None:
        quiet = _("%(window)s %(zone)s: nothing is posted then") % {
            "window": f"{start:%H:%M}{DASH}{end:%H:%M}",
            "zone": zone,
        }
    words = [("quiet_hours", _("Quiet hours"), quiet)]
    for key, label, counted, unset in _COUNTED_RULES:
        n = getattr(sender, key)
        words.append((key, str(label), counted % {"count": n, "n": f"{n:,}", "zone": zone} if n else unset()))
    return words


def _off() -> str:
    return str(OFF)


def _default_rate() -> str:
    default = settings.OTT_SENDER_RATE_LIMIT
    if not default:
        return _off()
    return _("Off: the portal's default, at most %(n)s posts a second per worker") % {"n": f"{default:,.0f}"}


# The rules that are a number, in the sender page's order: (field, label, the words (singular or plural
# by %(count)s, the number shown as %(n)s with thousands separators, the sender's zone as %(zone)s),
# what is said when it is unset).
_COUNTED_RULES = (
    (
        "frequency_cap_24h",
        gettext_lazy("Per person, 24 hours"),
        ngettext_lazy(
            "At most %(n)s message per person in 24 hours", "At most %(n)s messages per person in 24 hours", "count"
        ),
        _off,
    ),
    (
        "frequency_cap_7d",
        gettext_lazy("Per person, 7 days"),
        ngettext_lazy(
            "At most %(n)s message per person in 7 days", "At most %(n)s messages per person in 7 days", "count"
        ),
        _off,
    ),
    (
        "daily_allowance",
        gettext_lazy("Daily allowance"),
        ngettext_lazy("Up to %(n)s message a day (%(zone)s)", "Up to %(n)s messages a day (%(zone)s)", "count"),
        _off,
    ),
    (
        "monthly_allowance",
        gettext_lazy("Monthly allowance"),
        ngettext_lazy(
            "Up to %(n)s message a calendar month (%(zone)s)",
            "Up to %(n)s messages a calendar month (%(zone)s)",
            "count",
        ),
        _off,
    ),
    (
        "rate_limit",
        gettext_lazy("Speed"),
        ngettext_lazy("At most %(n)s post a second per worker", "At most %(n)s posts a second per worker", "count"),
        _default_rate,  # unset is the portal's own speed, if it has one
    ),
)


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str | None  # None: the attribute was not there before (a registration)
    new: str | None  # None: the attribute is gone

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new}"
        if self.new is None:
            return _("%(label)s: %(old)s (removed)") % {"label": self.label, "old": self.old}
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
