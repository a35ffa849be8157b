"""`manage.py check --deploy`: the sandbox must not be left open in production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

PUBLIC_CREDENTIALS = {("sandbox-client", "sandbox-secret")}  # the defaults of earlier versions


@register(Tags.security, deploy=True)
def sandbox_left_open(app_configs=None, **kwargs) -> list[Warning]:
    if not settings.OTT_SANDBOX or settings.DEBUG:
        return []
    warnings = [
        Warning(
            "The sandbox (a fake Marketing Cloud at /sandbox/) is on while DEBUG is off.",
            hint=(
                "Set OTT_SANDBOX=false in production. Whoever obtains a sandbox token can change the "
                "registrations there and make the portal's sends fail."
            ),
            id="sandbox.W001",
        )
    ]
    if (settings.OTT_CLIENT_ID, settings.OTT_CLIENT_SECRET) in PUBLIC_CREDENTIALS:
        warnings.append(
            Warning(
                "The sandbox accepts the publicly known credentials sandbox-client / sandbox-secret.",
                hint="Unset OTT_CLIENT_ID and OTT_CLIENT_SECRET (the sandbox then derives its own) or turn it off.",
                id="sandbox.W002",
            )
        )
    return warnings
