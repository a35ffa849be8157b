"""The messages app's pages: drafts (the composer), sends, and the delivery history."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django_filters import FilterSet

PER_PAGE = 25


def is_filtered(filterset: FilterSet) -> bool:
    """Whether the request asks for any filter (a list that shows nothing then says "no match", not "none yet")."""
    return filterset.is_bound and any(filterset.data.get(name) for name in filterset.filters)


def filtered_page(request, filterset_class: type[FilterSet], queryset: QuerySet) -> tuple[dict, int]:
    """A list page's context and status: its filters (shown with their errors and a 400 when they make
    no sense) and the requested page of what they match, counted (these lists are small enough)."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    page = Paginator(filterset.qs if valid else queryset.none(), PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": filterset.form, "page_obj": page, "filtered": is_filtered(filterset)}
    return context, 200 if valid else 400
