"""Production mode refuses to start without its secrets, and says which one is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("missing", "present"),
    [("SECRET_KEY", {"ALLOWED_HOSTS": "example.com"}), ("ALLOWED_HOSTS", {"SECRET_KEY": "x" * 50})],
)
def test_production_without_a_secret_fails_naming_it(missing, present):
    result = _start({"DEBUG": "false", **present})
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_with_both_starts():
    result = _start({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.com"})
    assert result.returncode == 0, result.stderr


def test_development_mode_needs_no_secrets():
    result = _start({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


# --- Marketing Cloud settings and the sandbox ------------------------------------------------------
OTT_NAMES = ("OTT_AUTH_URL", "OTT_REST_URL", "OTT_CLIENT_ID", "OTT_CLIENT_SECRET")
REAL = {
    "OTT_AUTH_URL": "https://mc1234.auth.marketingcloudapis.com",
    "OTT_REST_URL": "https://mc1234.rest.marketingcloudapis.com",
    "OTT_CLIENT_ID": "installed-package-id",
    "OTT_CLIENT_SECRET": "installed-package-secret",
}


def _portal(env_overrides: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    """`manage.py <command>` with only the given Marketing Cloud settings (none from this shell)."""
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "OTT_SANDBOX", *OTT_NAMES}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _settings_of(env_overrides: dict[str, str]) -> dict:
    script = "from django.conf import settings; print(settings.OTT_CLIENT_ID, settings.OTT_CLIENT_SECRET)"
    result = _portal(env_overrides, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    client_id, secret = result.stdout.split()[-2:]
    return {"OTT_CLIENT_ID": client_id, "OTT_CLIENT_SECRET": secret}


@pytest.mark.parametrize("missing", OTT_NAMES)
def test_without_the_sandbox_each_marketing_cloud_setting_is_required(missing):
    present = {name: value for name, value in REAL.items() if name != missing}
    result = _portal({"DEBUG": "true", "OTT_SANDBOX": "false", **present}, "check")
    assert result.returncode != 0
    assert f"{missing} must be set in the environment (or .env) when OTT_SANDBOX is off" in result.stderr


def test_without_the_sandbox_all_four_settings_start():
    result = _portal({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.com", **REAL}, "check")
    assert result.returncode == 0, result.stderr


def test_the_sandbox_refuses_to_run_with_real_marketing_cloud_urls():
    result = _portal({"DEBUG": "true", "OTT_SANDBOX": "true", **REAL}, "check")
    assert result.returncode != 0
    assert "OTT_SANDBOX is on while OTT_AUTH_URL points at Marketing Cloud" in result.stderr
    # Without an explicit OTT_SANDBOX, real URLs turn the development default off instead.
    assert _portal({"DEBUG": "true", **REAL}, "check").returncode == 0


def test_sandbox_credentials_are_this_installations_own():
    first = _settings_of({"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "x", "OTT_SANDBOX": "true"})
    again = _settings_of({"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "x", "OTT_SANDBOX": "true"})
    other = _settings_of({"DEBUG": "false", "SECRET_KEY": "o" * 50, "ALLOWED_HOSTS": "x", "OTT_SANDBOX": "true"})
    assert first == again  # web and workers agree
    assert first["OTT_CLIENT_ID"] != other["OTT_CLIENT_ID"] and first["OTT_CLIENT_SECRET"] != other["OTT_CLIENT_SECRET"]
    assert first["OTT_CLIENT_ID"] != "sandbox-client" and first["OTT_CLIENT_SECRET"] != "sandbox-secret"
    assert len(first["OTT_CLIENT_SECRET"]) >= 40


def test_check_deploy_warns_when_the_sandbox_is_on_without_debug():
    production = {"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "example.com"}
    result = _portal({**production, "OTT_SANDBOX": "true"}, "check", "--deploy")
    assert "sandbox.W001" in result.stderr + result.stdout
    assert "The sandbox (a fake Marketing Cloud at /sandbox/) is on while DEBUG is off." in result.stderr
    quiet = _portal({**production, **REAL}, "check", "--deploy")
    assert "sandbox.W" not in quiet.stderr + quiet.stdout
