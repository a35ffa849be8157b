"""One log line per event, tagged with the request path and user that caused it."""

from __future__ import annotations

import contextvars
import logging

_request_path: contextvars.ContextVar[str] = contextvars.ContextVar("request_path", default="-")
_request_user: contextvars.ContextVar[str] = contextvars.ContextVar("request_user", default="-")


def _username(request) -> str:
    user = getattr(request, "user", None)
    return user.get_username() if user is not None and user.is_authenticated else "-"


class RequestContextFilter(logging.Filter):
    """Adds `request_path` and `request_user`: from the record's own request (Django's request log)
    or from the request being handled in this thread or task."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request_path, record.request_user = request.path, _username(request)
        else:
            record.request_path, record.request_user = _request_path.get(), _request_user.get()
        return True


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path_token = _request_path.set(request.path)
        user_token = _request_user.set(_username(request))
        try:
            return self.get_response(request)
        finally:
            _request_path.reset(path_token)
            _request_user.reset(user_token)
