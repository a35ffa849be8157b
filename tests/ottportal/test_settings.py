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
