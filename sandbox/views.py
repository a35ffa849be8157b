"""A faithful fake of Marketing Cloud's token, send, status and registration APIs.

Same bodies, codes and messages as the real service where they are documented (docs/ott-api.md
says where the sandbox had to decide). Faults on demand by recipient ottId:
`sandbox-fail-500`, `sandbox-fail-429`, `sandbox-blocked` (429 with 50200, "temporarily blocked"),
`sandbox-slow-<ms>`, `sandbox-flaky-<n>`, `sandbox-network-error`.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ott import rules
from ott.networks import NETWORKS
from sandbox.http import endpoint, error
from sandbox.models import SandboxAttempt, SandboxMessage, SandboxRegistration, SandboxToken

SENDER_UNKNOWN = 10005
NOT_FOUND = 10404
RATE_LIMITED = 50100
TEMPORARILY_BLOCKED = 50200
MAX_SLOW_MS = 60_000
_SLOW = re.compile(r"^sandbox-slow-(\d+)$")
_FLAKY = re.compile(r"^sandbox-flaky-(\d+)$")


@endpoint("POST", auth=False)
def token(request):
    body = request.json
    if body.get("grant_type") != "client_credentials":
        return JsonResponse(
            {"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"},
            status=400,
        )
    client_id = str(body.get("client_id") or "")
    client_secret = str(body.get("client_secret") or "")
    if not (
        settings.OTT_CLIENT_ID
        and hmac.compare_digest(client_id, settings.OTT_CLIENT_ID)
        and hmac.compare_digest(client_secret, settings.OTT_CLIENT_SECRET)
    ):
        return JsonResponse(
            {"error": "invalid_client", "error_description": "Client authentication failed."}, status=401
        )
    access_token = secrets.token_urlsafe(32)
    ttl = settings.SANDBOX_TOKEN_TTL
    SandboxToken.objects.filter(expires_at__lt=timezone.now()).delete()
    SandboxToken.objects.create(token=access_token, expires_at=timezone.now() + timedelta(seconds=ttl))
    base = request.build_absolute_uri("/sandbox/")
    return JsonResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": "ott_chat_messaging_read ott_chat_messaging_write",
            "rest_instance_url": base,
            "soap_instance_url": base,
        }
    )


def _item(message: str, errorcode: int) -> dict:
    """One `validationErrors` item, in Marketing Cloud's shape."""
    return {"message": message, "errorcode": errorcode, "documentation": ""}


def _envelope(problems: list[dict]) -> JsonResponse:
    unique = list({(p["message"], p["errorcode"]): p for p in problems}.values())
    return JsonResponse(
        {
            "message": rules.ENVELOPE_MESSAGE,
            "errorcode": rules.ENVELOPE,
            "documentation": "",
            "validationErrors": unique,
        },
        status=400,
    )


def _count_post(message_key: str) -> int:
    """Count a POST for this messageKey, whatever its answer (tests read it: no retry storm, nothing
    posted while paused); returns the count so far."""
    with transaction.atomic():
        attempt, _ = SandboxAttempt.objects.get_or_create(message_key=message_key)
        SandboxAttempt.objects.filter(pk=attempt.pk).update(count=F("count") + 1)
    return attempt.count + 1


def _fault(ott_id: str, message_key: str) -> JsonResponse | None:
    """The fault a recipient asks for, if it fails this attempt; sleeps for `sandbox-slow-<ms>`."""
    posts = _count_post(message_key) if message_key else 0
    if ott_id == "sandbox-fail-500":
        return error(500, "Internal Server Error (sandbox fault)")
    if ott_id == "sandbox-fail-429":
        response = error(429, "Rate limit exceeded", RATE_LIMITED, retryAfter=1)
        response["Retry-After"] = "1"
        return response
    if ott_id == "sandbox-blocked":
        response = error(429, "Temporarily blocked", TEMPORARILY_BLOCKED, retryAfter=2)
        response["Retry-After"] = "2"
        return response
    if (match := _FLAKY.match(ott_id)) and posts <= int(match.group(1)):
        return error(503, "Service Unavailable (sandbox fault)")
    if match := _SLOW.match(ott_id):
        time.sleep(min(int(match.group(1)), MAX_SLOW_MS) / 1000)
    return None


@endpoint("POST")
def send(request):
    body = rules.normalize(request.json)
    recipient = body.get("to") if isinstance(body.get("to"), dict) else {}
    ott_id = str(recipient.get("ottId") or "")
    message_key = str(body.get("messageKey") or "")
    if len(message_key) > rules.KEY_LIMIT:
        return _envelope([_item(f"Message Key must be at most {rules.KEY_LIMIT} characters", rules.INVALID_VALUE)])
    if fault := _fault(ott_id, message_key):
        return fault

    problems = [p.as_validation_error() for p in rules.check(body, network_rules=False)]
    if problems:
        return _envelope(problems)
    network = rules.network_of(body)
    sender_id = str(body["from"]["senderId"]).strip()
    if not SandboxRegistration.objects.filter(platform=network.name, sender_id=sender_id, is_active=True).exists():
        return _envelope([_item("Sender Id provided is either unregistered or inactive", SENDER_UNKNOWN)])

    # A messageKey already accepted is answered as accepted again, with the same ottRequestId, and is
    # not delivered twice; accepted_count witnesses how often that happened.
    if SandboxMessage.objects.filter(message_key=message_key).update(accepted_count=F("accepted_count") + 1):
        existing = SandboxMessage.objects.get(message_key=message_key)
        return JsonResponse({"ottRequestId": existing.ott_request_id}, status=201)

    network_problems = [p.message for p in rules.check(body) if p.layer == "network"]
    reason = "; ".join(network_problems)
    if ott_id == "sandbox-network-error":
        reason = "The network could not deliver the message to this recipient (sandbox fault)."
    try:
        with transaction.atomic():
            message = SandboxMessage.objects.create(
                message_key=message_key,
                ott_request_id=str(uuid.uuid4()),
                request_body=request.json,
                error_reason=reason,
            )
    except IntegrityError:  # the same key, accepted by a concurrent request a moment ago
        SandboxMessage.objects.filter(message_key=message_key).update(accepted_count=F("accepted_count") + 1)
        message = SandboxMessage.objects.get(message_key=message_key)
    return JsonResponse({"ottRequestId": message.ott_request_id}, status=201)


def _events(message: SandboxMessage) -> list[dict]:
    step = timedelta(seconds=settings.SANDBOX_EVENT_STEP_SECONDS)
    now = timezone.now()
    final = ("Error", {"reason": message.error_reason}) if message.error_reason else ("Sent", {})
    timeline = [("Created", {}), ("Queued", {}), final]
    events = []
    for index, (name, extra) in enumerate(timeline):
        at = message.accepted_at + step * index
        if at > now:
            break
        events.append({"event": name, "eventDateTime": at.isoformat().replace("+00:00", "Z"), **extra})
    return events


@endpoint("GET")
def send_status(request, message_id: str):
    message = SandboxMessage.objects.filter(Q(message_key=message_id) | Q(ott_request_id=message_id)).first()
    if message is None:
        return error(404, f"No message found for messageId {message_id}", NOT_FOUND)
    return JsonResponse({"requestBody": message.request_body, "status": _events(message)})


@endpoint("POST")
def registration(request):
    body = request.json
    platform = str(body.get("ottPlatformName") or "").strip().lower()
    attributes = body.get("ottPlatformAttributes")
    if platform not in NETWORKS:
        return _envelope([_item("ottPlatformName must be one of: line, messenger", rules.INVALID_VALUE)])
    if not isinstance(attributes, dict):
        return _envelope([_item("ottPlatformAttributes must be provided", rules.MISSING)])
    network = NETWORKS[platform]
    missing = [
        _item(f"{name} must be provided", rules.MISSING)
        for name in network.required_attributes
        if not str(attributes.get(name) or "").strip()
    ]
    too_long = [
        _item(f"{name} must be at most {limit} characters", rules.INVALID_VALUE)
        for name, limit in ((network.id_attribute, 64), (network.name_attribute, 200))
        if len(str(attributes.get(name))) > limit
    ]
    if missing or too_long:
        return _envelope(missing + too_long)
    saved = SandboxRegistration.register(platform, attributes)
    return JsonResponse({"ottPlatformName": platform, "ottPlatformAttributes": saved.attributes}, status=201)


def _positive_int(value: str | None, default: int, name: str, limit: int) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or not 1 <= int(value) <= limit:
        raise ValueError(f"{name} must be a whole number from 1 to {limit}")
    return int(value)


@endpoint("GET")
def registration_list(request, platform: str):
    platform = platform.lower()
    if platform not in NETWORKS:
        return error(404, f"Unknown platform {platform!r}: use line or messenger", NOT_FOUND)
    try:
        page = _positive_int(request.GET.get("$page"), 1, "$page", 1_000_000)
        size = _positive_int(request.GET.get("$pagesize"), 50, "$pagesize", 500)
    except ValueError as exc:
        return error(400, str(exc), rules.INVALID_VALUE)
    registrations = SandboxRegistration.objects.filter(platform=platform)
    count = registrations.count()
    rows = registrations[(page - 1) * size : page * size]
    base = request.build_absolute_uri(request.path)

    def link(number: int) -> str:
        return f"{base}?$page={number}&$pagesize={size}"

    return JsonResponse(
        {
            "count": count,
            "page": page,
            "pageSize": size,
            "links": {
                "self": link(page),
                "next": link(page + 1) if page * size < count else None,
                "previous": link(page - 1) if page > 1 else None,
            },
            "items": [{"ottPlatformName": platform, "ottPlatformAttributes": row.attributes} for row in rows],
        }
    )


@login_not_required
@csrf_exempt
def not_found(request, rest: str = ""):
    return error(404, f"No sandbox endpoint at {request.path}", NOT_FOUND)
