"""The portal's own records: each user's settings, the API's idempotency keys and API tokens. (This
module also makes Django send ottportal the post_migrate signal, see apps.py.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from knox.models import AbstractAuthToken


class UserSettings(models.Model):
    """What a user chose for themselves: the language and time zone pages are shown in, and the
    recipients a "Send a test" goes to, per network."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_settings")
    time_zone = models.CharField(max_length=64, blank=True, help_text="Empty: the portal's TIME_ZONE")
    language = models.CharField(
        max_length=8, blank=True, choices=settings.LANGUAGES, help_text="Empty: the browser's (Accept-Language)"
    )
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


class AuditRefused(Exception):
    """An audit entry may be added (through ottportal.audit.record), never changed or removed."""


class AuditEntryQuerySet(models.QuerySet):
    """Reading only: changes in bulk would bypass the chain. (Deleting a user still unlinks its entries:
    Django does that through the base manager, and the link is outside the hash; the username stays.)"""

    def update(self, **kwargs):
        raise AuditRefused("Audit entries cannot be changed.")

    def delete(self):
        raise AuditRefused("Audit entries cannot be deleted.")

    def bulk_create(self, *args, **kwargs):
        raise AuditRefused("Audit entries are added one at a time, by ottportal.audit.record.")

    def bulk_update(self, *args, **kwargs):
        raise AuditRefused("Audit entries cannot be changed.")


class AuditEntry(models.Model):
    """One action of the audit trail: who (and from which address), when, what, on which object, and
    the values before and after. Entries are numbered 1, 2, 3... and each carries the SHA-256 of its own
    fields and of the entry before it (`prev_hash`), so a changed or removed entry breaks the chain
    (`manage.py audit_verify`). Written only by ottportal.audit.record."""

    id = models.BigIntegerField(primary_key=True, help_text="Its place in the chain: 1, 2, 3...")
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="Who, kept when the account is deleted")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=40, db_index=True, help_text="draft.edit, send.approve, auth.login...")
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True, help_text="The object's name then")
    detail = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True, help_text="The changed fields' values before")
    after = models.JSONField(null=True, blank=True, help_text="The changed fields' values after")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.username or 'the portal'} at {self.at}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditRefused(f"Audit entry #{self.pk} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditRefused(f"Audit entry #{self.pk} cannot be deleted.")
