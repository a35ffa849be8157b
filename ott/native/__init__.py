"""Native payloads checked as the networks check them: `problems(network, payload)`.

- LINE (`ott.native.line`): LINE's own published schema (`ott/schemas/line-messaging-api.yml`, with
  `jsonschema`), then by hand only what the schema does not encode, each rule with its source.
- Messenger (`ott.native.messenger`): Meta publishes no schema; its limits are one table, each with
  its reference.

Each finding names its path inside the payload, list items counted from 1. A payload nested deeper
than `ott.text.MAX_DEPTH` is one finding, and nothing walks it.
"""

from __future__ import annotations

from typing import Any

from ott.native import line, messenger
from ott.native.common import Finding
from ott.networks import LINE, MESSENGER
from ott.text import MAX_DEPTH, too_deep
from ott.words import _

__all__ = ["Finding", "problems"]

_CHECKS = {LINE: line.findings, MESSENGER: messenger.findings}


def problems(network: str, payload: Any) -> list[Finding]:
    """Every reason `network` would refuse this native payload, and every warning, in a stable order."""
    if not isinstance(payload, dict):
        return [Finding("", _("must be one JSON object: { … }."))]
    if too_deep(payload):
        return [
            Finding(
                "",
                _("the payload is nested more than %(max)s levels deep; simplify it (at most %(max)s levels).")
                % {"max": MAX_DEPTH},
            )
        ]
    return _CHECKS[network](payload)
