"""Suppression list pages: the list (filters, search, the latest changes), add one, import a CSV,
export (streamed, formula-safe), remove (admins; every removal logged) and the full change log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from audiences.filters import SuppressionFilterSet
from audiences.forms import SuppressionForm, SuppressionImportForm
from audiences.models import Suppression, SuppressionChange
from audiences.suppressions import (
    SuppressionInvalid,
    suppression_add,
    suppression_csv_lines,
    suppression_import,
    suppression_remove,
)
from messages.uploads import UploadLimit
from messages.views import PER_PAGE, filtered_page
from ottportal import audit
from ottportal.roles import capability_required

MAX_IMPORT_BYTES = 32 * 1024 * 1024
CHANGES_SHOWN = 10
REFUSED_SHOWN = 50


@capability_required("view_suppressions")
def suppression_list(request):
    entries = Suppression.objects.select_related("sender", "created_by")
    context, status = filtered_page(request, SuppressionFilterSet, entries)
    context["changes"] = SuppressionChange.objects.select_related("user")[:CHANGES_SHOWN]
    context["now"] = timezone.now()
    context["import_report"] = request.session.pop(IMPORT_REPORT, None)
    return render(request, "audiences/suppression_list.html", context, status=status)


@capability_required("manage_suppressions")
def suppression_new(request):
    form = SuppressionForm(request.POST or None, initial={"network": request.GET.get("network") or None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry, outcome = suppression_add(
                network=data["network"],
                sender=data["sender"],
                ott_id=data["ott_id"],
                user_reference=data["user_reference"],
                reason=data["reason"],
                expires_at=data["expires_at"],
                user=request.user,
            )
        except SuppressionInvalid as exc:
            for field, problems in exc.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            said = {
                "added": _("%(recipient)s is on the suppression list."),
                "updated": _("%(recipient)s was already on the list; its reason and expiry are changed."),
                "unchanged": _("%(recipient)s was already on the list as given."),
            }[outcome]
            messages.success(request, said % {"recipient": entry.recipient})
            return redirect("audiences:suppression-list")
    return render(request, "audiences/suppression_new.html", {"form": form}, status=400 if form.errors else 200)


# The session key of the last import's refused rows, shown once on the list.
IMPORT_REPORT = "suppressions_import_report"


@csrf_exempt  # the upload limit must be in place before anything reads the body; CSRF is checked inside
@capability_required("manage_suppressions")
def suppression_import_view(request):
    limit = UploadLimit(request, MAX_IMPORT_BYTES)
    request.upload_handlers.insert(0, limit)
    if request.method == "POST":
        try:
            request.POST  # noqa: B018 (read the body now, under the limit)
        except RequestDataTooBig:
            form = SuppressionImportForm({}, refused={"file": "The form is too large."})
            form.is_valid()
            return render(request, "audiences/suppression_import.html", {"form": form}, status=400)
    return _suppression_import(request, limit)


@csrf_protect
def _suppression_import(request, limit: UploadLimit):
    if request.method == "POST":
        too_big = f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB, the most one import can be. Split it."
        form = SuppressionImportForm(
            request.POST, request.FILES, refused={limit.refused: too_big} if limit.refused else {}
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = suppression_import(
                    file=data["file"],
                    network=data["network"],
                    reason=data["reason"],
                    user=request.user,
                    file_name=data["file"].name,
                )
            except SuppressionInvalid as exc:
                for field, problems in exc.errors.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                messages.success(
                    request,
                    _("Imported %(file)s: %(summary)s.") % {"file": data["file"].name, "summary": result.summary()},
                )
                if result.refused:
                    request.session[IMPORT_REPORT] = {
                        "refused": result.refused[:REFUSED_SHOWN],
                        "more": result.refused_count - len(result.refused[:REFUSED_SHOWN]),
                    }
                return redirect("audiences:suppression-list")
    else:
        form = SuppressionImportForm()
    return render(request, "audiences/suppression_import.html", {"form": form}, status=400 if form.errors else 200)


@capability_required("view_suppressions")
def suppression_export(request):
    """The list as CSV, with the list's filters, streamed (constant memory whatever its size)."""
    filterset = SuppressionFilterSet(request.GET or None, queryset=Suppression.objects.all(), request=request)
    entries = filterset.qs if not filterset.is_bound or filterset.is_valid() else Suppression.objects.none()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    lines = audit.record_export(
        suppression_csv_lines(entries), "export.suppressions", request=request, filters=filterset.filters
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="suppressions-{stamp}.csv"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("remove_suppressions")
def suppression_remove_view(request, pk: int):
    """GET: the entry and a button; POST: remove it (the log keeps who, when and what)."""
    entry = get_object_or_404(Suppression.objects.select_related("sender", "created_by"), pk=pk)
    if request.method != "POST":
        return render(request, "audiences/suppression_remove.html", {"entry": entry})
    suppression_remove(suppression=entry, user=request.user)
    messages.success(
        request,
        _("%(recipient)s was removed from the suppression list; the log keeps a record.")
        % {"recipient": entry.recipient},
    )
    return redirect("audiences:suppression-list")


@capability_required("view_suppressions")
def suppression_changes(request):
    changes = SuppressionChange.objects.select_related("user")
    page = Paginator(changes, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "audiences/suppression_changes.html", {"page_obj": page})
