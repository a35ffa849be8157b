"""One log line per event, tagged with the request path and user that caused it."""

from __future__ import annotations

import contextvars
import logging

_request_path: contextvars.ContextVar[str] = contextvars.ContextVar("request_path", default="-")
_request_user: contextvars.ContextVar[str] = contextvars.ContextVar("request_user", default="-")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_path = _request_path.get()
        record.request_user = _request_user.get()
        return True


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        path_token = _request_path.set(request.path)
        user_token = _request_user.set(user.get_username() if user and user.is_authenticated else "-")
        try:
            return self.get_response(request)
        finally:
            _request_path.reset(path_token)
            _request_user.reset(user_token)
