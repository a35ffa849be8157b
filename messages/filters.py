"""The filters of the drafts, sends and history lists: one FilterSet per list, used by its page and by
its API endpoint alike, so a filter means the same thing (and is checked the same way) in both."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from messages.fields import FilterSet, IdFilter
from messages.models import Delivery, Draft, Send
from messages.selectors import created_between, delivery_search
from ott.networks import NETWORK_CHOICES
from senders.models import Sender


def _users():
    return get_user_model().objects.order_by("username")


def _senders():
    return Sender.objects.order_by("name", "id")


class IdChoiceFilter(IdFilter):
    """An IdFilter (any id from 1 to 2**63 - 1; one that matches nothing gives an empty list) that a
    page shows as a list to pick from (`choices`: a callable giving a queryset, asked only when the page
    is drawn); the API takes the id alone."""

    def __init__(self, *args, choices, empty_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices, self.empty_label = choices, empty_label

    @property
    def field(self):
        field = super().field
        if not isinstance(field.widget, forms.Select):
            field.widget = forms.Select(choices=CallableChoiceIterator(self._options))
        return field

    def _options(self) -> list[tuple]:
        return [("", self.empty_label), *((choice.pk, str(choice)) for choice in self.choices())]


def _day(label, help_text) -> filters.DateFilter:
    return filters.DateFilter(
        method="created_range",
        label=label,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class DeliveryFilterSet(FilterSet):
    """The history (`/history/`, its CSV export) and `/api/v1/deliveries/`."""

    q = filters.CharFilter(
        method="search",
        max_length=256,
        label=_("Search"),
        help_text=_("An exact messageKey or ottRequestId, or an ottId or userReference (or how it starts)"),
    )
    network = filters.ChoiceFilter(choices=NETWORK_CHOICES, empty_label=_("Any network"), label=_("Network"))
    sender = IdChoiceFilter(choices=_senders, empty_label=_("Any sender"), label=_("Sender"))
    status = filters.ChoiceFilter(choices=Delivery.Status.choices, empty_label=_("Any status"), label=_("Status"))
    user = IdChoiceFilter(field_name="created_by", choices=_users, empty_label=_("Anyone"), label=_("Sent by"))
    send = IdFilter(field_name="send_id", label=_("Send #"), help_text=_("The number of a send, as on the Sends page"))
    created_after = _day(_("From"), _("Created on or after this day"))
    created_before = _day(_("To"), _("Created on or before this day"))

    class Meta:
        model = Delivery
        fields: list[str] = []

    def filter_queryset(self, queryset):
        # The search collects matching ids among the rows the other filters kept, so it runs last.
        data = self.form.cleaned_data
        for name, value in data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        return self.filters["q"].filter(queryset, data.get("q"))

    def search(self, queryset, name, value):
        return delivery_search(queryset, value)

    def created_range(self, queryset, name, value):
        """An index-friendly range on created_at over whole local days (not DATE(created_at))."""
        return created_between(queryset, **{name: value})


class SendFilterSet(FilterSet):
    """`/sends/` and `/api/v1/sends/`."""

    draft = IdChoiceFilter(
        choices=lambda: Draft.objects.order_by("name", "id"), empty_label=_("Any draft"), label=_("Draft")
    )
    network = filters.ChoiceFilter(choices=NETWORK_CHOICES, empty_label=_("Any network"), label=_("Network"))
    status = filters.ChoiceFilter(choices=Send.Status.choices, empty_label=_("Any status"), label=_("Status"))
    created_by = IdChoiceFilter(choices=_users, empty_label=_("Anyone"), label=_("Sent by"))

    class Meta:
        model = Send
        fields: list[str] = []


class DraftFilterSet(FilterSet):
    """`/drafts/` and `/api/v1/drafts/`."""

    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200, label=_("Search by name"))
    network = filters.ChoiceFilter(
        field_name="sender__network", choices=NETWORK_CHOICES, empty_label=_("Any network"), label=_("Network")
    )
    sender = IdChoiceFilter(choices=_senders, empty_label=_("Any sender"), label=_("Sender"))
    owner = IdChoiceFilter(choices=_users, empty_label=_("Anyone"), label=_("Owner"))

    class Meta:
        model = Draft
        fields: list[str] = []
