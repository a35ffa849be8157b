"""Roles that single sign-on gives and takes at a login (from the provider's groups claim) are in the
audit trail, against the real provider process (tests/oidc_provider/)."""

from __future__ import annotations

import pytest

from ottportal import audit
from ottportal.models import AuditEntry
from ottportal.roles import ADMINS, AUDITORS
from tests.oidc_provider.harness import sso_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
IDP_PASSWORD = "idp-pass-2026"


def test_roles_given_and_taken_by_single_sign_on_are_recorded(sso, live_server):
    sso.set_user("ben", IDP_PASSWORD, ["ott-admins", "ott-audit"])
    sso_sign_in(live_server.url, "ben", IDP_PASSWORD)
    sso.set_user("ben", IDP_PASSWORD, ["ott-audit"])  # taken out of the admins at the provider
    sso_sign_in(live_server.url, "ben", IDP_PASSWORD)

    trail = list(AuditEntry.objects.filter(object_label="ben").order_by("id"))
    assert [(e.action, e.detail) for e in trail] == [
        ("role.add", f"{ADMINS} given to ben by single sign-on (the provider's groups claim)"),
        ("role.add", f"{AUDITORS} given to ben by single sign-on (the provider's groups claim)"),
        ("auth.login", "Single sign-on"),
        ("role.remove", f"{ADMINS} taken from ben by single sign-on (the provider's groups claim)"),
        ("auth.login", "Single sign-on"),
    ]
    assert trail[3].before == {"roles": [ADMINS, AUDITORS]} and trail[3].after == {"roles": [AUDITORS]}
    assert trail[-1].username == "ben" and trail[-1].ip_address == "127.0.0.1"
    assert audit.verify() is None
