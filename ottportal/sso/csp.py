"""django-csp's middleware, with the identity provider added to `form-action` when single sign-on is on.

The Log out button is a form; after a single sign-on its answer redirects to the provider's logout
address, and browsers apply `form-action` to the redirects that follow a form too. Everything else in
the policy stays this site's own; the "Sign in with ..." button is a link, which `form-action` does
not govern."""

from __future__ import annotations

from csp.middleware import CSPMiddleware
from django.conf import settings

from ottportal.sso import provider


def sso_form_action_sources() -> list[str]:
    config = settings.OIDC
    if config is None:
        return []
    sources = [config.issuer_origin]
    metadata = provider.cached_metadata(config)  # never a network call while answering a page
    if metadata and metadata.get("end_session_endpoint"):
        sources.append(provider.origin(metadata["end_session_endpoint"]))
    return list(dict.fromkeys(sources))


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        sources = [] if report_only else sso_form_action_sources()
        if sources:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *sources]
            parts.update = update
        return parts
