"""Single sign-on against a real OpenID Connect provider (tests/oidc_provider/, its own server process):
accounts are created at the first login, roles follow the groups claim at every login, and a refused
sign-in is explained on the login page, never a server error."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, User

from ottportal.models import SsoIdentity
from ottportal.roles import AUDITORS, MARKETERS
from tests.conftest import PASSWORD
from tests.oidc_provider.harness import sso_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
IDP_PASSWORD = "idp-pass-2026"


def _roles(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_first_login_creates_the_account_with_the_mapped_roles(sso, live_server):
    sso.set_user("maria", IDP_PASSWORD, ["ott-marketing", "everyone"], email="maria@example.com", first_name="Maria")
    session, page = sso_sign_in(live_server.url, "maria", IDP_PASSWORD)

    assert page.url == f"{live_server.url}/"
    assert page.status_code == 200 and "maria" in page.text and "Marketer" in page.text
    user = User.objects.get(username="maria")
    assert _roles(user) == {MARKETERS}  # "everyone" is not in the map: ignored
    assert user.email == "maria@example.com" and user.first_name == "Maria"
    assert not user.has_usable_password() and not user.is_staff
    identity = SsoIdentity.objects.get(user=user)
    assert identity.issuer == sso.issuer and identity.subject
    # django-axes recorded the login, so the audit log lists it.
    assert AccessLog.objects.filter(username="maria").count() == 1
    assert session.get(f"{live_server.url}/drafts/new/", timeout=30).status_code == 200


def test_roles_follow_the_claim_at_every_login(sso, live_server):
    sso.set_user("ben", IDP_PASSWORD, ["ott-admins", "ott-audit"])
    sso_sign_in(live_server.url, "ben", IDP_PASSWORD)
    ben = User.objects.get(username="ben")
    assert _roles(ben) == {"Admins", AUDITORS} and ben.is_staff

    sso.set_user("ben", IDP_PASSWORD, ["ott-audit"])  # taken out of the admins group at the provider
    session, page = sso_sign_in(live_server.url, "ben", IDP_PASSWORD)
    ben.refresh_from_db()
    assert _roles(ben) == {AUDITORS} and not ben.is_staff
    assert session.get(f"{live_server.url}/drafts/new/", timeout=30).status_code == 403
    assert session.get(f"{live_server.url}/audit/", timeout=30).status_code == 200

    sso.set_user("ben", IDP_PASSWORD, [])  # out of every mapped group
    session, page = sso_sign_in(live_server.url, "ben", IDP_PASSWORD)
    assert page.status_code == 403 and "no role" in page.text
    assert User.objects.filter(username="ben").count() == 1 and _roles(User.objects.get(username="ben")) == set()


def test_a_mapping_to_approvers_creates_the_group_when_missing(sso, live_server):
    Group.objects.filter(name="Approvers").delete()
    sso.set_user("abe", IDP_PASSWORD, ["ott-approvers", "ott-marketing"])
    sso_sign_in(live_server.url, "abe", IDP_PASSWORD)
    assert _roles(User.objects.get(username="abe")) == {"Approvers", MARKETERS}
    assert Group.objects.filter(name="Approvers").count() == 1


def test_sso_does_not_take_over_a_local_account_of_the_same_name(sso, live_server, admin):
    sso.set_user(admin.username, IDP_PASSWORD, ["ott-admins"])
    session, page = sso_sign_in(live_server.url, admin.username, IDP_PASSWORD)

    assert page.url.startswith(f"{live_server.url}/login/")
    assert "already has an account named" in page.text and "not linked" in page.text
    assert session.get(f"{live_server.url}/", timeout=30, allow_redirects=False).status_code == 302  # not in
    assert not SsoIdentity.objects.exists()
    assert AccessFailureLog.objects.filter(username=admin.username).count() == 1  # shown in the audit log


def test_a_deactivated_account_is_refused_with_a_reason(sso, live_server):
    sso.set_user("carl", IDP_PASSWORD, ["ott-marketing"])
    sso_sign_in(live_server.url, "carl", IDP_PASSWORD)
    User.objects.filter(username="carl").update(is_active=False)

    session, page = sso_sign_in(live_server.url, "carl", IDP_PASSWORD)
    assert page.url.startswith(f"{live_server.url}/login/")
    assert "is deactivated" in page.text
    assert session.get(f"{live_server.url}/", timeout=30, allow_redirects=False).status_code == 302


def test_a_password_lockout_does_not_block_single_sign_on(sso, live_server, settings):
    """django-axes still locks password guessing; single sign-on is checked by the provider instead."""
    sso.set_user("dora", IDP_PASSWORD, ["ott-marketing"])
    sso_sign_in(live_server.url, "dora", IDP_PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser = requests.Session()
        browser.get(f"{live_server.url}/login/", timeout=30)
        page = browser.post(
            f"{live_server.url}/login/",
            data={"username": "dora", "password": "wrong", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            timeout=30,
        )
    assert page.status_code == 429 and "Too many failed logins" in page.text
    _, page = sso_sign_in(live_server.url, "dora", IDP_PASSWORD)
    assert page.url == f"{live_server.url}/"


def test_a_wrong_client_secret_is_explained_not_a_server_error(sso, live_server, settings):
    from dataclasses import replace

    settings.OIDC = replace(settings.OIDC, client_secret="not-the-secret")
    sso.set_user("erin", IDP_PASSWORD, ["ott-marketing"])
    _, page = sso_sign_in(live_server.url, "erin", IDP_PASSWORD)
    assert page.url.startswith(f"{live_server.url}/login/")
    assert "Test IdP did not accept this sign-in" in page.text
    assert not User.objects.filter(username="erin").exists()


def test_an_old_callback_link_is_explained(sso, live_server):
    page = requests.get(f"{live_server.url}/oidc/callback/?code=abc&state=never-started", timeout=30)
    assert page.url.startswith(f"{live_server.url}/login/")
    assert "Sign in again" in page.text


def test_a_cancelled_sign_in_at_the_provider_is_explained(sso, live_server):
    browser = requests.Session()
    at_provider = browser.get(f"{live_server.url}/oidc/authenticate/", timeout=30)  # a sign-in this browser started
    authorize = parse_qs(urlsplit(at_provider.url).query)["next"][0]  # the provider's login page, then this
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    page = browser.get(
        f"{live_server.url}/oidc/callback/?error=access_denied&error_description=You+said+no&state={state}", timeout=30
    )
    assert page.url.startswith(f"{live_server.url}/login/")
    assert "Test IdP did not sign you in (access_denied): You said no." in page.text


def test_a_crafted_error_link_cannot_put_its_words_on_the_login_page(sso, live_server):
    page = requests.get(
        f"{live_server.url}/oidc/callback/?error=access_denied&error_description=Call+555-0100+now&state=x", timeout=30
    )
    assert "Test IdP did not sign you in (access_denied)." in page.text
    assert "555-0100" not in page.text


def test_the_local_password_still_works_beside_sso(sso, live_server, admin):
    from django.test import Client

    client = Client()
    page = client.get("/login/")
    assert "Sign in with Test IdP" in page.content.decode() and 'name="password"' in page.content.decode()
    assert client.post("/login/", {"username": admin.username, "password": PASSWORD}).status_code == 302


def test_a_provider_that_names_another_issuer_is_refused_before_anyone_signs_in(sso, live_server, settings):
    from dataclasses import replace

    # The same provider reached under another name: its discovery document names 127.0.0.1, not localhost.
    other = sso.issuer.replace("127.0.0.1", "localhost")
    settings.OIDC = replace(settings.OIDC, issuer=other, discovery_url=f"{other}/.well-known/openid-configuration")
    sso.set_user("fay", IDP_PASSWORD, ["ott-marketing"])
    page = requests.get(f"{live_server.url}/oidc/authenticate/", timeout=30)
    assert page.url.startswith(f"{live_server.url}/login/")
    assert f"says its issuer is {sso.issuer}, but OIDC_ISSUER is {other}" in page.text


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iss": "https://elsewhere.example", "aud": "ott-portal"}, "names another issuer"),
        ({"aud": "another-app"}, "issued to another application"),
        ({"aud": ["another-app", "ott-portal"], "azp": "another-app"}, "issued to another application (azp)"),
    ],
)
def test_an_id_token_for_another_issuer_or_application_is_refused(settings, claims, reason):
    """What mozilla-django-oidc leaves out (it skips the audience): checked on the verified token."""
    from ottportal.sso.backends import OidcBackend
    from ottportal.sso.config import oidc_config_from_env
    from ottportal.sso.provider import SsoRefused
    from tests.oidc_provider.harness import CLIENT_ID, CLIENT_SECRET, GROUP_MAP

    config = oidc_config_from_env(
        {"OIDC_ISSUER": "https://login.example.com", "OIDC_CLIENT_ID": CLIENT_ID}
        | {"OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_GROUP_MAP": GROUP_MAP}
    )
    backend = OidcBackend()
    backend.config, backend.metadata = config, {"issuer": "https://login.example.com"}
    backend._check_id_token({"iss": "https://login.example.com", "aud": CLIENT_ID, "sub": "1"})  # ours: fine
    with pytest.raises(SsoRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        backend._check_id_token({"iss": "https://login.example.com", "sub": "1", **claims})
