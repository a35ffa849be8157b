"""Authentication backends: passwords (only while LOCAL_LOGIN is on) and OpenID Connect.

Both are always installed and read the settings when called, so turning passwords off closes every
way a password is checked: the login page, the admin site's login and the API token endpoint.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from ottportal.sso import provider
from ottportal.sso.provider import SsoRefused, SsoUnavailable
from ottportal.sso.services import sso_user_sync

logger = logging.getLogger(__name__)


class LocalPasswordBackend(ModelBackend):
    """Django's username and password check, refused outright when LOCAL_LOGIN is false."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.LOCAL_LOGIN:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def mozilla_setting(attr: str, *default):
    """mozilla-django-oidc's settings, answered from the portal's own OIDC_* configuration."""
    config = settings.OIDC
    values = {
        "OIDC_RP_CLIENT_ID": config.client_id if config else "",
        "OIDC_RP_CLIENT_SECRET": config.client_secret if config else "",
        "OIDC_RP_SCOPES": " ".join(config.scopes) if config else "openid",
        "OIDC_RP_SIGN_ALGO": config.sign_algo if config else "RS256",
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_USE_NONCE": True,
        "OIDC_STORE_ID_TOKEN": True,  # the logout hands it back to the provider (id_token_hint)
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_VERIFY_SSL": True,
        "OIDC_TIMEOUT": provider.TIMEOUT_SECONDS,
        "OIDC_PROXY": None,
        "OIDC_CREATE_USER": True,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_TOKEN_USE_BASIC_AUTH": False,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso-callback",
        "OIDC_REDIRECT_FIELD_NAME": "next",
        "LOGIN_REDIRECT_URL": settings.LOGIN_REDIRECT_URL,
        "LOGIN_REDIRECT_URL_FAILURE": settings.LOGIN_URL,
    }
    if attr in values:
        return values[attr]
    if default:
        return default[0]
    raise AttributeError(attr)


class OidcBackend(OIDCAuthenticationBackend):
    """The authorization code flow (with PKCE and a nonce) against the configured provider, its
    endpoints read from discovery. Accounts are matched by issuer and subject (ottportal.sso.services).

    A sign-in that fails raises an SsoError for the callback page to explain, rather than returning
    None: Django would count None as a failed password attempt (django-axes), and a provider outage
    must not lock an office's shared address out."""

    get_settings = staticmethod(mozilla_setting)

    def __init__(self, *args, **kwargs):
        # mozilla-django-oidc reads its endpoints here; ours come from discovery, at login time only
        # (Django builds every backend for each authenticate() and permission check).
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        config = settings.OIDC
        # Only the callback's call (nonce and PKCE verifier from the session), never a password login
        # that happens to carry ?code= in its address.
        if config is None or request is None or set(kwargs) != {"nonce", "code_verifier"}:
            return None
        metadata = provider.provider_metadata(config)
        self.config, self.metadata = config, metadata
        self.OIDC_OP_TOKEN_ENDPOINT = metadata["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = metadata.get("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = metadata["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = config.client_id
        self.OIDC_RP_CLIENT_SECRET = config.client_secret
        self.OIDC_RP_SIGN_ALGO = config.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None
        name = config.provider_name
        try:
            return super().authenticate(request, **kwargs)
        except (SsoRefused, SsoUnavailable):
            raise
        except requests.HTTPError as exc:
            logger.warning("SSO: %s refused the code exchange or user info: %s", name, exc)
            words = _("%(provider)s did not accept this sign-in (%(error)s). Start again from the login page.")
            raise SsoRefused(words % {"provider": name, "error": _error_of(exc.response)}) from exc
        except requests.RequestException as exc:
            logger.warning("SSO: %s did not answer: %s", name, type(exc).__name__)
            words = _("%(provider)s did not answer (%(error)s). Try again in a moment.")
            raise SsoUnavailable(words % {"provider": name, "error": type(exc).__name__}) from exc
        except (SuspiciousOperation, jwt.InvalidTokenError, ValueError, KeyError) as exc:
            logger.warning("SSO: the answer from %s failed verification: %s", name, exc)
            words = _(
                "The answer from %(provider)s could not be verified (%(error)s). Start again from the login page."
            )
            raise SsoRefused(words % {"provider": name, "error": exc}) from exc

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint when the provider has one (some put
        the groups in one, some in the other)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if not isinstance(info, dict):
                words = _("%(provider)s sent user info that is not a JSON object.")
                raise SsoRefused(words % {"provider": self.config.provider_name})
            if info.get("sub") != payload.get("sub"):  # OpenID Connect Core 5.3.2
                words = _("%(provider)s's user info is about someone else (sub differs).")
                raise SsoRefused(words % {"provider": self.config.provider_name})
            claims.update({key: value for key, value in info.items() if key not in ("iss", "aud")})
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        self._check_id_token(payload)
        claims = self.get_userinfo(access_token, id_token, payload)
        return sso_user_sync(config=self.config, claims=claims).user

    def _check_id_token(self, payload: dict) -> None:
        """What mozilla-django-oidc leaves out: the token comes from our issuer and is meant for us
        (OpenID Connect Core 3.1.3.7, steps 2 to 5). The signature, expiry and nonce are checked already."""
        name = self.config.provider_name
        if payload.get("iss") != self.metadata["issuer"]:
            words = _("The sign-in token names another issuer (%(issuer)s), not %(provider)s.")
            raise SsoRefused(words % {"issuer": payload.get("iss"), "provider": name})
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.config.client_id not in audiences:
            words = _("The sign-in token from %(provider)s was issued to another application, not this portal.")
            raise SsoRefused(words % {"provider": name})
        if len(audiences) > 1 and payload.get("azp") not in (None, self.config.client_id):
            words = _("The sign-in token from %(provider)s was issued to another application (azp).")
            raise SsoRefused(words % {"provider": name})


def _error_of(response) -> str:
    """The OAuth error code of a refused token request, for the message ("invalid_grant")."""
    if response is None:
        return "no answer"
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    return f"{error}" if isinstance(error, str) else f"HTTP {response.status_code}"
