"""`check --deploy` warns about a sandbox left open in production (sandbox/checks.py)."""

from __future__ import annotations

from django.core.checks import run_checks


def sandbox_warnings() -> list[str]:
    return [m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("sandbox.")]


def test_sandbox_on_without_debug_is_warned_about(settings):
    settings.DEBUG, settings.OTT_SANDBOX = False, True
    settings.OTT_CLIENT_ID, settings.OTT_CLIENT_SECRET = "derived-id", "derived-secret"
    assert sandbox_warnings() == ["sandbox.W001"]


def test_the_old_public_credentials_are_a_second_warning(settings):
    settings.DEBUG, settings.OTT_SANDBOX = False, True
    settings.OTT_CLIENT_ID, settings.OTT_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
    assert sandbox_warnings() == ["sandbox.W001", "sandbox.W002"]


def test_no_warning_in_development_or_with_the_sandbox_off(settings):
    settings.DEBUG, settings.OTT_SANDBOX = True, True
    assert sandbox_warnings() == []
    settings.DEBUG, settings.OTT_SANDBOX = False, False
    assert sandbox_warnings() == []
