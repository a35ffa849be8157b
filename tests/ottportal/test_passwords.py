"""Django's password validators, fully configured: similarity to the account, length (12 for staff and
admins, 8 otherwise), common and all-digit passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def problems(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "password", "refused"),
    [
        ("admin", "admin123!", "Staff and admin passwords must contain at least 12 characters."),
        ("admin", "violet-harbor", None),
        ("marketer", "violet-h", None),  # 8 is enough for a marketer
        ("marketer", "violet", "This password is too short. It must contain at least 8 characters."),
        ("marketer", "password123", "This password is too common."),
        ("marketer", "8402957163", "This password is entirely numeric."),
        ("marketer", "mark-marketer1", "The password is too similar to the username."),
    ],
)
def test_password_rules(personas, persona, password, refused):
    found = problems(password, personas[persona])
    assert (refused in found) if refused else found == []


@pytest.mark.django_db
def test_staff_and_superusers_need_12_characters():
    staff = User(username="sam", is_staff=True)
    root = User(username="rooty", is_superuser=True)
    assert "Staff and admin passwords must contain at least 12 characters." in problems("violet-har", staff)
    assert "Staff and admin passwords must contain at least 12 characters." in problems("violet-har", root)
    assert problems("violet-har", User(username="plain")) == []
