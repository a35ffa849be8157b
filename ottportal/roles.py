"""Roles (Django groups) and what each may do, for views, templates and the API.

A role is a group; a capability is something a screen or endpoint needs. Views ask for a
capability, never for a group, so who-may-do-what lives in this one table.
"""

from __future__ import annotations

from fnmatch import fnmatch
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

ADMINS = "Admins"
MARKETERS = "Marketers"
AUDITORS = "Auditors"
APPROVERS = "Approvers"  # a second person who approves sends; often also a marketer
ROLES = (ADMINS, MARKETERS, APPROVERS, AUDITORS)
# The role as pages name it (the group's name stays English: settings and the identity provider use it).
ROLE_LABELS = {ADMINS: _("Admins"), MARKETERS: _("Marketers"), APPROVERS: _("Approvers"), AUDITORS: _("Auditors")}

CAPABILITIES: dict[str, frozenset[str]] = {
    "view_senders": frozenset(ROLES),
    "approve": frozenset({ADMINS, APPROVERS}),
    "manage_senders": frozenset({ADMINS}),
    "view_drafts": frozenset(ROLES),
    "compose": frozenset({ADMINS, MARKETERS}),
    "send": frozenset({ADMINS, MARKETERS}),
    "view_history": frozenset(ROLES),
    "view_audit": frozenset({ADMINS, AUDITORS}),
    "view_audiences": frozenset(ROLES),
    "manage_audiences": frozenset({ADMINS, MARKETERS}),
    # Recipient ids in audiences shown whole; auditors see them masked.
    "view_recipient_ids": frozenset({ADMINS, MARKETERS, APPROVERS}),
    "view_suppressions": frozenset(ROLES),
    "manage_suppressions": frozenset({ADMINS, MARKETERS}),  # add one, import
    "remove_suppressions": frozenset({ADMINS}),
}

# Django model permissions each group gets (for the admin site), as "app_label.codename" patterns.
# History (Send, Delivery) is view-only for everybody.
# Audiences and the suppression list are read-only there (their pages keep the rules and the log).
ROLE_MODEL_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ADMINS: (
        "senders.*",
        "ott_messages.*_draft",
        "ott_messages.*_contentblock",
        "ott_messages.view_*",
        "audiences.view_*",
    ),
    MARKETERS: (
        "senders.view_*",
        "ott_messages.*_draft",
        "ott_messages.*_contentblock",
        "ott_messages.view_*",
        "audiences.view_*",
    ),
    APPROVERS: ("senders.view_*", "ott_messages.view_*", "audiences.view_*"),
    AUDITORS: ("senders.view_*", "ott_messages.view_*", "audiences.view_*"),
}


def user_roles(user) -> frozenset[str]:
    """The roles of a user; a superuser is an admin. Cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_ott_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMINS)
        cached = frozenset(names)
        user._ott_roles = cached
    return cached


def primary_role(user) -> str | None:
    """The strongest role a user holds, for display."""
    roles = user_roles(user)
    return next((role for role in ROLES if role in roles), None)


def has_capability(user, capability: str) -> bool:
    allowed = CAPABILITIES[capability]
    return bool(user_roles(user) & allowed)


def users_with(capability: str):
    """The active users who hold a capability (superusers count as admins), by username."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    roles = CAPABILITIES[capability]
    holders = Q(groups__name__in=roles) | (Q(is_superuser=True) if ADMINS in roles else Q(pk__in=[]))
    return get_user_model().objects.filter(holders, is_active=True).distinct().order_by("username")


def capability_required(capability: str):
    """View decorator: 403 (the "no access" page) unless the user's role has the capability."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise PermissionDenied(
                    gettext("Your role does not allow this (%(capability)s).")
                    % {"capability": capability.replace("_", " ")}
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class CapabilityPermission(BasePermission):
    """DRF permission: `read_capability` for safe methods, `write_capability` for the rest."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        name = "read_capability" if request.method in SAFE_METHODS else "write_capability"
        capability = getattr(view, name, None)
        if capability is None and getattr(view, "action", "") is None and request.user.is_authenticated:
            return True  # no handler for this method on this viewset: let it answer 405 Method Not Allowed
        return capability is not None and has_capability(request.user, capability)


# The main navigation: (capability needed, URL name, label, what it is for). Entries whose URL is
# not installed are skipped.
NAVIGATION: tuple[tuple[str, str, str, str], ...] = (
    (
        "view_senders",
        "senders:list",
        _("Senders"),
        _("Messenger pages and LINE channels registered with Marketing Cloud."),
    ),
    ("view_drafts", "messages:draft-list", _("Drafts"), _("Compose messages with a live preview.")),
    ("view_history", "messages:send-list", _("Sends"), _("Progress of every send.")),
    (
        "view_history",
        "messages:send-scheduled",
        _("Scheduled"),
        _("What starts in the next 7 days, or waits for approval."),
    ),
    ("view_history", "messages:delivery-list", _("History"), _("Every delivery, filterable, exportable.")),
    ("view_audiences", "audiences:list", _("Audiences"), _("Saved recipient lists with columns for placeholders.")),
    ("view_suppressions", "audiences:suppression-list", _("Suppressions"), _("Recipients who must never be messaged.")),
    ("view_audit", "audit", _("Audit log"), _("Logins, failed logins and sender changes.")),
)


def role_context(request) -> dict:
    """Template context: the user's role, a `can` map for buttons, and the navigation they may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    can = {name: has_capability(user, name) for name in CAPABILITIES}
    nav_items = []
    for capability, url_name, label, help_text in NAVIGATION:
        if can[capability]:
            try:
                nav_items.append({"url": reverse(url_name), "label": label, "help": help_text})
            except NoReverseMatch:
                continue
    role = primary_role(user)
    return {"user_role": ROLE_LABELS.get(role, role), "can": can, "nav_items": nav_items}


def sync_role_permissions(group_model, permission_model) -> None:
    """Create the role groups and give each exactly its model permissions (idempotent)."""
    all_permissions = list(permission_model.objects.select_related("content_type"))
    for role, patterns in ROLE_MODEL_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = [
            perm
            for perm in all_permissions
            if any(fnmatch(f"{perm.content_type.app_label}.{perm.codename}", p) for p in patterns)
        ]
        group.permissions.set(wanted)
