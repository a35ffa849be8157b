from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from messages.charts import deliveries_per_day_svg
from messages.models import Delivery
from messages.selectors import STATUS_NAMES, dashboard, sends_active, sends_awaiting_approval_by
from messages.views import is_filtered
from messages.workers import worker_state
from ottportal import audit
from ottportal import metrics as portal_metrics
from ottportal.audit import label_of
from ottportal.audit_page import AuditFilterSet, audit_csv_lines, changes_of
from ottportal.forms import ApiTokenForm, UserSettingsForm
from ottportal.language import remember_language
from ottportal.models import AuditEntry, settings_of
from ottportal.roles import capability_required, has_capability, user_roles
from ottportal.tokens import MAX_LIVE_TOKENS, api_token_create, api_token_revoke, api_tokens_of

logger = logging.getLogger(__name__)


def home(request):
    if not user_roles(request.user):
        raise PermissionDenied(_("Your account has no role, so there is nothing you can use yet."))
    board = dashboard()
    context = {
        "board": board,
        "chart": deliveries_per_day_svg(board.days),
        "statuses": [Delivery.Status(status).label for status in STATUS_NAMES],
        "active": sends_active(),
        "for_me": sends_awaiting_approval_by(request.user) if has_capability(request.user, "approve") else [],
    }
    return render(request, "ottportal/home.html", context)


def account(request):
    """Your settings: the language and time zone pages use, and saved test recipients per network."""
    user_settings = settings_of(request.user)
    form = UserSettingsForm(request.POST or None, initial=UserSettingsForm.initial_for(user_settings))
    if request.method == "POST" and form.is_valid():
        user_settings.language = form.cleaned_data["language"]
        user_settings.time_zone = form.cleaned_data["time_zone"]
        user_settings.test_recipients = form.cleaned_data["test_recipients"]
        user_settings.save()
        if user_settings.language:
            translation.activate(user_settings.language)  # the confirmation in the language just picked
        messages.success(request, _("Your settings are saved."))
        response = redirect("account")
        remember_language(response, user_settings.language)
        return response
    context = {"form": form, "now_at": timezone.now()}
    return render(request, "ottportal/account.html", context, status=400 if form.errors else 200)


@never_cache  # the answer to a POST carries a new token's key: no cache keeps it
def api_tokens(request):
    """Your API tokens: make a named one (its key is in this answer only), see yours, revoke them."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc.message_dict["name"])
        else:
            logger.info("API token %r made for %s", token.name, request.user)
            created, form = {"token": token, "key": key}, ApiTokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": api_tokens_of(request.user),
        "ttl_days": settings.API_TOKEN_TTL_DAYS,
        "max_tokens": MAX_LIVE_TOKENS,
    }
    return render(request, "ottportal/api_tokens.html", context, status=400 if form.errors else 200)


@require_POST
def api_token_revoke_view(request, digest: str):
    token = api_token_revoke(user=request.user, digest=digest)
    if token is None:
        raise Http404(_("You have no such token (it may have expired, or been revoked already)."))
    logger.info("API token %r of %s revoked", token.name, request.user)
    messages.success(
        request, _("“%(name)s” is revoked: requests with it are refused from now on.") % {"name": token.name}
    )
    return redirect("api-tokens")


AUDIT_PER_PAGE = 50


def _audit_filters(request) -> AuditFilterSet:
    filterset = AuditFilterSet(request.GET or None, queryset=AuditEntry.objects.all(), request=request)
    filterset.clean_days()
    return filterset


@capability_required("view_audit")
def audit_log(request):
    """Every action recorded in the audit trail, newest first, filtered and paged (read-only)."""
    filterset = _audit_filters(request)
    valid = not filterset.is_bound or filterset.is_valid()
    entries = filterset.qs if valid else AuditEntry.objects.none()
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": filterset.form,
        "page_obj": page,
        "rows": [(entry, label_of(entry.action), changes_of(entry)) for entry in page],
        "filtered": is_filtered(filterset),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "ottportal/audit.html", context, status=200 if valid else 400)


@capability_required("view_audit")
def audit_export(request):
    """The filtered audit trail as CSV, streamed; the export is itself an entry (who, which filter, how
    many rows)."""
    filterset = _audit_filters(request)
    if filterset.is_bound and not filterset.is_valid():
        return audit_log(request)
    lines = audit.record_export(
        audit_csv_lines(filterset.qs), "export.audit", request=request, filters=filterset.filters
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="ott-audit-{stamp}.csv"'
    return response


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("healthz: database unavailable: %s", type(exc).__name__)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """Readiness: the database answers and, when sends are waiting, a worker has been seen in the last
    minute. 503 with what is missing otherwise. /healthz stays the web process's own liveness."""
    try:
        state = worker_state()
    except DatabaseError as exc:
        logger.error("readyz: database unavailable: %s", type(exc).__name__)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    worker = {
        "alive": state.alive,
        "last_seen": state.last_seen.isoformat() if state.last_seen else None,
        "sends_waiting": state.waiting,
    }
    if state.missing:
        return JsonResponse(
            {"status": "error", "database": "ok", "worker": {**worker, "status": "missing"}}, status=503
        )
    return JsonResponse(
        {"status": "ok", "database": "ok", "worker": {**worker, "status": "ok" if state.alive else "idle"}}
    )


@login_not_required  # Prometheus has no session: the bearer METRICS_TOKEN is the only way in
@never_cache
@require_GET
def metrics(request):
    """Prometheus text (or OpenMetrics when asked for). 404 while METRICS_TOKEN is unset (metrics are
    off), 401 without the right bearer token; a signed-in session never opens it."""
    if not settings.METRICS_TOKEN:
        return HttpResponse(
            "Metrics are off: set METRICS_TOKEN to turn them on (docs/operations.md).\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    if not portal_metrics.bearer_matches(request.headers.get("Authorization", "")):
        response = HttpResponse(
            "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    try:
        body, content_type = portal_metrics.render(request.headers.get("Accept", ""))
    except DatabaseError as exc:
        logger.error("metrics: database unavailable: %s", type(exc).__name__)
        return HttpResponse("The database does not answer.\n", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse(body, content_type=content_type)


def permission_denied(request, exception=None):
    """The "no access" page: what the user is signed in as and why they cannot go on."""
    reason = str(exception) if exception and str(exception) else _("Your account has no role for this page.")
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    """404: the portal's page (under /api/, ApiJsonErrorsMiddleware answers JSON instead)."""
    return render(request, "404.html", status=404)
