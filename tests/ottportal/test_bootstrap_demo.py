from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import RequestFactory

from ottportal.roles import primary_role


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
