from django import template

from messages.forms import error_slot
from ott.networks import NETWORKS, Network

register = template.Library()


@register.filter
def slot(slots: dict, slot_id: str) -> list:
    """The error messages of one composer error slot: `{{ live.slots|slot:sid }}`."""
    return slots.get(slot_id, []) if isinstance(slots, dict) else []


@register.simple_tag
def slot_id(prefix: str, field: str) -> str:
    return error_slot(prefix, field)


@register.filter
def network_of(value) -> Network | None:
    """The registry's entry for a network given by name (or already a Network): `{{ name|network_of }}`."""
    return value if isinstance(value, Network) else NETWORKS.get(str(value or ""))
