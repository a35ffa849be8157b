"""The identity provider's discovery document (`<issuer>/.well-known/openid-configuration`): where to
send people to sign in, where to exchange the code, the signing keys, the logout address.

Fetched when first needed and kept for an hour per process, so the portal starts (and local admins
can sign in) while the provider is down; a failed fetch is not kept, the next login tries again.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _

from ottportal.sso.config import OidcConfig

TIMEOUT_SECONDS = 10
CACHE_SECONDS = 3600
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")

_cache: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


class SsoError(Exception):
    """A sign-in that cannot go on; the message is for the person signing in."""

    status = 400


class SsoUnavailable(SsoError):
    """The provider did not answer, or answered something unusable: try again later."""

    status = 503


class SsoRefused(SsoError):
    """The provider answered, but this sign-in is not accepted. `username`, when known, is recorded as a
    failed login in the audit log."""

    status = 403

    def __init__(self, message: str, *, username: str | None = None):
        super().__init__(message)
        self.username = username


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def cached_metadata(config: OidcConfig) -> dict | None:
    """The document if this process already has it (no network)."""
    entry = _cache.get(config.discovery_url)
    return entry[1] if entry and entry[0] > time.monotonic() else None


def provider_metadata(config: OidcConfig) -> dict:
    """The provider's discovery document, checked: the endpoints the login needs are there, and the
    issuer it names is the one configured (OpenID Connect Discovery 1.0, section 4.3)."""
    known = cached_metadata(config)
    if known is not None:
        return known
    name = config.provider_name
    try:
        response = requests.get(config.discovery_url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        words = _(
            "%(provider)s did not answer (%(error)s at %(url)s). Try again in a moment; if it goes on, tell an "
            "administrator."
        )
        raise SsoUnavailable(
            words % {"provider": name, "error": type(exc).__name__, "url": config.discovery_url}
        ) from exc
    if response.status_code != 200:
        words = _(
            "%(provider)s answered %(status)s for its configuration (%(url)s). Try again in a moment; if it goes "
            "on, tell an administrator."
        )
        raise SsoUnavailable(words % {"provider": name, "status": response.status_code, "url": config.discovery_url})
    try:
        metadata = response.json()
    except ValueError as exc:
        words = _("%(provider)s sent a configuration that is not JSON (%(url)s).")
        raise SsoUnavailable(words % {"provider": name, "url": config.discovery_url}) from exc
    if not isinstance(metadata, dict):
        words = _("%(provider)s sent a configuration that is not a JSON object (%(url)s).")
        raise SsoUnavailable(words % {"provider": name, "url": config.discovery_url})
    missing = [key for key in REQUIRED if not isinstance(metadata.get(key), str) or not metadata[key]]
    if missing:
        words = _("%(provider)s's configuration lacks %(keys)s (%(url)s).")
        raise SsoUnavailable(words % {"provider": name, "keys": ", ".join(missing), "url": config.discovery_url})
    if metadata["issuer"].rstrip("/") != config.issuer:
        words = _(
            "%(provider)s says its issuer is %(issuer)s, but OIDC_ISSUER is %(configured)s: an administrator must "
            "set OIDC_ISSUER to the provider's issuer."
        )
        raise SsoUnavailable(words % {"provider": name, "issuer": metadata["issuer"], "configured": config.issuer})
    with _lock:
        _cache[config.discovery_url] = (time.monotonic() + CACHE_SECONDS, metadata)
    return metadata


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
