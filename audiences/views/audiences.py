"""Audience pages: the list, the upload form, an audience's page (rows masked for auditors), its
refused rows as CSV, rename and delete (only while no send used it)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from audiences.filters import AudienceFilterSet
from audiences.forms import AudienceRenameForm, AudienceUploadForm
from audiences.loading import AudienceInvalid, audience_from_csv
from audiences.masking import mask, sees_recipients
from audiences.models import Audience
from audiences.services import (
    STALE_LOADING_SECONDS,
    AudienceError,
    audience_delete,
    audience_is_used,
    audience_rename,
    audience_rows,
    audience_sends,
)
from messages.export import refused_csv
from messages.fields import id_or_none
from messages.uploads import UploadLimit
from messages.views import filtered_page
from ottportal.roles import capability_required, has_capability

# A million rows with a few columns is 60 to 120 MB; the reverse proxy needs a limit above this
# (docs/operations.md).
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
ROWS_SHOWN = 20
REFUSED_SHOWN = 50
_PLACEHOLDER_NAME = re.compile(r"[\w-]+")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:g} MB"


@capability_required("view_audiences")
def audience_list(request):
    audiences = Audience.objects.listed().select_related("created_by")
    context, status = filtered_page(request, AudienceFilterSet, audiences)
    return render(request, "audiences/list.html", context, status=status)


@csrf_exempt  # the upload limit must be in place before anything reads the body; CSRF is checked inside
@capability_required("manage_audiences")
def audience_new(request):
    """The upload form (`?from=<id>`: a new version of that audience, its name and network filled in).
    A file over MAX_UPLOAD_BYTES is refused while it arrives."""
    limit = UploadLimit(request, MAX_UPLOAD_BYTES)
    request.upload_handlers.insert(0, limit)
    if request.method == "POST":
        try:
            request.POST  # noqa: B018 (read the body now, under the limit)
        except RequestDataTooBig:
            too_long = f"The form's fields are over {_megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}."
            form = AudienceUploadForm({}, refused={"name": too_long})
            form.is_valid()
            return render(request, "audiences/new.html", {"form": form}, status=400)
    return _audience_new(request, limit)


@csrf_protect
def _audience_new(request, limit: UploadLimit):
    previous = None
    refused_rows, refused_more = [], 0
    if request.method == "POST":
        too_big = f"The file is larger than {_megabytes(MAX_UPLOAD_BYTES)}, the most one upload can be. Split it."
        refused = {limit.refused: too_big} if limit.refused else {}
        form = AudienceUploadForm(request.POST, request.FILES, refused=refused)
        if form.is_valid():
            data = form.cleaned_data
            previous = Audience.objects.filter(pk=data["replaces"]).first() if data["replaces"] else None
            try:
                audience = audience_from_csv(
                    file=data["file"],
                    name=data["name"],
                    network=data["network"],
                    user=request.user,
                    file_name=data["file"].name,
                    replaces=previous,
                )
            except AudienceInvalid as exc:
                for field, problems in exc.errors.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
                refused_rows = exc.refused[:REFUSED_SHOWN]
                refused_more = exc.refused_count - len(refused_rows)
            else:
                messages.success(request, _saved(audience))
                return redirect("audiences:detail", pk=audience.pk)
    else:
        from_id = id_or_none(request.GET.get("from"))
        previous = Audience.objects.filter(pk=from_id).first() if from_id else None
        initial = {"name": previous.name, "network": previous.network, "replaces": previous.pk} if previous else {}
        form = AudienceUploadForm(initial=initial)
    context = {"form": form, "previous": previous, "refused": refused_rows, "refused_more": refused_more}
    return render(request, "audiences/new.html", context, status=400 if form.errors else 200)


def _recipients(count: int) -> str:
    return ngettext("%(n)s recipient", "%(n)s recipients", count) % {"n": f"{count:,}"}


def _saved(audience: Audience) -> str:
    parts = [_recipients(audience.size)]
    if audience.refused_count:
        n = audience.refused_count
        parts.append(ngettext("%(n)s refused line", "%(n)s refused lines", n) % {"n": f"{n:,}"})
    if audience.duplicate_count:
        n = audience.duplicate_count
        parts.append(
            ngettext("%(n)s repeated recipient collapsed", "%(n)s repeated recipients collapsed", n) % {"n": f"{n:,}"}
        )
    return _("“%(name)s” is saved: %(parts)s.") % {"name": audience.name, "parts": _(", ").join(parts)}


def _columns(audience: Audience) -> list[dict]:
    return [
        {"name": name, "placeholder": "{{ " + name + " }}" if _PLACEHOLDER_NAME.fullmatch(name) else ""}
        for name in audience.columns
    ]


@capability_required("view_audiences")
def audience_detail(request, pk: int):
    audience = get_object_or_404(Audience.objects.select_related("created_by", "replaces"), pk=pk)
    whole = sees_recipients(request.user)
    rows = []
    for row in audience_rows(audience, batch=ROWS_SHOWN):
        if len(rows) == ROWS_SHOWN:
            break
        ids = (row.ott_id, row.user_reference) if whole else (mask(row.ott_id), mask(row.user_reference))
        rows.append((row.line, *ids, [row.vars.get(name, "") for name in audience.columns]))
    refused = audience.refused_lines[:REFUSED_SHOWN]
    if not whole:
        refused = [[line, "", reason] for line, _row, reason in refused]
    sends = audience_sends(audience)
    used = audience_is_used(audience)
    context = {
        "audience": audience,
        "columns": _columns(audience),
        "rows": rows,
        "masked": not whole,
        "refused": refused,
        "refused_more": audience.refused_count - len(refused),
        "sends": sends[:50] if not isinstance(sends, list) else [],
        "used": used,
        "newer": audience.newer_versions.order_by("-created_at")[:10],
        "can_change": has_capability(request.user, "manage_audiences") and not used,
        "can_upload": has_capability(request.user, "manage_audiences"),
        "rename_form": AudienceRenameForm(initial={"name": audience.name}),
        "stale": _stale(audience),
    }
    return render(request, "audiences/detail.html", context)


def _stale(audience: Audience) -> bool:
    return not audience.is_ready and (timezone.now() - audience.created_at).total_seconds() >= STALE_LOADING_SECONDS


@capability_required("view_audiences")
def audience_refused(request, pk: int):
    """The refused rows kept (the first 1,000) as CSV, formula-safe; as given text masked for auditors."""
    audience = get_object_or_404(Audience, pk=pk)
    rows = audience.refused_lines
    if not sees_recipients(request.user):
        rows = [[line, mask(text), reason] for line, text, reason in rows]
    response = HttpResponse(refused_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audience-{audience.pk}-refused.csv"'
    return response


@require_POST
@capability_required("manage_audiences")
def audience_rename_view(request, pk: int):
    audience = get_object_or_404(Audience, pk=pk)
    form = AudienceRenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a name of 1 to 200 characters."))
        return redirect("audiences:detail", pk=pk)
    try:
        audience_rename(audience=audience, name=form.cleaned_data["name"], user=request.user)
    except (AudienceError, AudienceInvalid) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Renamed to “%(name)s”.") % {"name": audience.name})
    return redirect("audiences:detail", pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("manage_audiences")
def audience_delete_view(request, pk: int):
    """GET: what deleting does, and a button; POST: delete (only an audience no send used)."""
    audience = get_object_or_404(Audience, pk=pk)
    used = audience_is_used(audience)
    if request.method != "POST":
        return render(request, "audiences/delete.html", {"audience": audience, "used": used})
    try:
        audience_delete(audience=audience, user=request.user)
    except AudienceError as exc:
        messages.error(request, str(exc))
        return redirect("audiences:detail", pk=pk)
    messages.success(
        request,
        _("“%(name)s” was deleted with its %(recipients)s.")
        % {"name": audience.name, "recipients": _recipients(audience.size)},
    )
    return redirect("audiences:list")
