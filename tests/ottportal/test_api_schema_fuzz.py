"""schemathesis against /api/schema/ with a marketer token and with an auditor token: generated
requests for every operation never get a 500, and every answer matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(params=["marketer", "auditor"])
def token(request, db, line_draft) -> str:
    user = request.getfixturevalue(request.param)
    return Token.objects.get_or_create(user=user)[0].key


@pytest.fixture
def in_process_requests():
    """Requests are served in-process through WSGI inside the test's transaction: keep Django from
    closing the test database connection around each request, as its own test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


# The schema the API publishes at /api/schema/, generated here without a request.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_generated_requests(case, token, in_process_requests):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
