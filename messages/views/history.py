"""The delivery history: filters, search, keyset pages, detail, streamed CSV. Read-only for everyone."""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from messages.export import csv_lines
from messages.fields import id_or_none
from messages.models import Delivery
from messages.selectors import HistoryFilterForm, deliveries_filtered, keyset_page
from ott.redaction import redact
from ottportal.roles import capability_required


def _filters(request) -> tuple[HistoryFilterForm, dict]:
    form = HistoryFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


@capability_required("view_history")
def delivery_list(request):
    form, data = _filters(request)
    page = None
    if not form.errors:  # unfiltered, or filters that make sense
        deliveries = deliveries_filtered(data).select_related("sender")
        page = keyset_page(
            deliveries, before=id_or_none(request.GET.get("before")), after=id_or_none(request.GET.get("after"))
        )
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        # Row links are built from these once, not reversed 100 times per page.
        "detail_prefix": reverse("messages:delivery-detail", args=[0])[:-2],
        "send_prefix": reverse("messages:send-detail", args=[0])[:-2],
    }
    return render(request, "messages/delivery_list.html", context, status=400 if form.errors else 200)


@capability_required("view_history")
def delivery_detail(request, pk: int):
    delivery = get_object_or_404(Delivery.objects.select_related("send", "sender", "created_by"), pk=pk)
    try:
        response = json.dumps(redact(json.loads(delivery.response_body)), indent=2, ensure_ascii=False)
    except ValueError:
        response = delivery.response_body
    context = {
        "delivery": delivery,
        "payload": json.dumps(redact(delivery.payload), indent=2, ensure_ascii=False),
        "response": response,
        "attempts": delivery.attempt_log.all(),
    }
    return render(request, "messages/delivery_detail.html", context)


@capability_required("view_history")
def delivery_export(request):
    """The filtered history as CSV, streamed in constant memory whatever its size."""
    form, data = _filters(request)
    if form.is_bound and not form.is_valid():
        return render(request, "messages/delivery_list.html", {"form": form, "page": None}, status=400)
    response = StreamingHttpResponse(csv_lines(deliveries_filtered(data)), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="ott-history-{stamp}.csv"'
    return response
