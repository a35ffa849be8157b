from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from ottportal.roles import primary_role

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _debug_on(settings):
    settings.DEBUG = True  # bootstrap_demo is a development command (see the tests for DEBUG off)


@pytest.mark.django_db
def test_bootstrap_demo_creates_one_user_per_role_and_is_safe_to_rerun(capsys):
    call_command("bootstrap_demo", password="first-pass-1")
    call_command("bootstrap_demo", password="second-pass-2")
    assert User.objects.filter(username__in=["admin", "marketer", "auditor"]).count() == 3
    for username, role in [("admin", "Admins"), ("marketer", "Marketers"), ("auditor", "Auditors")]:
        user = authenticate(RequestFactory().post("/login/"), username=username, password="second-pass-2")
        assert user is not None, f"{username} cannot log in with the reset password"
        assert primary_role(user) == role
        assert list(user.groups.values_list("name", flat=True)) == [role]
    assert "second-pass-2" in capsys.readouterr().out


@pytest.mark.django_db
def test_bootstrap_demo_generates_and_prints_a_password_when_none_is_given(capsys):
    call_command("bootstrap_demo")
    out = capsys.readouterr().out
    password = out.strip().rsplit("password: ", 1)[1].strip()
    assert len(password) >= 12
    assert authenticate(RequestFactory().post("/login/"), username="auditor", password=password) is not None


@pytest.mark.django_db
def test_bootstrap_demo_refuses_to_run_without_debug_unless_forced(settings, capsys):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"DEBUG is off.*--force"):
        call_command("bootstrap_demo", password="a-long-demo-password")
    assert not User.objects.filter(username="admin").exists()
    call_command("bootstrap_demo", password="a-long-demo-password", force=True)
    assert User.objects.filter(username__in=["admin", "marketer", "auditor"]).count() == 3


@pytest.mark.django_db
def test_bootstrap_demo_refuses_a_weak_password_for_the_admin():
    refusal = r"not accepted for admin: .*too similar to the username.*at least 12 characters"
    with pytest.raises(CommandError, match=refusal):
        call_command("bootstrap_demo", password="admin123!")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_bootstrap_demo_never_strips_a_superuser_silently(capsys):
    User.objects.create_superuser("admin", "root@example.com", "an-old-root-password")
    call_command("bootstrap_demo", password="a-long-demo-password")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert "reset: admin (Admins) (a superuser before, and still one" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_makefile_demo_password_passes_the_validators(capsys):
    password = re.search(r"^DEMO_PASSWORD \?= (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    call_command("bootstrap_demo", password=password)
    assert authenticate(RequestFactory().post("/login/"), username="admin", password=password) is not None
