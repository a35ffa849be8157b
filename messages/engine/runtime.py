"""What a worker process shares between its tasks: one OTT client (token cache, Sessions), one thread
pool (its threads keep their connections), one per-sender gate (rate, holds, breaker)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from messages.engine.gate import SenderGate
from ott.client import OttClient

_shared_lock = threading.Lock()
_shared: dict[str, tuple] = {}


def _process_wide(name: str, key, make):
    """One object per worker process for `name`, made again when its configuration `key` changes, so
    every task in the process shares it (and a pool's threads keep their Sessions and connections)."""
    with _shared_lock:
        current = _shared.get(name)
        if current is None or current[0] != key:
            if current is not None and isinstance(current[1], ThreadPoolExecutor):
                current[1].shutdown(wait=False)
            current = _shared[name] = (key, make())
        return current[1]


def forget() -> None:
    """Drop the process's shared objects (they are made again on first use)."""
    with _shared_lock:
        for _, value in _shared.values():
            if isinstance(value, ThreadPoolExecutor):
                value.shutdown(wait=False)
        _shared.clear()


def sender_gate() -> SenderGate:
    """The process's per-sender gate (rate, holds on 429, breaker): see engine.gate."""
    key = (
        float(settings.OTT_SENDER_RATE_LIMIT),
        int(settings.OTT_BREAKER_FAILURES),
        float(settings.OTT_BREAKER_COOLDOWN_SECONDS),
        float(settings.OTT_BLOCK_HOLD_SECONDS),
    )
    return _process_wide("gate", key, lambda: SenderGate(*key))


_CLIENT_SETTINGS = (
    "OTT_AUTH_URL",
    "OTT_REST_URL",
    "OTT_CLIENT_ID",
    "OTT_CLIENT_SECRET",
    "OTT_CONNECT_TIMEOUT",
    "OTT_READ_TIMEOUT",
    "OTT_SEND_CONCURRENCY",
)


def shared_client() -> OttClient:
    key = tuple(getattr(settings, name) for name in _CLIENT_SETTINGS)
    return _process_wide("client", key, OttClient.from_settings)


def concurrency() -> int:
    return max(1, int(settings.OTT_SEND_CONCURRENCY))


def send_pool() -> ThreadPoolExecutor:
    size = concurrency()
    return _process_wide("pool", size, lambda: ThreadPoolExecutor(max_workers=size, thread_name_prefix="ott-send"))
