"""API tokens: named, shown once, stored as a digest, expiring after API_TOKEN_TTL_DAYS.

django-rest-knox makes the key (`ottp_` + 64 random hex characters), stores its SHA-512 digest and
first 15 characters, checks a presented key in constant time and refuses (and deletes) an expired
one. This module adds what a person needs around that: a name, a cap on how many one account holds,
when a token was last used, and an answer that says a token has expired rather than "Invalid token".
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from ottportal import audit
from ottportal.models import ApiToken

NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length
MAX_LIVE_TOKENS = 100  # per account; each API request looks at all of its owner's tokens
LAST_USED_EVERY = timedelta(minutes=1)  # at most one write per token per minute


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """The user's tokens, newest first (expired ones stay until used or revoked)."""
    return ApiToken.objects.filter(user=user).order_by("-created")


def _live(tokens: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
    return tokens.filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the key, which exists nowhere else afterwards."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, such as “CI pipeline”, to know later what uses it.")})
    if len(name) > NAME_MAX_LENGTH:
        words = _("A name has at most %(max)s characters (this one has %(size)s).")
        raise ValidationError({"name": words % {"max": NAME_MAX_LENGTH, "size": len(name)}})
    if _live(api_tokens_of(user)).count() >= MAX_LIVE_TOKENS:
        raise ValidationError(
            {
                "name": _(
                    "You already have %(max)s tokens that have not expired, the most one account may hold. "
                    "Revoke the ones nothing uses any more on your API tokens page."
                )
                % {"max": MAX_LIVE_TOKENS}
            }
        )
    token, key = ApiToken.objects.create(user=user, name=name)
    audit.record("token.create", user=user, obj=token, after={"name": name, "expires": token.expiry})
    return token, key


def api_token_revoke(*, user, digest: str) -> ApiToken | None:
    """Delete one of `user`'s own tokens; requests with it are refused from then on. None: no such
    token of theirs (someone else's is never touched)."""
    token = api_tokens_of(user).filter(digest=digest).first()
    if token is not None:
        audit.record("token.revoke", user=user, obj=token, before={"name": token.name, "expires": token.expiry})
        token.delete()
    return token


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` with knox's check, plus "last used" and a plain answer for an
    expired token. DRF makes one instance per request, so the attribute below is per request."""

    _expired_at = None

    def _cleanup_token(self, auth_token) -> bool:
        gone = super()._cleanup_token(auth_token)
        if gone:  # it was expired (and knox deleted it)
            self._expired_at = auth_token.expiry
        return gone

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
        try:
            return super().authenticate_credentials(token)
        except AuthenticationFailed:
            if self._expired_at is not None:
                words = _(
                    "This token expired on %(at)s UTC. Make a new one on your API tokens page (/account/tokens/)."
                )
                raise AuthenticationFailed(words % {"at": f"{self._expired_at:%Y-%m-%d %H:%M}"}) from None
            raise

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token
