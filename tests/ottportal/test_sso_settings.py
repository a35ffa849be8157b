"""The OIDC_* and LOCAL_LOGIN settings: a mistake stops start-up naming the variable and the rule; a
correct configuration starts without asking the provider anything (an outage there must not keep the
portal, and its local admins, out); `check --deploy` then says whether the provider answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ottportal.roles import ROLES
from ottportal.sso.config import SSO_GROUPS, local_login_from_env, oidc_config_from_env, parse_group_map

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "OIDC_ISSUER": "https://login.example.com/realms/staff",
    "OIDC_CLIENT_ID": "ott-portal",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_GROUP_MAP": "ott-admins=Admins, ott-marketing=Marketers,ott-audit=auditors,ott-approve=Approvers",
}


def test_the_groups_a_claim_can_map_to_are_the_portals_roles():
    assert set(SSO_GROUPS) == set(ROLES)


def test_sso_is_off_without_an_issuer():
    assert oidc_config_from_env({}) is None
    assert local_login_from_env({}, None) is True


def test_a_complete_configuration_with_its_defaults():
    config = oidc_config_from_env(GOOD)
    assert config.issuer == "https://login.example.com/realms/staff"
    assert config.discovery_url == "https://login.example.com/realms/staff/.well-known/openid-configuration"
    assert config.scopes == ("openid", "email", "profile")
    assert config.groups_claim == "groups" and config.username_claim == "preferred_username"
    assert config.sign_algo == "RS256" and config.provider_name == "login.example.com"
    assert config.group_map == {
        "ott-admins": "Admins",
        "ott-marketing": "Marketers",
        "ott-audit": "Auditors",  # group names are matched without regard to case
        "ott-approve": "Approvers",
    }


def test_the_discovery_url_may_be_given_instead_of_the_issuer():
    config = oidc_config_from_env({**GOOD, "OIDC_ISSUER": GOOD["OIDC_ISSUER"] + "/.well-known/openid-configuration"})
    assert config.issuer == GOOD["OIDC_ISSUER"]


def test_claim_values_with_commas_go_in_a_json_map():
    mapping = parse_group_map('{"cn=ott-admins,ou=groups,dc=example,dc=com": "Admins"}')
    assert mapping == {"cn=ott-admins,ou=groups,dc=example,dc=com": "Admins"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID must be set in the environment (or .env) when OIDC_ISSUER is set."),
        ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET must be set"),
        ({"OIDC_GROUP_MAP": ""}, "OIDC_GROUP_MAP must be set"),
        ({"OIDC_ISSUER": ""}, "OIDC_ISSUER must be set to turn single sign-on on (OIDC_CLIENT_ID is set)"),
        ({"OIDC_ISSUER": "http://login.example.com"}, "OIDC_ISSUER must use https"),
        ({"OIDC_ISSUER": "login.example.com"}, "OIDC_ISSUER must be the provider's https URL"),
        (
            {"OIDC_GROUP_MAP": "ott-admins=Admin"},
            "OIDC_GROUP_MAP maps 'ott-admins=Admin' to 'Admin', which is not a portal group: "
            "use one of Admins, Marketers, Auditors, Approvers.",
        ),
        ({"OIDC_GROUP_MAP": "ott-admins"}, "OIDC_GROUP_MAP entry 'ott-admins' must be `claim value=Group`"),
        ({"OIDC_GROUP_MAP": "{not json"}, "OIDC_GROUP_MAP looks like JSON but is not valid JSON"),
        ({"OIDC_SCOPES": "email profile"}, "OIDC_SCOPES must include openid"),
        ({"OIDC_SIGN_ALGO": "none"}, "OIDC_SIGN_ALGO must be one of RS256"),
        ({"OIDC_GROUPS_CLAIM": "a..b"}, "OIDC_GROUPS_CLAIM must be a claim name or a dotted path"),
    ],
)
def test_each_mistake_is_named(change, message):
    with pytest.raises(ImproperlyConfigured) as error:
        oidc_config_from_env({**GOOD, **change})
    assert message in str(error.value)


def test_local_login_is_strict_about_its_value():
    with pytest.raises(ImproperlyConfigured, match="LOCAL_LOGIN must be true or false"):
        local_login_from_env({"LOCAL_LOGIN": "flase"}, oidc_config_from_env(GOOD))


def _portal(env_overrides: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    dropped = {"DEBUG", "LOCAL_LOGIN", *(name for name in os.environ if name.startswith("OIDC_"))}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DEBUG": "true", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_start_up_stops_naming_the_missing_setting():
    result = _portal({"OIDC_ISSUER": GOOD["OIDC_ISSUER"], "OIDC_GROUP_MAP": "ott-admins=Admins"}, "check")
    assert result.returncode != 0
    assert "OIDC_CLIENT_ID must be set in the environment (or .env) when OIDC_ISSUER is set." in result.stderr


def test_start_up_stops_when_passwords_are_off_without_sso():
    result = _portal({"LOCAL_LOGIN": "false"}, "check")
    assert result.returncode != 0
    assert "LOCAL_LOGIN is false but single sign-on is not set up (OIDC_ISSUER is empty)" in result.stderr


def test_a_correct_configuration_starts_while_the_provider_is_down_and_the_deploy_check_says_so():
    down = {**GOOD, "OIDC_ISSUER": "http://127.0.0.1:9/realms/staff", "LOCAL_LOGIN": "false"}
    assert _portal(down, "check").returncode == 0
    deploy = _portal(down, "check", "--deploy")
    assert "ottportal.W101" in deploy.stderr + deploy.stdout
    assert "Single sign-on is on, but its provider cannot be used" in deploy.stderr + deploy.stdout


def test_the_deploy_check_is_quiet_when_the_provider_answers(identity_provider):
    result = _portal(identity_provider.portal_env(), "check", "--deploy")
    assert "ottportal.W101" not in result.stderr + result.stdout
