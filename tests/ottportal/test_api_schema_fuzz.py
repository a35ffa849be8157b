"""schemathesis against /api/schema/ with a marketer token and with an auditor token, with every check
schemathesis has (as `st run --checks all`), on valid and invalid requests alike: no 500s; every answer's
status, content type, headers and body as the schema documents them; every request the schema calls
valid is accepted and every one it calls invalid refused; methods the schema does not list get 405.

Two allowances, both deliberate: a write (POST, PUT, PATCH) may answer 400 to a body the schema calls
valid, because what it refuses is a rule the schema cannot state (the sender must exist and be active,
Marketing Cloud's message rules, the username and password must match an account); and generated text
holds no NUL character, which the API refuses everywhere with a documented 400."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from ottportal.tokens import api_token_create

load_all_checks()
ALL_CHECKS = CHECKS.get_all()
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
WRITES_MAY_REFUSE_RULES = {
    "include-method": ["POST", "PUT", "PATCH"],
    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
}


def _schema(**config):
    """The schema the API publishes at /api/schema/, generated here without a request, served in-process."""
    config = SchemathesisConfig.from_dict(
        {"generation": {"mode": "all", "allow-x00": False}, "operations": [WRITES_MAY_REFUSE_RULES], **config}
    )
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=config)
    schema.app = get_wsgi_application()
    return schema


@pytest.fixture
def in_process_requests():
    """Requests are served in-process through WSGI inside the test's transaction: keep Django from
    closing the test database connection around each request, as its own test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def token_for(user) -> dict:
    return {"Authorization": f"Token {api_token_create(user=user, name='schemathesis')[1]}"}


@pytest.fixture
def marketer_headers(marketer) -> dict:
    return token_for(marketer)


@pytest.fixture
def auditor_headers(auditor) -> dict:
    return token_for(auditor)


FUZZ = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
}
# Everything schemathesis generates (explicit examples, the coverage of every parameter's edges, fuzzing).
as_marketer = _schema()
# The auditor's run is about the role (reads answer, writes are refused as documented): fuzzing only.
as_auditor = _schema(phases={"coverage": {"enabled": False}, "examples": {"enabled": False}})


@as_marketer.parametrize()
@settings(max_examples=25, **FUZZ)
def test_generated_requests_as_a_marketer(case, marketer_headers, line_draft, in_process_requests):
    case.call_and_validate(headers=marketer_headers, checks=ALL_CHECKS)


@as_auditor.parametrize()
@settings(max_examples=10, **FUZZ)
def test_generated_requests_as_an_auditor(case, auditor_headers, line_draft, in_process_requests):
    case.call_and_validate(headers=auditor_headers, checks=ALL_CHECKS)
