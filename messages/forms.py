"""The composer's forms: the draft's fields and one form per content block (a formset, ordered).

Field-level checks only (a number is a number, JSON parses); the message rules are `ott.rules`, run by
the services on the body the draft would send, so the page, the API and the worker agree."""

from __future__ import annotations

import json

from django import forms

from messages.models import Draft
from ott.networks import CONTENT_TYPES, NETWORKS
from ott.text import PROBLEM, unsafe_path
from senders.models import Sender

MAX_BLOCKS = max(network.max_contents for network in NETWORKS.values())


def error_slot(prefix: str, field: str) -> str:
    """The element id where the composer shows a field's errors (`draft` for the draft's own fields)."""
    return f"err-{prefix}-{field}"


class SenderSelect(forms.Select):
    """Options carry their network, so the page can adapt as soon as the sender changes."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-network"] = instance.network
        return option


class DraftForm(forms.ModelForm):
    class Meta:
        model = Draft
        fields = ["name", "sender", "subject", "message_group_key", "messaging_type", "tag", "notification_type"]
        widgets = {"sender": SenderSelect}
        labels = {
            "message_group_key": "Message group key",
            "messaging_type": "Messaging type",
            "notification_type": "Notification type",
        }
        help_texts = {
            "tag": "Required for MESSAGE_TAG. Tagged messages must not be promotional.",
            "message_group_key": "Optional; up to 100 characters.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.sender_id if self.instance.pk else None
        # Active senders only, plus the current one so an edit shows why it can no longer be sent.
        self.fields["sender"].queryset = Sender.objects.filter(is_active=True) | Sender.objects.filter(pk=current)
        self.fields["sender"].label_from_instance = lambda s: f"{s.name} ({s.get_network_display()} {s.sender_id})"
        for name in ("messaging_type", "tag", "notification_type"):
            self.fields[name].required = False


class BlockForm(forms.Form):
    type = forms.ChoiceField(choices=[(t, t.capitalize()) for t in CONTENT_TYPES])
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3}))
    url = forms.CharField(required=False, max_length=5000, label="URL")
    alt_url = forms.CharField(required=False, max_length=5000, label="Preview URL (altUrl)")
    duration = forms.IntegerField(required=False, min_value=1, max_value=2_147_483_647, label="Duration (ms)")
    native_payload = forms.CharField(
        required=False,
        label="Native payload (JSON)",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"}),
    )
    is_reusable = forms.BooleanField(required=False, label="Reusable attachment (isReusable)")
    attachment_id = forms.CharField(required=False, max_length=100, label="Attachment id")

    def clean_native_payload(self):
        text = self.cleaned_data["native_payload"]
        if not text.strip():
            return None
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"This is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from exc
        if where := unsafe_path(payload):
            raise forms.ValidationError(f"{where}: text {PROBLEM}.")
        return payload

    def values(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key not in ("ORDER", "DELETE")}


class BaseBlockFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = False  # a block added on the page is a block, even if left as it came
        return form

    def kept_forms(self) -> list[BlockForm]:
        """The blocks not marked for removal, in their ORDER (works on an invalid formset too)."""
        rows = []
        for index, form in enumerate(self.forms):
            form.is_valid()
            if self._should_delete_form(form):
                continue
            order = form.cleaned_data.get("ORDER")
            rows.append((order if order is not None else 10**6, index, form))
        return [form for *_, form in sorted(rows, key=lambda row: row[:2])]


BlockFormSet = forms.formset_factory(
    BlockForm,
    formset=BaseBlockFormSet,
    extra=0,
    can_delete=True,
    can_order=True,
    max_num=MAX_BLOCKS,
    absolute_max=MAX_BLOCKS,
    validate_max=True,
)


def block_initial(block) -> dict:
    """A stored ContentBlock as the block form's initial data (native payloads pretty-printed)."""
    payload = block.native_payload
    return {
        "type": block.type,
        "text": block.text,
        "url": block.url,
        "alt_url": block.alt_url,
        "duration": block.duration,
        "native_payload": json.dumps(payload, indent=2, ensure_ascii=False) if payload is not None else "",
        "is_reusable": block.is_reusable,
        "attachment_id": block.attachment_id,
        "ORDER": block.position,
    }
