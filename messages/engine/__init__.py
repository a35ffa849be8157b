"""The worker's side of sending: what `db_worker` runs for a send.

- `runtime`: what a worker process shares between its tasks (HTTP client, thread pool, sender gate);
- `gate`: per sender: the rate cap, holds on 429 (rate limited, temporarily blocked), the breaker;
- `attempt`: one try for one delivery, in a pool thread (HTTP only, no database);
- `record`: an attempt's outcome -> the delivery's event and fields, written in batches;
- `chunk`: a chunk of a send worked through with bounded concurrency, and the take-up after a crash;
- `events`: the follow-up of network events from the status endpoint.

Status changes go through `messages.lifecycle`. The engine enqueues nothing itself: the task that
runs it passes the function that enqueues deliveries, so nothing here imports `messages.tasks`.
Guarantees: docs/sending.md.
"""

from messages.engine.chunk import deliver_chunk, recover_expired_leases
from messages.engine.events import follow_up, follow_up_due, follow_up_now

__all__ = ["deliver_chunk", "follow_up", "follow_up_due", "follow_up_now", "recover_expired_leases"]
