"""Every URL of the URL conf x every persona x GET and POST, against one table of who may do what.

A URL missing from MATRIX fails the test, so a new page or endpoint cannot be forgotten. The admin
site (Django's own staff permissions) and the sandbox (its own bearer tokens) are tested elsewhere.
Allowed means: not refused (no 401, 403 or redirect to the login page) and never a 500; the object
behind a sample id may not exist (404), or the method may not apply (405)."""

from __future__ import annotations

import pytest
from django.test import Client

from ottportal.roles import has_capability
from tests.conftest import client_for
from tests.urlwalk import iter_urls

pytestmark = pytest.mark.django_db

# path (sample ids, no .json suffix) -> (rule for GET, rule for POST). Rules: "public"; "signed-in"
# (any account); "role" (any role); a capability from ottportal.roles; "nobody" (no handler: 405);
# "bearer" (a machine token only, METRICS_TOKEN: no session opens it, an admin's included).
MATRIX: dict[str, tuple[str, str]] = {
    "/": ("role", "role"),
    "/healthz": ("public", "public"),
    "/readyz": ("public", "public"),
    "/metrics": ("bearer", "bearer"),
    "/account/": ("signed-in", "signed-in"),
    "/account/tokens/": ("signed-in", "signed-in"),
    "/account/tokens/sample/revoke/": ("signed-in", "signed-in"),
    "/audit/": ("view_audit", "view_audit"),
    "/audit/export.csv": ("view_audit", "view_audit"),
    "/login/": ("public", "public"),
    "/language/": ("nobody", "public"),
    "/jsi18n/": ("public", "nobody"),
    "/logout/": ("public", "public"),
    "/oidc/authenticate/": ("public", "public"),
    "/oidc/callback/": ("public", "public"),
    "/senders/": ("view_senders", "view_senders"),
    "/senders/register/sample/": ("manage_senders", "manage_senders"),
    "/senders/import/": ("manage_senders", "manage_senders"),
    "/senders/1/": ("view_senders", "view_senders"),
    "/senders/1/edit/": ("manage_senders", "manage_senders"),
    "/senders/1/reregister/": ("manage_senders", "manage_senders"),
    "/senders/1/rules/": ("manage_senders", "manage_senders"),
    "/senders/1/delete/": ("manage_senders", "manage_senders"),
    "/drafts/": ("view_drafts", "view_drafts"),
    "/drafts/new/": ("compose", "compose"),
    "/drafts/validate/": ("compose", "compose"),
    "/drafts/preview-row/": ("compose", "compose"),
    "/drafts/1/": ("view_drafts", "compose"),
    "/drafts/1/duplicate/": ("compose", "compose"),
    "/drafts/1/delete/": ("compose", "compose"),
    "/drafts/1/send/": ("send", "send"),
    "/drafts/1/send-test/": ("send", "send"),
    "/sends/": ("view_history", "view_history"),
    "/sends/confirm/00000000-0000-4000-8000-000000000001/": ("send", "send"),
    "/sends/confirm/00000000-0000-4000-8000-000000000001/plan/": ("send", "send"),
    "/sends/1/": ("view_history", "view_history"),
    "/sends/1/progress/": ("view_history", "view_history"),
    "/sends/1/cancel/": ("send", "send"),
    "/sends/1/approve/": ("approve", "approve"),
    "/sends/1/reject/": ("approve", "approve"),
    "/sends/1/pause/": ("send", "send"),
    "/sends/1/resume/": ("send", "send"),
    "/sends/1/reschedule/": ("send", "send"),
    "/sends/1/retry-failed/": ("send", "send"),
    "/sends/scheduled/": ("view_history", "view_history"),
    "/sends/1/refused.csv": ("view_history", "view_history"),
    "/history/": ("view_history", "view_history"),
    "/history/export.csv": ("view_history", "view_history"),
    "/history/1/": ("view_history", "view_history"),
    "/audiences/": ("view_audiences", "view_audiences"),
    "/audiences/new/": ("manage_audiences", "manage_audiences"),
    "/audiences/1/": ("view_audiences", "view_audiences"),
    "/audiences/1/refused.csv": ("view_audiences", "view_audiences"),
    "/audiences/1/rename/": ("manage_audiences", "manage_audiences"),
    "/audiences/1/delete/": ("manage_audiences", "manage_audiences"),
    "/suppressions/": ("view_suppressions", "view_suppressions"),
    "/suppressions/new/": ("manage_suppressions", "manage_suppressions"),
    "/suppressions/import/": ("manage_suppressions", "manage_suppressions"),
    "/suppressions/export.csv": ("view_suppressions", "view_suppressions"),
    "/suppressions/changes/": ("view_suppressions", "view_suppressions"),
    "/suppressions/1/remove/": ("remove_suppressions", "remove_suppressions"),
    "/api/v1/": ("signed-in", "signed-in"),
    "/api/v1/auth/token/": ("public", "public"),
    "/api/v1/senders/": ("view_senders", "manage_senders"),
    "/api/v1/senders/1/": ("view_senders", "manage_senders"),
    "/api/v1/drafts/": ("view_drafts", "compose"),
    "/api/v1/drafts/1/": ("view_drafts", "compose"),
    "/api/v1/drafts/1/send/": ("send", "send"),
    "/api/v1/sends/": ("view_history", "nobody"),
    "/api/v1/sends/1/": ("view_history", "nobody"),
    "/api/v1/sends/1/approve/": ("approve", "approve"),
    "/api/v1/sends/1/reject/": ("approve", "approve"),
    "/api/v1/sends/1/pause/": ("send", "send"),
    "/api/v1/sends/1/resume/": ("send", "send"),
    "/api/v1/sends/1/cancel/": ("send", "send"),
    "/api/v1/sends/1/reschedule/": ("send", "send"),
    "/api/v1/sends/1/retry_failed/": ("send", "send"),
    "/api/v1/deliveries/": ("view_history", "nobody"),
    "/api/v1/deliveries/1/": ("view_history", "nobody"),
    "/api/v1/audiences/": ("view_audiences", "manage_audiences"),
    "/api/v1/audiences/1/": ("view_audiences", "manage_audiences"),
    "/api/v1/audiences/1/rows/": ("view_audiences", "manage_audiences"),
    "/api/v1/suppressions/": ("view_suppressions", "manage_suppressions"),
    "/api/v1/suppressions/import/": ("view_suppressions", "manage_suppressions"),
    "/api/v1/suppressions/1/": ("view_suppressions", "remove_suppressions"),
    "/api/schema/": ("signed-in", "signed-in"),
    "/api/docs/": ("signed-in", "signed-in"),
}


def _key(path: str) -> str:
    return path.replace(".json/", "/").replace("/.json", "/")


def _paths() -> list[str]:
    paths = sorted({_key(p) for p, _ in iter_urls() if not p.startswith(("/admin/", "/sandbox/"))})
    return paths


def test_every_url_is_in_the_matrix():
    assert sorted(set(_paths()) - set(MATRIX)) == [], "add the new URLs to MATRIX"
    assert sorted(set(MATRIX) - set(_paths())) == [], "remove URLs that no longer exist"


def _allowed(rule: str, user) -> bool | None:
    """True: must be let through; False: must be refused; None: 405 expected from any account."""
    if rule == "public":
        return True
    if rule == "bearer":
        return False
    if user is None:
        return False
    if rule == "nobody":
        return None
    if rule == "signed-in":
        return True
    if rule == "role":
        return any(has_capability(user, c) for c in ("view_senders", "view_drafts", "view_history"))
    return has_capability(user, rule)


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "auditor", "approver", "marketer", "admin"])
def test_permission_matrix(persona, personas, settings):
    settings.METRICS_TOKEN = "matrix-metrics-token"  # set, so that /metrics is on and must refuse sessions
    user = None if persona == "anonymous" else personas[persona]
    client = client_for(user) if user else Client()
    failures = []
    for path in _paths():
        for method, rule in zip(("get", "post"), MATRIX[path], strict=True):
            response = getattr(client, method)(path)
            if path == "/logout/" and user is not None:
                client.force_login(user)  # logging out must not end the walk
            status = response.status_code
            to_login = status == 302 and "/login/" in response.get("Location", "") and path != "/logout/"
            refused = status in (401, 403) or to_login
            expected = _allowed(rule, user)
            if status >= 500:
                failures.append(f"{method.upper()} {path}: {status}")
            elif expected is True and refused:
                failures.append(f"{method.upper()} {path}: refused ({status}) but {rule} allows {persona}")
            elif expected is False and not (refused or status == 405):  # 405: this method does nothing here
                failures.append(f"{method.upper()} {path}: {status} but {rule} refuses {persona}")
            elif expected is None and status != 405:
                failures.append(f"{method.upper()} {path}: {status}, expected 405 (read-only)")
            if user is None and expected is False and path.startswith("/api/") and status != 401:
                failures.append(f"{method.upper()} {path}: anonymous API call got {status}, expected 401")
    assert failures == []
