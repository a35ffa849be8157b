"""The worker's pool of posting threads: every result comes back on its caller's queue, and what a
function raised comes back too, to be raised by the caller."""

from __future__ import annotations

import queue
import threading

from messages.engine.runtime import PoolError, SendPool


def test_results_come_back_on_each_callers_queue_and_errors_are_handed_over():
    pool = SendPool(4)
    mine, theirs = queue.SimpleQueue(), queue.SimpleQueue()
    threads = set()

    def double(n):
        threads.add(threading.current_thread().name)
        return n * 2

    for n in range(100):
        pool.submit(mine, double, n)
    pool.submit(theirs, int, "not a number")
    assert sorted(mine.get(timeout=5) for _ in range(100)) == [n * 2 for n in range(100)]
    failed = theirs.get(timeout=5)
    assert isinstance(failed, PoolError) and isinstance(failed.error, ValueError)
    assert mine.empty() and threads <= {f"ott-send-{n}" for n in range(4)}
    pool.shutdown()
    for thread in pool._threads:
        thread.join(timeout=5)
        assert not thread.is_alive()
