"""The upload, rename, add and import forms: field-level checks only; the rules are the services'
(audiences/loading.py, audiences/suppressions.py), so the pages and the API agree."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audiences.models import Suppression
from messages.fields import IdField
from ott.networks import NETWORK_CHOICES
from senders.models import Sender


class RefusedUploadMixin:
    """Input refused while the request arrived (a file over the limit): {field: why}, shown as that
    field's error."""

    def __init__(self, *args, refused: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = refused or {}

    def clean(self):
        for name, reason in self.refused.items():
            self.add_error(name, reason)
        return super().clean()


class AudienceUploadForm(RefusedUploadMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, strip=True)
    network = forms.ChoiceField(
        label=_("Network"), choices=NETWORK_CHOICES, help_text=_("Drafts of this network can be sent to it.")
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "The first row is the header ott_id,user_reference, then any columns of your own (first_name, "
            "coupon…): their values fill the placeholders of a message. UTF-8, with or without BOM; "
            "up to 1,000,000 rows."
        ),
    )
    replaces = IdField(required=False, widget=forms.HiddenInput)


class AudienceRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, strip=True)


class SenderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Sender) -> str:
        return str(obj)


class SuppressionForm(forms.Form):
    network = forms.ChoiceField(label=_("Network"), choices=NETWORK_CHOICES)
    sender = SenderChoiceField(
        label=_("Sender"),
        queryset=Sender.objects.order_by("network", "name", "id"),
        required=False,
        empty_label=_("Every sender of the network"),
        help_text=_("Leave it on every sender unless the recipient only refused this page or channel."),
    )
    ott_id = forms.CharField(required=False, max_length=256, strip=True, label=_("Recipient ID (ottId)"))
    user_reference = forms.CharField(
        required=False, max_length=256, strip=True, label=_("Customer reference (userReference)")
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=Suppression.Reason.choices, initial=Suppression.Reason.OPT_OUT
    )
    expires_at = forms.DateTimeField(
        required=False,
        label=_("Expires"),
        help_text=_("Empty: never. In your time zone."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class SuppressionImportForm(RefusedUploadMixin, forms.Form):
    network = forms.ChoiceField(
        label=_("Network"),
        choices=[("", _("From the file's network column")), *NETWORK_CHOICES],
        required=False,
        help_text=_("The network of every row that does not name its own."),
    )
    reason = forms.ChoiceField(
        choices=Suppression.Reason.choices,
        initial=Suppression.Reason.OPT_OUT,
        label=_("Reason"),
        help_text=_("For the rows without a reason of their own."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: ott_id and/or user_reference; optionally reason, expires_at (2027-01-31 or "
            "2027-01-31T09:00+09:00), sender_id (the page or channel id; empty: every sender) and network. "
            "An export imports again as it is."
        ),
    )
