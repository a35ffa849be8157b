"""The API's list pages: `limit` and `offset`, with `limit` capped so that no request can ask for a
whole table at once (bulk reading is what the history's streamed CSV export is for)."""

from __future__ import annotations

from django import forms
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 1_000


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=N&offset=M`. A limit above MAX_LIMIT is served as MAX_LIMIT (the answer's `next` link goes
    on from there); a limit or offset that is not a whole number in range is a 400 naming the parameter,
    where DRF would silently fall back to its defaults."""

    max_limit = MAX_LIMIT
    limit_query_description = (
        f"Number of results per page (default 50, at most {MAX_LIMIT:,}; a larger number is served as {MAX_LIMIT:,})."
    )
    offset_query_description = "Index of the first result to return (0 for the first page)."
    template = None  # no page controls in the browsable API, so no extra queries for them

    def _number(self, request, name: str, minimum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        try:
            return forms.IntegerField(min_value=minimum).clean(raw)
        except forms.ValidationError as exc:
            raise ValidationError({name: [f"Must be a whole number, {minimum} or more."]}) from exc

    def get_limit(self, request):
        limit = self._number(request, self.limit_query_param, 1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return self._number(request, self.offset_query_param, 0) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        minimum = {self.limit_query_param: 1, self.offset_query_param: 0}
        for parameter in parameters:
            parameter["schema"]["minimum"] = minimum[parameter["name"]]
        return parameters
