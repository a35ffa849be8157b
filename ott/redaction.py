"""Keep bearer tokens and registration secrets out of logs, the database and pages."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"

# Compared case-insensitively, with "_" and "-" ignored (client_secret == clientSecret).
SECRET_KEYS = frozenset(
    {
        "authorization",
        "accesstoken",
        "clientsecret",
        "applicationsecret",
        "pageaccesstoken",
        "channelsecret",
        "customerconnectsecret",
        "callbackverifytoken",
        "password",
        "token",
        "refreshtoken",
    }
)

_BEARER = re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}")


def is_secret_key(key: str) -> bool:
    return key.replace("_", "").replace("-", "").lower() in SECRET_KEYS


def redact(data: Any, secrets: tuple[str, ...] = ()) -> Any:
    """A copy of `data` with the values of secret keys, bearer tokens and `secrets` blanked, at any depth."""
    if isinstance(data, dict):
        return {key: REDACTED if is_secret_key(str(key)) else redact(value, secrets) for key, value in data.items()}
    if isinstance(data, list):
        return [redact(item, secrets) for item in data]
    if isinstance(data, str):
        return redact_text(data, secrets)
    return data


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with bearer tokens and the given secret values blanked out."""
    text = _BEARER.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
