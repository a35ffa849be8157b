"""Recipient ids as a role may see them: auditors read audiences with ids masked (the first and last
two characters of a long id, less of a short one), everyone who can send sees them whole."""

from __future__ import annotations

from ottportal.roles import has_capability

HIDDEN = "•••"


def mask(value: str) -> str:
    """`U4f3c2a1b9e` -> `U4•••9e`; ids under 8 characters keep only their first; "" stays ""."""
    if not value:
        return ""
    if len(value) >= 8:
        return f"{value[:2]}{HIDDEN}{value[-2:]}"
    return f"{value[0]}{HIDDEN}" if len(value) > 2 else HIDDEN


def sees_recipients(user) -> bool:
    return has_capability(user, "view_recipient_ids")


def shown(value: str, user) -> str:
    return value if sees_recipients(user) else mask(value)
