"""What a worker process shares between its tasks: one OTT client (token cache, Sessions), one pool
of posting threads (they keep their connections), one per-sender gate (rate, holds, breaker)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from django.conf import settings

from messages.engine.gate import SenderGate
from ott.client import OttClient


class SendPool:
    """Threads that run the posts: each takes (reply, function, arguments) from one queue and puts what
    the function returned, or a `PoolError` with what it raised, on `reply`. Lighter than a
    ThreadPoolExecutor, whose Future (a Condition and its locks) per post cost about 8% of the worker's
    time in a profile at concurrency 256."""

    def __init__(self, size: int) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._run, name=f"ott-send-{n}", daemon=True) for n in range(size)]
        for thread in self._threads:
            thread.start()

    def submit(self, reply: queue.SimpleQueue, function: Callable, *args) -> None:
        self._jobs.put((reply, function, args))

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            reply, function, args = job
            try:
                reply.put(function(*args))
            except BaseException as exc:  # handed to the caller, which raises it
                reply.put(PoolError(exc))

    def shutdown(self) -> None:
        """The threads end once they have finished what was submitted."""
        for _ in self._threads:
            self._jobs.put(None)


class PoolError:
    """What a function run by the pool raised, put on its reply queue in place of a result."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_shared_lock = threading.Lock()
_shared: dict[str, tuple] = {}


def _process_wide(name: str, key, make):
    """One object per worker process for `name`, made again when its configuration `key` changes, so
    every task in the process shares it (and a pool's threads keep their Sessions and connections)."""
    with _shared_lock:
        current = _shared.get(name)
        if current is None or current[0] != key:
            if current is not None and isinstance(current[1], SendPool):
                current[1].shutdown()
            current = _shared[name] = (key, make())
        return current[1]


def forget() -> None:
    """Drop the process's shared objects (they are made again on first use)."""
    with _shared_lock:
        for _, value in _shared.values():
            if isinstance(value, SendPool):
                value.shutdown()
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


def send_pool() -> SendPool:
    size = concurrency()
    return _process_wide("pool", size, lambda: SendPool(size))
