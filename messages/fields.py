"""Ids in query strings, one way for the pages' filter forms and the API's filters.

An id is a whole number the database can store (1 to 2**63 - 1). Anything else is refused by the form
with a message naming the field, before any query: past that range SQLite raises `OverflowError` and
PostgreSQL an out-of-range error. A well-formed id that matches nothing filters to an empty list.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django_filters import rest_framework as drf_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1
ID_RANGE = f"Enter a whole number from 1 to {MAX_ID:,}."


class IdField(forms.IntegerField):
    """A form field for an object's id (a send, a sender, a user...) given in a query string."""

    default_error_messages = {"min_value": ID_RANGE, "max_value": ID_RANGE}

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


def id_or_none(value: str | None) -> int | None:
    """An id from a link the portal built itself (a keyset cursor): the id, or None when it is not one."""
    try:
        return IdField().clean(value)
    except forms.ValidationError:
        return None


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """Filter by a related object's id: an unknown id gives an empty list, an id out of range a 400."""

    field_class = IdField


class FilterSet(drf_filters.FilterSet):
    """The API's filter sets: a foreign key filters by id (IdFilter) instead of django-filter's default
    choice of existing objects, which answers an unknown id with a 400 the schema cannot describe."""

    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
    }


class FilterBackend(drf_filters.DjangoFilterBackend):
    """DRF's filter backend with FilterSet above as the base of the sets built from `filterset_fields`,
    and strict about what a client gives: django-filter reads an empty value (or a boolean it does not
    know, such as `null`) as "no filter" and answers the whole list, which suits a page's form, not an
    API whose schema says what each parameter takes. Here they are a 400 naming the parameter."""

    filterset_base = FilterSet

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {
                name: [problem]
                for name, flt in filterset.filters.items()
                if name in request.query_params and (problem := _unread(flt, request.query_params[name]))
            }
            if errors:
                raise ValidationError(errors)
        return filterset


def _unread(flt: django_filters.Filter, value: str) -> str:
    """Why a query value would be silently ignored by this filter ("" if it is read)."""
    if isinstance(flt, django_filters.BooleanFilter):
        return "" if value.lower() in ("true", "false") else "Give true or false."
    if not value.strip() and not isinstance(flt, django_filters.CharFilter):
        return "Give a value, or leave the parameter out."
    return ""
