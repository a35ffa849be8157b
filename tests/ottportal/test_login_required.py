"""Every URL in the URL conf is closed to anonymous visitors, except the few public ones."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.urlwalk import iter_urls

# Public by design: login, health check, the token endpoint (which checks the password itself), the
# single sign-on round trip (not found while SSO is off, as in these tests; tests/ottportal/test_sso.py),
# and the login page's language picker and JavaScript translations.
PUBLIC = {
    "/login/",
    "/healthz",
    "/readyz",
    "/api/v1/auth/token/",
    "/oidc/authenticate/",
    "/oidc/callback/",
    "/language/",
    "/jsi18n/",
}
SSO = {"/oidc/authenticate/", "/oidc/callback/"}
# Machine endpoints with their own bearer token instead of a login: 401 without it.
BEARER = {"/metrics"}


def _expectation(path: str) -> str:
    if path in PUBLIC:
        return "public"
    if path in BEARER:
        return "bearer"
    if path.startswith("/sandbox/"):
        return "sandbox"
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/"):
        return "api"
    return "page"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), sorted(set(iter_urls())))
def test_anonymous_visitor_cannot_reach_anything_private(path, name, settings):
    settings.METRICS_TOKEN = "a-metrics-token"
    response = Client().get(path)
    kind = _expectation(path)
    if kind == "public":
        assert response.status_code in ((404,) if path in SSO else (200, 405))
    elif kind == "bearer":
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    elif kind == "sandbox":
        expected = (404,) if name == "not-found" else (401, 405)  # its own bearer-token auth
        assert response.status_code in expected
        assert response["Content-Type"] == "application/json"
    elif kind == "admin":
        assert response.status_code in (302, 200)
        if response.status_code == 302:
            assert response["Location"].split("?")[0] in ("/admin/login/", "/login/")
        else:
            assert name in ("login", "admin-login"), f"{path} is open"
    elif kind == "api":
        assert response.status_code == 401, f"{path} answered {response.status_code}"
    else:
        assert response.status_code == 302, f"{path} answered {response.status_code}"
        assert response["Location"].startswith("/login/?next=")


def test_the_walk_covers_the_main_pages():
    paths = {path for path, _ in iter_urls()}
    assert {"/", "/healthz", "/login/", "/api/v1/", "/api/schema/", "/api/docs/", "/admin/"} <= paths
