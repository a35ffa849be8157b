"""A person who signed in at the identity provider becomes (or is) a portal account, whose roles are
exactly what the groups claim maps to, at every login."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ottportal.models import SsoIdentity
from ottportal.sso.config import ADMINS, SSO_GROUPS, OidcConfig
from ottportal.sso.provider import SsoRefused

logger = logging.getLogger(__name__)
USERNAME_MAX = 150


@dataclass(frozen=True)
class SsoLogin:
    user: object
    created: bool
    added: tuple[str, ...]
    removed: tuple[str, ...]


def claim_at(claims: Mapping, path: str):
    """A claim by name, or by dotted path into nested objects (`realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def mapped_groups(config: OidcConfig, claims: Mapping) -> set[str]:
    """The portal groups the groups claim maps to. The claim may be a list or one string; values that
    the map does not name are ignored."""
    raw = claim_at(claims, config.groups_claim)
    if raw is None:
        values: list[str] = []
    elif isinstance(raw, str):
        values = [raw]
    elif isinstance(raw, list | tuple):
        values = [str(item) for item in raw if isinstance(item, str | int)]
    else:
        values = []
    return {config.group_map[value] for value in values if value in config.group_map}


def username_from(config: OidcConfig, claims: Mapping) -> str:
    """The account name: the configured claim (preferred_username), else the e-mail address, with the
    characters Django's usernames do not allow replaced by '-'."""
    for name in (config.username_claim, "email"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            cleaned = re.sub(r"[^\w.@+-]+", "-", value.strip()).strip("-")[:USERNAME_MAX]
            if cleaned:
                return cleaned
    words = _(
        "%(provider)s did not say who you are (no %(claim)s or email claim). An administrator must add one of "
        "them to what the provider sends the portal."
    )
    raise SsoRefused(words % {"provider": config.provider_name, "claim": config.username_claim})


def sso_user_sync(*, config: OidcConfig, claims: Mapping) -> SsoLogin:
    """Find the account of the person the verified claims describe (by issuer and subject), create it on
    the first login, refresh its name and e-mail, and set its role groups to exactly those the groups
    claim maps to (a group the map names but the database lacks, such as Approvers, is created)."""
    subject = claims.get("sub")
    issuer = claims.get("iss") or config.issuer
    if not isinstance(subject, str) or not subject:
        words = _("%(provider)s sent no subject (sub) for you, so the portal cannot tell who you are.")
        raise SsoRefused(words % {"provider": config.provider_name})
    try:
        with transaction.atomic():
            return _sync(config=config, claims=claims, issuer=issuer, subject=subject)
    except IntegrityError as exc:  # two first logins of the same person at once: the other one won
        raise SsoRefused(
            _("Your account was being set up by another sign-in at the same moment. Sign in again.")
        ) from exc


def _sync(*, config: OidcConfig, claims: Mapping, issuer: str, subject: str) -> SsoLogin:
    User = get_user_model()
    identity = SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    created = identity is None
    if identity is None:
        username = username_from(config, claims)
        if User.objects.filter(username=username).exists():
            logger.warning(
                "SSO: subject %s at %s is refused: the username %s is taken by an account not linked to it",
                subject,
                issuer,
                username,
            )
            words = _(
                "The portal already has an account named “%(username)s” that is not linked to your %(provider)s "
                "sign-in. Ask an administrator to link it (Django admin, SSO identities) or to rename it."
            )
            raise SsoRefused(words % {"username": username, "provider": config.provider_name}, username=username)
        user = User.objects.create_user(username=username)  # no password: this account signs in through SSO
        identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    user = identity.user
    if not user.is_active:
        words = _("The portal account “%(username)s” is deactivated. Ask an administrator to reactivate it.")
        raise SsoRefused(words % {"username": user.get_username()}, username=user.get_username())
    for field, claim in (("email", "email"), ("first_name", "given_name"), ("last_name", "family_name")):
        value = claims.get(claim)
        if isinstance(value, str):
            setattr(user, field, value[: User._meta.get_field(field).max_length])
    wanted = mapped_groups(config, claims)
    current = set(user.groups.filter(name__in=SSO_GROUPS).values_list("name", flat=True))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if removed:
        user.groups.remove(*Group.objects.filter(name__in=removed))
    for name in added:
        group, _created = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    user.is_staff = ADMINS in wanted or user.is_superuser  # admins use the Django admin site too
    user.save()
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    user.__dict__.pop("_ott_roles", None)
    if created or added or removed:
        logger.info(
            "SSO %s %s: roles %s (added %s, removed %s)",
            "created" if created else "login",
            user.get_username(),
            ", ".join(sorted(wanted)) or "none",
            ", ".join(added) or "none",
            ", ".join(removed) or "none",
        )
    return SsoLogin(user=user, created=created, added=tuple(added), removed=tuple(removed))
