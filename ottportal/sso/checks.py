"""`manage.py check --deploy`: with single sign-on on, the provider answers its discovery address and
names the issuer the portal expects (start-up itself does not ask it, so an outage at the provider
never keeps the portal, and its local admins, from starting)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

from ottportal.sso import provider


@register(Tags.security, deploy=True)
def sso_provider_answers(app_configs=None, **kwargs) -> list[Warning]:
    config = getattr(settings, "OIDC", None)
    if config is None:
        return []
    provider.clear_cache()
    try:
        provider.provider_metadata(config)
    except provider.SsoError as exc:
        return [
            Warning(
                f"Single sign-on is on, but its provider cannot be used: {exc}",
                hint=f"Check OIDC_ISSUER ({config.issuer}) and that this server reaches it.",
                id="ottportal.W101",
            )
        ]
    return []
