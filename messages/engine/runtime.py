"""What a worker process shares between its tasks: one OTT client (token cache, Sessions), one thread
pool (its threads keep their connections), one per-sender rate limiter."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from ott.client import OttClient


class RateLimiter:
    """At most `rate` requests per second per sender in this process (0: no cap). Thread-safe."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next: dict[int, float] = {}
        self._lock = threading.Lock()

    def wait(self, sender_pk: int) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(sender_pk, now))
            self._next[sender_pk] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


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


def rate_limiter() -> RateLimiter:
    rate = float(settings.OTT_SENDER_RATE_LIMIT)
    return _process_wide("limiter", rate, lambda: RateLimiter(rate))


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
