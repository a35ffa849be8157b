"""The delivery history: filters, search, keyset pages, detail, streamed CSV. Read-only for everyone."""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from messages.bodies import answer_text
from messages.export import csv_lines
from messages.fields import id_or_none
from messages.filters import DeliveryFilterSet
from messages.models import Delivery
from messages.selectors import MatchCount, keyset_page, match_count
from messages.views import is_filtered
from ott.redaction import redact
from ottportal import audit
from ottportal.roles import capability_required


def _filters(request) -> DeliveryFilterSet:
    filterset = DeliveryFilterSet(request.GET or None, queryset=Delivery.objects.all(), request=request)
    # A reversed day range matches nothing; the page says why (the API, whose schema cannot express
    # the rule, answers it with an empty list).
    if filterset.is_valid():
        after, before = filterset.form.cleaned_data["created_after"], filterset.form.cleaned_data["created_before"]
        if after and before and after > before:
            filterset.form.add_error("created_before", _("The end date must be on or after the start date."))
    return filterset


@capability_required("view_history")
def delivery_list(request):
    filterset = _filters(request)
    valid = not filterset.is_bound or filterset.is_valid()
    context = {"form": filterset.form, "page": None, "filtered": is_filtered(filterset)}
    if valid:
        deliveries = filterset.qs
        before, after = id_or_none(request.GET.get("before")), id_or_none(request.GET.get("after"))
        page = context["page"] = keyset_page(deliveries.select_related("sender"), before=before, after=after)
        # A first page with no older rows holds every match: its length is the count, no query needed.
        first_and_only = before is None and after is None and page.next_before is None
        context["count"] = MatchCount(len(page.rows)) if first_and_only else match_count(deliveries)
        # Row links are built from these once, not reversed 100 times per page.
        context["detail_prefix"] = reverse("messages:delivery-detail", args=[0])[:-2]
        context["send_prefix"] = reverse("messages:send-detail", args=[0])[:-2]
    return render(request, "messages/delivery_list.html", context, status=200 if valid else 400)


@capability_required("view_history")
def delivery_detail(request, pk: int):
    delivery = get_object_or_404(Delivery.objects.select_related("send", "sender", "created_by"), pk=pk)
    answer = answer_text(delivery)
    try:
        response = json.dumps(redact(json.loads(answer)), indent=2, ensure_ascii=False)
    except ValueError:
        response = answer
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
    filterset = _filters(request)
    if filterset.is_bound and not filterset.is_valid():
        context = {"form": filterset.form, "page": None, "filtered": True}
        return render(request, "messages/delivery_list.html", context, status=400)
    lines = audit.record_export(csv_lines(filterset.qs), "export.history", request=request, filters=filterset.filters)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="ott-history-{stamp}.csv"'
    return response
