"""History queries: day ranges, search, match counts and keyset pages that stay fast at millions of
rows (nothing counts a whole table: a page knows only whether there is a next or previous one, and a
count stops at COUNT_EXACT_UP_TO rows or COUNT_BUDGET_SECONDS). The lists' filters: messages/filters.py."""

from __future__ import annotations

import contextlib
import functools
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from time import monotonic

from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.db.models.sql import Query
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messages.bodies import Bodies
from messages.models import Delivery, Send, SendCount
from ott.networks import NETWORKS

PAGE_SIZE = 50


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def created_between(queryset: QuerySet, created_after=None, created_before=None) -> QuerySet:
    """Deliveries created from the day `created_after` through the day `created_before` (local days),
    as a range on created_at so its index serves it."""
    if created_after:
        queryset = queryset.filter(created_at__gte=_day_start(created_after))
    if created_before:
        queryset = queryset.filter(created_at__lt=_day_start(created_before) + timezone.timedelta(days=1))
    return queryset


SEARCH_LIMIT = 5_000  # newest matches kept per searched column (SQLite caps query parameters)
# Shorter searches match recipient ids exactly only: "U1" starts a sixteenth of all LINE ids, and
# sorting that many matches to keep the newest would cost more than the page is worth.
PREFIX_MIN_LENGTH = 4


def prefix_match(column: str, prefix: str) -> Q:
    """Values of `column` that start with `prefix` (case-sensitive), in a form the column's index serves.
    PostgreSQL: LIKE 'prefix%', served by the column's varchar_pattern_ops index (Delivery.Meta).
    SQLite: its LIKE ignores case and so cannot use an index; a range in code point order can."""
    if connection.vendor == "postgresql":
        return Q(**{f"{column}__startswith": prefix})
    return Q(**{f"{column}__gte": prefix, f"{column}__lt": prefix + "\U0010ffff"})


def delivery_search(queryset: QuerySet, q: str) -> QuerySet:
    """An exact messageKey or ottRequestId, or an ottId or userReference that is or starts with `q`
    (PREFIX_MIN_LENGTH characters or more; a shorter one is matched exactly).
    Each column is looked up on its own index and the ids combined: one OR across the columns makes
    SQLite scan the table."""
    q = q.strip()
    if not q:
        return queryset
    if len(q) >= PREFIX_MIN_LENGTH:
        lookups = [Q(ott_request_id=q), prefix_match("ott_id", q), prefix_match("user_reference", q)]
    else:
        lookups = [Q(ott_request_id=q), Q(ott_id=q), Q(user_reference=q)]
    with contextlib.suppress(ValueError):
        lookups.append(Q(message_key=uuid.UUID(q)))
    ids: set[int] = set()
    for lookup in lookups:
        ids.update(queryset.filter(lookup).order_by("-id").values_list("id", flat=True)[:SEARCH_LIMIT])
    return queryset.filter(id__in=ids)


COUNT_EXACT_UP_TO = 10_000
# A count that takes longer is given up (an estimate, or no count, instead). At ten million rows the
# counts that succeed take 1 to 5 ms (an index holds the filter); those that give up would take 35 ms
# and more, so every ms of budget is a ms added to such a page.
COUNT_BUDGET_SECONDS = 0.01


@dataclass
class MatchCount:
    """How many rows match a filtered list: exact up to COUNT_EXACT_UP_TO; beyond that, or when counting
    takes too long, PostgreSQL's planner estimate (`estimated`), or only "more than" on SQLite."""

    value: int
    exact: bool = True
    estimated: bool = False

    @property
    def rounded(self) -> int:
        """The estimate to two significant digits (its other digits mean nothing)."""
        return round(self.value, -max(0, len(str(self.value)) - 2))


@contextlib.contextmanager
def time_limit(seconds: float):
    """Queries inside that run longer than `seconds` are stopped (django.db.OperationalError)."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{max(1, int(seconds * 1000))}"])
            try:
                yield
            finally:
                transaction.set_rollback(True)  # which also ends the timeout (it is local to the savepoint)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        deadline = monotonic() + seconds
        connection.connection.set_progress_handler(lambda: monotonic() > deadline, 1_000)
        try:
            yield
        finally:
            connection.connection.set_progress_handler(None, 0)
    else:
        yield


def match_count(queryset: QuerySet) -> MatchCount | None:
    """Count the matches where that is cheap: at most COUNT_EXACT_UP_TO + 1 rows, within
    COUNT_BUDGET_SECONDS. On PostgreSQL the planner's estimate comes first (no rows read): above
    COUNT_EXACT_UP_TO it is the answer, uncounted (counting would read COUNT_EXACT_UP_TO + 1 rows only
    to say "more", and at ten million rows a filter's matches lie spread over so much of the table
    that the count spent its whole budget on every page); at or below it the rows are counted, and the
    estimate stands in when that takes too long. On SQLite, None when counting took too long."""
    queryset = queryset.order_by()
    estimate = None
    if connection.vendor == "postgresql":
        estimate = int(json.loads(queryset.explain(format="json"))[0]["Plan"]["Plan Rows"])
        if estimate > COUNT_EXACT_UP_TO:
            return MatchCount(estimate, exact=False, estimated=True)
    try:
        with time_limit(COUNT_BUDGET_SECONDS):
            counted = queryset[: COUNT_EXACT_UP_TO + 1].count()
    except OperationalError:  # over the budget: the filters leave few rows among many
        counted = None
    if counted is not None and counted <= COUNT_EXACT_UP_TO:
        return MatchCount(counted)
    if counted is None and estimate is not None:
        return MatchCount(estimate, exact=False, estimated=True)
    return None if counted is None else MatchCount(COUNT_EXACT_UP_TO, exact=False)


@dataclass
class KeysetPage:
    rows: list
    next_before: int | None  # id cursor for older rows
    prev_after: int | None  # id cursor for newer rows


def keyset_page(queryset: QuerySet, *, before: int | None = None, after: int | None = None) -> KeysetPage:
    """Newest first by id. `before`: rows older than that id; `after`: rows newer than that id."""
    if after is not None:
        rows = list(queryset.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
        has_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        return KeysetPage(rows, rows[-1].id if rows else None, rows[0].id if rows and has_newer else None)
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: PAGE_SIZE + 1])
    has_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return KeysetPage(
        rows,
        rows[-1].id if rows and has_older else None,
        rows[0].id if rows and before is not None else None,
    )


def send_counts(send_ids) -> dict[int, dict[str, int]]:
    """{send id: {status: count}} with every status present, from the running counters (SendCount):
    a few rows per send, whatever its size."""
    counts = {pk: dict.fromkeys((s for s, _ in Delivery.Status.choices), 0) for pk in send_ids}
    rows = SendCount.objects.filter(send_id__in=list(send_ids)).values_list("send_id", "status").annotate(n=Sum("n"))
    for send_id, status, n in rows.order_by():
        counts[send_id][status] = n
    return counts


def in_partial_index(name: str) -> RawSQL:
    """The WHERE of Delivery's partial index `name` as a filter, its values written into the SQL as
    the index's own definition has them (the way Django writes it for CREATE INDEX), not bound. SQLite
    reads a partial index alone only when the query's WHERE visibly implies the index's; from bound
    values it cannot tell, and then reads every row too: 55 ms instead of 3 for a send's 20,000
    retries waiting, 215 ms instead of 17 for the errors of its 60,000 failed deliveries. Its columns
    are unqualified: for a query on the delivery table alone."""
    # The values are the model's own constants (its index definition), never a request's.
    return RawSQL(_partial_index_where(name, connection.vendor), [], output_field=BooleanField())  # noqa: S611


@functools.cache
def _partial_index_where(name: str, vendor: str) -> str:
    """The SQL of the index's condition, written once per process and database (pages poll it)."""
    index = next(index for index in Delivery._meta.indexes if index.name == name)
    query = Query(Delivery, alias_cols=False)
    sql, params = query.build_where(index.condition).as_sql(query.get_compiler(connection=connection), connection)
    quote = connection.schema_editor().quote_value
    return sql % tuple(quote(param) for param in params)


def send_errors(send: Send, limit: int = 5) -> list[dict]:
    """The most common reasons among a send's unhappy deliveries, with counts. COUNT(*), not COUNT(id):
    the partial index delivery_send_errors then answers it alone (an index-only scan on PostgreSQL; with
    COUNT(id) it visited each of the rows, 600 ms for the 60,000 of a million-delivery send)."""
    unhappy = Delivery.objects.filter(in_partial_index("delivery_send_errors"), send=send)
    return list(unhappy.values("status", "error_message").annotate(count=Count("*")).order_by("-count")[:limit])


@dataclass
class Dashboard:
    today: dict  # {"sends": n, "deliveries": n, "by": {(network, status): n}}
    week: dict
    success_rate: float | None  # sent and not refused by the network / finished over 7 days, in percent
    refused_by_network: int  # over 7 days: accepted by Marketing Cloud, then refused by the network
    days: list[tuple]  # (date, {status: n}) for the last 14 days, oldest first
    last_sends: list

    @property
    def windows(self) -> list[tuple[str, dict]]:
        return [(_("Today"), self.today), (_("Last 7 days"), self.week)]


STATUS_NAMES = [status for status, _ in Delivery.Status.choices]


def _window(since) -> dict:
    """Sends and deliveries since a moment: totals, counts by (network, status), and the same counts
    as table rows, one per network: (label, [count per status in STATUS_NAMES])."""
    deliveries = Delivery.objects.filter(created_at__gte=since)
    by = {(n, s): c for n, s, c in deliveries.values_list("network", "status").annotate(c=Count("id")).order_by()}
    rows = [(net.label, [by.get((net.name, s), 0) for s in STATUS_NAMES]) for net in NETWORKS.values()]
    return {
        "sends": Send.objects.filter(created_at__gte=since).count(),
        "deliveries": sum(by.values()),
        "by": by,
        "rows": rows,
    }


def dashboard(now=None) -> Dashboard:
    """The home page's figures: today and 7 days by network and status, 14 days per day, last sends."""
    now = timezone.localtime(now or timezone.now())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = _window(midnight - timezone.timedelta(days=6))
    finished = sum(
        c
        for (_, s), c in week["by"].items()
        if s in (Delivery.Status.SENT, Delivery.Status.REJECTED, Delivery.Status.FAILED)
    )
    week_start = midnight - timezone.timedelta(days=6)
    refused = Delivery.objects.filter(
        created_at__gte=week_start, status=Delivery.Status.SENT, network_error=True
    ).count()
    sent = sum(c for (_, s), c in week["by"].items() if s == Delivery.Status.SENT) - refused
    start = midnight - timezone.timedelta(days=13)
    per_day: dict = {(start + timezone.timedelta(days=i)).date(): {} for i in range(14)}
    rows = (
        Delivery.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=now.tzinfo))
        .values_list("day", "status")
        .annotate(c=Count("id"))
        .order_by()
    )
    for day, status, count in rows:
        if day in per_day:
            per_day[day][status] = count
    return Dashboard(
        today=_window(midnight),
        week=week,
        success_rate=100 * sent / finished if finished else None,
        refused_by_network=refused,
        days=list(per_day.items()),
        last_sends=list(Send.objects.select_related("created_by")[:5]),
    )


# Sends that have not finished, in the order a person looks at them: what waits for someone first.
ACTIVE_SENDS = (
    Send.Status.PENDING_APPROVAL,
    Send.Status.PAUSED,
    Send.Status.PREPARING,
    Send.Status.SCHEDULED,
    Send.Status.QUEUED,
    Send.Status.RUNNING,
)


def sends_active(limit: int = 10) -> list[Send]:
    """Sends not finished yet (waiting for approval, paused, being prepared, scheduled, queued,
    running): those waiting for a person first, then by start time, then newest."""
    rank = Case(*(When(status=status, then=Value(n)) for n, status in enumerate(ACTIVE_SENDS)))
    rows = Send.objects.filter(status__in=ACTIVE_SENDS).select_related("created_by").annotate(rank=rank)
    return list(rows.order_by("rank", F("scheduled_at").asc(nulls_last=True), "-created_at", "-id")[:limit])


def sends_awaiting_approval_by(user, limit: int = 20) -> list[Send]:
    """Sends waiting for approval that `user` may approve: those someone else created."""
    waiting = Send.objects.filter(status=Send.Status.PENDING_APPROVAL).exclude(created_by=user)
    return list(waiting.select_related("created_by", "sender").order_by("scheduled_at", "created_at")[:limit])


def sends_ahead(now, days: int = 7) -> tuple[list[Send], list[Send]]:
    """Sends that start within `days` (scheduled, or waiting for approval with a start time), by start
    time; and those waiting for approval without one (they start as soon as they are approved)."""
    waiting = (Send.Status.SCHEDULED, Send.Status.PENDING_APPROVAL)
    base = Send.objects.filter(status__in=waiting).select_related("created_by", "sender")
    timed = base.filter(scheduled_at__lt=now + timezone.timedelta(days=days)).order_by("scheduled_at", "id")
    untimed = base.filter(status=Send.Status.PENDING_APPROVAL, scheduled_at__isnull=True).order_by("created_at", "id")
    return list(timed), list(untimed)


def send_bodies(send_id: int) -> Bodies:
    """The request bodies of the send `send_id` (see messages.bodies)."""
    return Bodies(Send.objects.values_list("template", flat=True).get(pk=send_id))
