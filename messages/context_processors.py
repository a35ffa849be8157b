"""Template context for every page: whether work is waiting with no worker running (the banner)."""

from __future__ import annotations

from messages.workers import worker_state
from ottportal.roles import has_capability


def worker_banner(request) -> dict:
    """For marketers and admins: `worker_missing` when sends wait and no worker has been seen."""
    if getattr(request, "htmx", False):  # a live partial (the send page polls every second) has no banner
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_capability(user, "send"):
        return {}
    state = worker_state()
    return {"worker_missing": state.missing, "worker_state": state}
