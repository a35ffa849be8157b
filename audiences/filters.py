"""The audiences and suppression lists' filters, one FilterSet each for the page and the API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django_filters import rest_framework as filters

from audiences.models import Audience, Suppression
from messages.fields import FilterSet
from messages.filters import IdChoiceFilter
from messages.selectors import PREFIX_MIN_LENGTH, prefix_match
from ott.networks import NETWORK_CHOICES
from senders.models import Sender


class AudienceFilterSet(FilterSet):
    """`/audiences/` and `/api/v1/audiences/`."""

    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200, label="Search by name")
    network = filters.ChoiceFilter(choices=NETWORK_CHOICES, empty_label="Any network")
    created_by = IdChoiceFilter(
        choices=lambda: get_user_model().objects.order_by("username"), empty_label="Anyone", label="Uploaded by"
    )

    class Meta:
        model = Audience
        fields: list[str] = []


class SuppressionFilterSet(FilterSet):
    """`/suppressions/`, its CSV export and `/api/v1/suppressions/`."""

    q = filters.CharFilter(
        method="search",
        max_length=256,
        label="Search",
        help_text="An ottId or userReference, or how it starts",
    )
    network = filters.ChoiceFilter(choices=NETWORK_CHOICES, empty_label="Any network")
    sender = IdChoiceFilter(
        choices=lambda: Sender.objects.order_by("name", "id"),
        empty_label="Any sender",
        help_text="Entries for this sender only (entries for every sender are left out)",
    )
    reason = filters.ChoiceFilter(choices=Suppression.Reason.choices, empty_label="Any reason")
    state = filters.ChoiceFilter(
        choices=[("active", "In force"), ("expired", "Expired")],
        method="in_state",
        empty_label="In force or expired",
        label="State",
    )

    class Meta:
        model = Suppression
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if len(value) >= PREFIX_MIN_LENGTH:
            return queryset.filter(prefix_match("ott_id", value) | prefix_match("user_reference", value))
        return queryset.filter(Q(ott_id=value) | Q(user_reference=value))

    def in_state(self, queryset, name, value):
        now = timezone.now()
        return queryset.active(now) if value == "active" else queryset.expired(now) if value == "expired" else queryset
