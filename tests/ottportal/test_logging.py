"""Logs: one line per event, tagged with the request path and the user."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings

from ottportal.logging import RequestContextFilter
from tests.conftest import client_for


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestContextFilter())
        self.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["line"]["format"]))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def collected():
    handler = Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.lines
    root.removeHandler(handler)


def test_django_request_warnings_carry_path_and_user(marketer, collected):
    client_for(marketer).get("/no/such/page")
    line = next(line for line in collected if "Not Found" in line)
    assert "[path=/no/such/page user=mark-marketer]" in line
    assert "\n" not in line


def test_application_logs_inside_a_request_carry_path_and_user(admin, collected, settings):
    settings.OTT_REST_URL = settings.OTT_AUTH_URL = "http://127.0.0.1:9"
    client_for(admin).post("/senders/import/")
    line = next(line for line in collected if "ott POST" in line)
    assert "[path=/senders/import/ user=alice-admin]" in line


def test_logs_outside_a_request_say_so(collected):
    logging.getLogger("ott.test").warning("background event")
    assert collected[-1].endswith("ott.test [path=- user=-] background event")
