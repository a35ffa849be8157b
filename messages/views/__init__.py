"""The messages app's pages: drafts (the composer), sends, and the delivery history."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from messages.selectors import apply_filters

PER_PAGE = 25


def filtered_page(request, queryset: QuerySet, form, lookups: dict[str, str]) -> tuple[Page, str]:
    """Apply a valid filter form (field -> ORM lookup, empty fields ignored) and return the requested
    page with the query string that keeps the filters on the page links."""
    if form.is_valid():
        queryset = apply_filters(queryset, form.cleaned_data, lookups)
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
