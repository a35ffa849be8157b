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
    or from the request being handled in this thread or task.

    A warning that carries an exception (Django logs every 403 and 400 with the PermissionDenied or
    SuspiciousOperation that caused it) is folded into its one line: the exception's type and message,
    not a traceback. Errors keep their traceback: that is what they are read for."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request_path, record.request_user = request.path, _username(request)
        else:
            record.request_path, record.request_user = _request_path.get(), _request_user.get()
        if record.exc_info and record.levelno < logging.ERROR:
            _fold_exception(record)
        return True


def _fold_exception(record: logging.LogRecord) -> None:
    exception = record.exc_info[1] if isinstance(record.exc_info, tuple) else record.exc_info
    if isinstance(exception, BaseException):
        reason = " ".join(str(exception).split())
        record.msg = f"{record.getMessage()} ({type(exception).__name__}{': ' + reason if reason else ''})"
        record.args = None
    record.exc_info = record.exc_text = None


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
