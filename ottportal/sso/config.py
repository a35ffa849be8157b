"""The OIDC_* settings, read and checked once at start-up: a mistake stops the portal naming the
variable and the rule, instead of surfacing as a failed login later.

Imported by settings.py: nothing here may import Django's apps or models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# The groups a claim value can be mapped to: the portal's roles (ottportal.roles.ROLES, which this module
# cannot import at settings time; a test keeps the two equal). A mapped group missing from the database
# is created at the first sign-in that needs it.
ADMINS, MARKETERS, AUDITORS, APPROVERS = "Admins", "Marketers", "Auditors", "Approvers"
SSO_GROUPS = (ADMINS, MARKETERS, AUDITORS, APPROVERS)

DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
SIGN_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256")
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
NAMES = (
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_SCOPES",
    "OIDC_GROUPS_CLAIM",
    "OIDC_GROUP_MAP",
    "OIDC_PROVIDER_NAME",
    "OIDC_USERNAME_CLAIM",
    "OIDC_SIGN_ALGO",
)
TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


@dataclass(frozen=True)
class OidcConfig:
    issuer: str  # as configured, without a trailing slash
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    groups_claim: str  # a claim name, or a dotted path into nested claims ("realm_access.roles")
    group_map: Mapping[str, str]  # claim value -> portal group
    provider_name: str
    username_claim: str
    sign_algo: str

    @property
    def issuer_origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


def _fail(name: str, rule: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} {rule}")


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    """A yes/no setting, strictly: a typo must not silently turn a switch off."""
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _fail(name, f"must be true or false (got {raw!r}).")


def _url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _fail(
            name, f"must be the provider's https URL, e.g. https://login.example.com/realms/staff (got {raw!r})."
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise _fail(name, f"must use https (plain http is accepted only for localhost); got {raw!r}.")
    if parts.query or parts.fragment:
        raise _fail(name, f"must not have a query or fragment (got {raw!r}).")
    return raw


def _canonical_group(name: str, value: str, entry: str) -> str:
    for group in SSO_GROUPS:
        if value.strip().lower() == group.lower():
            return group
    raise _fail(
        name, f"maps {entry!r} to {value.strip()!r}, which is not a portal group: use one of {', '.join(SSO_GROUPS)}."
    )


def parse_group_map(raw: str, name: str = "OIDC_GROUP_MAP") -> dict[str, str]:
    """`claim value=Group` pairs separated by commas (`ott-admins=Admins,ott-marketing=Marketers`), or a
    JSON object for claim values that contain commas or `=` (LDAP distinguished names)."""
    text = raw.strip()
    if not text:
        raise _fail(name, "must map at least one claim value to a portal group, e.g. ott-admins=Admins.")
    if text.startswith("{"):
        try:
            pairs = json.loads(text)
        except ValueError as exc:
            raise _fail(name, f"looks like JSON but is not valid JSON: {exc}.") from exc
        if not isinstance(pairs, dict) or not all(isinstance(v, str) for v in pairs.values()):
            raise _fail(name, 'as JSON must be an object of strings, e.g. {"cn=ott,ou=groups": "Admins"}.')
        items = [(str(key), value, f"{key}") for key, value in pairs.items()]
    else:
        items = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            value, sep, group = entry.rpartition("=")
            if not sep or not value.strip() or not group.strip():
                raise _fail(name, f"entry {entry!r} must be `claim value=Group`, e.g. ott-admins=Admins.")
            items.append((value.strip(), group, entry))
    mapping: dict[str, str] = {}
    for value, group, entry in items:
        if not value:
            raise _fail(name, f"entry {entry!r} has an empty claim value.")
        mapping[value] = _canonical_group(name, group, entry)
    return mapping


def oidc_config_from_env(environ: Mapping[str, str]) -> OidcConfig | None:
    """The single sign-on settings, or None when OIDC_ISSUER is not set (SSO off, the default)."""
    values = {name: (environ.get(name) or "").strip() for name in NAMES}
    if not values["OIDC_ISSUER"]:
        stray = [name for name in NAMES if values[name]]
        if stray:
            raise _fail(
                "OIDC_ISSUER",
                f"must be set to turn single sign-on on ({stray[0]} is set); or unset the OIDC_* settings.",
            )
        return None
    raw_issuer = values["OIDC_ISSUER"].rstrip("/")
    if raw_issuer.endswith(DISCOVERY_SUFFIX):  # the discovery URL was given: the issuer is its base
        raw_issuer = raw_issuer[: -len(DISCOVERY_SUFFIX)]
    issuer = _url("OIDC_ISSUER", raw_issuer)
    for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_GROUP_MAP"):
        if not values[name]:
            raise _fail(name, "must be set in the environment (or .env) when OIDC_ISSUER is set.")
    scopes = tuple(s for s in dict.fromkeys(re.split(r"[\s,]+", values["OIDC_SCOPES"] or "openid email profile")) if s)
    if "openid" not in scopes:
        raise _fail("OIDC_SCOPES", f"must include openid (got {' '.join(scopes)!r}).")
    groups_claim = values["OIDC_GROUPS_CLAIM"] or "groups"
    if not re.fullmatch(r"[^\s.]+(\.[^\s.]+)*", groups_claim):
        raise _fail(
            "OIDC_GROUPS_CLAIM",
            f"must be a claim name or a dotted path such as realm_access.roles (got {groups_claim!r}).",
        )
    sign_algo = (values["OIDC_SIGN_ALGO"] or "RS256").upper()
    if sign_algo not in SIGN_ALGORITHMS:
        raise _fail(
            "OIDC_SIGN_ALGO", f"must be one of {', '.join(SIGN_ALGORITHMS)} (got {values['OIDC_SIGN_ALGO']!r})."
        )
    return OidcConfig(
        issuer=issuer,
        discovery_url=issuer + DISCOVERY_SUFFIX,
        client_id=values["OIDC_CLIENT_ID"],
        client_secret=values["OIDC_CLIENT_SECRET"],
        scopes=scopes,
        groups_claim=groups_claim,
        group_map=parse_group_map(values["OIDC_GROUP_MAP"]),
        provider_name=values["OIDC_PROVIDER_NAME"] or (urlsplit(issuer).hostname or "single sign-on"),
        username_claim=values["OIDC_USERNAME_CLAIM"] or "preferred_username",
        sign_algo=sign_algo,
    )


def local_login_from_env(environ: Mapping[str, str], oidc: OidcConfig | None) -> bool:
    """LOCAL_LOGIN (default true): whether passwords are accepted. Off needs single sign-on."""
    local_login = parse_bool("LOCAL_LOGIN", environ.get("LOCAL_LOGIN"), default=True)
    if not local_login and oidc is None:
        raise _fail(
            "LOCAL_LOGIN",
            "is false but single sign-on is not set up (OIDC_ISSUER is empty): nobody could sign in. "
            "Set the OIDC_* settings or LOCAL_LOGIN=true.",
        )
    return local_login
