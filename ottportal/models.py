"""The portal's own records: each user's settings, the API's idempotency keys and API tokens. (This
module also makes Django send ottportal the post_migrate signal, see apps.py.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from knox.models import AbstractAuthToken


class UserSettings(models.Model):
    """What a user chose for themselves: the time zone pages show times in, and the recipients a
    "Send a test" goes to, per network."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_settings")
    time_zone = models.CharField(max_length=64, blank=True, help_text="Empty: the portal's TIME_ZONE")
    test_recipients = models.JSONField(
        default=dict, blank=True, help_text='{"line": [["ottId", "userReference"], ...], "messenger": [...]}'
    )

    class Meta:
        verbose_name_plural = "user settings"

    def __str__(self) -> str:
        return f"settings of {self.user}"


def settings_of(user) -> UserSettings:
    """The user's settings row, made on first use; cached on the user object for the request."""
    cached = getattr(user, "_portal_settings", None)
    if cached is None:
        cached, _ = UserSettings.objects.get_or_create(user=user)
        user._portal_settings = cached
    return cached


class IdempotencyKey(models.Model):
    """The first answer to an API request sent with an `Idempotency-Key` header, replayed when the same
    user sends the same key again within a day (see ottportal/idempotency.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body")
    status_code = models.PositiveSmallIntegerField(
        null=True, help_text="The first answer's status, filled in the transaction that claims the key"
    )
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"


class SsoIdentity(models.Model):
    """Which account a person signing in through the identity provider is: their subject (`sub`, the
    provider's stable id for them) at an issuer. Accounts are matched by this, never by e-mail or
    username, so nobody at the provider can take over a local account by naming themselves after it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255, help_text="The provider's `sub` claim for this person")
    created_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SSO identity"
        verbose_name_plural = "SSO identities"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_issuer_subject")]

    def __str__(self) -> str:
        return f"{self.user} = {self.subject} at {self.issuer}"


class ApiToken(AbstractAuthToken):
    """A named API token (django-rest-knox's token with a name): only the SHA-512 digest of the key is
    stored, with its first characters (`token_key`) to find it by; it expires (`expiry`). See
    ottportal/tokens.py."""

    name = models.CharField(max_length=100)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()
