"""Each user's own settings. (This module also makes Django send ottportal the post_migrate signal,
see apps.py.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
