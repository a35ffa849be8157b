"""A longer minimum for the accounts that can do the most: staff, superusers and admins."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from ottportal.roles import ADMINS


def is_privileged(user) -> bool:
    if user is None:
        return False
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    return bool(user.pk) and user.groups.filter(name=ADMINS).exists()


class StaffMinimumLengthValidator:
    """At least `min_length` characters for staff, superusers and members of Admins."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if is_privileged(user) and len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "Staff and admin passwords must contain at least %(min_length)d character.",
                    "Staff and admin passwords must contain at least %(min_length)d characters.",
                    self.min_length,
                )
                % {"min_length": self.min_length},
                code="password_too_short_for_staff",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Staff and admin passwords must contain at least %(min_length)d character.",
            "Staff and admin passwords must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
