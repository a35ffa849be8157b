"""What every sandbox endpoint shares: JSON in and out, bearer tokens, size and method limits."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.models import SandboxToken

MAX_BODY_BYTES = 1024 * 1024


def error(status: int, message: str, errorcode: int = 0, **extra) -> JsonResponse:
    """Marketing Cloud's error shape: {"message", "errorcode", "documentation"}."""
    return JsonResponse({"message": message, "errorcode": errorcode, "documentation": "", **extra}, status=status)


def _bearer_token_valid(request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    return SandboxToken.objects.filter(token=token.strip(), expires_at__gt=timezone.now()).exists()


def endpoint(*methods: str, auth: bool = True):
    """Wrap a sandbox view: 405/401/413/400 answered here, as JSON; `request.json` set for a body."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                response = error(405, f"Method {request.method} is not allowed here; use {', '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            if auth and not _bearer_token_valid(request):
                response = error(401, "Not Authorized: a valid bearer token is required.", 0)
                response["WWW-Authenticate"] = 'Bearer realm="sandbox"'
                return response
            request.json = None
            if request.method == "POST":
                try:
                    declared = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    declared = 0
                if declared > MAX_BODY_BYTES:
                    return error(413, f"The request body is larger than {MAX_BODY_BYTES:,} bytes.")
                raw = request.read(MAX_BODY_BYTES + 1)
                if len(raw) > MAX_BODY_BYTES:
                    return error(413, f"The request body is larger than {MAX_BODY_BYTES:,} bytes.")
                try:
                    request.json = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    return error(400, "The request body must be UTF-8 encoded JSON.")
                except json.JSONDecodeError as exc:
                    where = f"line {exc.lineno} column {exc.colno}"
                    return error(400, f"The request body is not valid JSON: {exc.msg} at {where}.")
                except RecursionError:
                    return error(400, "The request body is nested too deeply.")
                if not isinstance(request.json, dict):
                    return error(400, "The request body must be a JSON object.")
            return view(request, *args, **kwargs)

        return login_not_required(csrf_exempt(wrapped))

    return decorator
