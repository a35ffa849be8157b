"""The audiences and suppression lists' filters, one FilterSet each for the page and the API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from audiences.models import Audience, Suppression
from messages.fields import FilterSet
from messages.filters import IdChoiceFilter
from messages.selectors import PREFIX_MIN_LENGTH, prefix_match
from ott.networks import NETWORK_CHOICES
from senders.models import Sender


class AudienceFilterSet(FilterSet):
    """`/audiences/` and `/api/v1/audiences/`."""

    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200, label=_("Search by name"))
    network = filters.ChoiceFilter(choices=NETWORK_CHOICES, empty_label=_("Any network"), label=_("Network"))
    created_by = IdChoiceFilter(
        choices=lambda: get_user_model().objects.order_by("username"),
        empty_label=_("Anyone"),
        label=_("Uploaded by"),
    )

    class Meta:
        model = Audience
        fields: list[str] = []


class SuppressionFilterSet(FilterSet):
    """`/suppressions/`, its CSV export and `/api/v1/suppressions/`."""

    q = filters.CharFilter(
        method="search",
        max_length=256,
        label=_("Search"),
        help_text=_("An ottId or userReference, or how it starts"),
    )
    network = filters.ChoiceFilter(choices=NETWORK_CHOICES, empty_label=_("Any network"), label=_("Network"))
    sender = IdChoiceFilter(
        choices=lambda: Sender.objects.order_by("name", "id"),
        empty_label=_("Any sender"),
        label=_("Sender"),
        help_text=_("Entries for this sender only (entries for every sender are left out)"),
    )
    reason = filters.ChoiceFilter(choices=Suppression.Reason.choices, empty_label=_("Any reason"), label=_("Reason"))
    state = filters.ChoiceFilter(
        choices=[("active", _("In force")), ("expired", _("Expired"))],
        method="in_state",
        empty_label=_("In force or expired"),
        label=_("State"),
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
