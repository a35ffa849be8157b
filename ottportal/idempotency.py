"""`Idempotency-Key` for API writes that must not happen twice (as Stripe and others do it).

A client that retries after a timeout sends the same key again. The same user with the same key within
KEY_TTL gets the first answer again (same status and body, header `Idempotent-Replayed: true`) and
nothing is created; the same key with a different request (body or address) is a 409 naming the header.

The key is claimed by inserting its row in the transaction that does the work, so two concurrent
requests with one key serialise on the row's unique index (PostgreSQL) or on the write lock (SQLite):
the second waits for the first and then replays its answer. Only a successful (2xx) answer is kept: a
refused request created nothing, so it may be corrected and sent again with the same key.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from ottportal.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_TTL = timedelta(hours=24)
KEY_PATTERN = r"^[!-~]{1,255}$"  # 1 to 255 visible ASCII characters (a UUID is a good key)


class KeyReused(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = {
        HEADER: [
            "This key was used for a different request (another body or address) in the last 24 hours. "
            "Use a new key for a new request."
        ]
    }


# For the action's @extend_schema: the header and the 409.
PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "pattern": KEY_PATTERN, "minLength": 1, "maxLength": 255},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes a retry safe: the same key from the same user within 24 hours returns the first successful "
        "answer (same status and body, header `Idempotent-Replayed: true`) and creates nothing; the same key "
        "with a different request is a 409. Use a new random key (e.g. a UUID) for each new request."
    ),
)
CONFLICT = OpenApiResponse(description=f"The {HEADER} was already used for a different request")


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "getlist"):  # form data: every value of every field
        data = {name: data.getlist(name) for name in data}
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(user, key: str, fingerprint: str) -> IdempotencyKey | Response:
    """The new row that holds the key for this request, or the answer to replay."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, request_hash=fingerprint)
    except IntegrityError:  # the key is taken (if another request held it, it has now committed)
        pass
    earlier = IdempotencyKey.objects.select_for_update().get(user=user, key=key)
    if earlier.created_at < timezone.now() - KEY_TTL:  # expired: the key starts afresh
        earlier.delete()
        return IdempotencyKey.objects.create(user=user, key=key, request_hash=fingerprint)
    if earlier.request_hash != fingerprint:
        raise KeyReused()
    return Response(earlier.response, status=earlier.status_code, headers={REPLAYED_HEADER: "true"})


def idempotent(view_method):
    """Decorator for a viewset action: honour the request's `Idempotency-Key` header if it has one."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not re.fullmatch(KEY_PATTERN, key):
            raise ValidationError({HEADER: ["Give 1 to 255 visible ASCII characters (a UUID is a good key)."]})
        with transaction.atomic():
            claimed = _claim(request.user, key, _fingerprint(request))
            if isinstance(claimed, Response):
                return claimed
            response = view_method(self, request, *args, **kwargs)
            if status.is_success(response.status_code):
                claimed.status_code, claimed.response = response.status_code, response.data
                claimed.save(update_fields=["status_code", "response"])
            else:
                claimed.delete()
            return response

    return wrapper


def idempotency_keys_expire() -> int:
    """Delete keys older than KEY_TTL (housekeeping); returns how many."""
    return IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEY_TTL).delete()[0]
