"""The composer's forms: the draft's fields and one form per content block (a formset, ordered), and
`Composer`, which binds both and gives what the page holds in the one shape (`ott.payloads.Message`).

Field-level checks only (a number is a number, JSON parses and is not nested too deep); the message
rules are `ott.rules`, run by `draft_check` on the body the draft would send, so the page, the API
and the worker agree. Line endings are normalized to `\\n` here, before anything is counted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messages.models import Draft
from ott.networks import CONTENT_TYPES, NETWORKS
from ott.payloads import BLOCK_FIELDS, MESSAGE_FIELDS, Block, Message
from ott.text import DEPTH_PROBLEM, PROBLEM, newlines, newlines_in, too_deep, unsafe_path
from senders.models import Sender

MAX_BLOCKS = max(network.max_contents for network in NETWORKS.values())
BLOCK_PREFIX = "blocks"
CUSTOM_KEY_FIELDS = ("messaging_type", "tag", "notification_type")  # Messenger's customKeys
DEFAULT_MESSAGING_TYPE = "UPDATE"  # a message that is not a reply and not tagged: the usual campaign


def error_slot(prefix: str, field: str) -> str:
    """The element id where the composer shows a field's errors (`draft` for the draft's own fields)."""
    return f"err-{prefix}-{field}"


class TextField(forms.CharField):
    """A text field whose line breaks are `\\n` (a browser's textarea posts `\\r\\n`), before the
    length is checked, so what is counted is what is stored and sent."""

    def to_python(self, value):
        return newlines(super().to_python(value))


class PayloadField(forms.CharField):
    """JSON typed into a textarea: shown pretty-printed; parsed into the value, or an error that
    names the line and column (syntax), the path (too deep) or the text that cannot be stored."""

    widget = forms.Textarea

    def prepare_value(self, value):
        if value is None or isinstance(value, str):
            return value or ""
        return json.dumps(value, indent=2, ensure_ascii=False)

    def to_python(self, value):
        text = super().to_python(value)
        if not text.strip():
            return None
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(problem)s at line %(line)s, column %(column)s.")
                % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno}
            ) from exc
        except RecursionError as exc:  # thousands of levels: the parser gives up before we can look
            raise forms.ValidationError(f"This JSON {DEPTH_PROBLEM}.") from exc
        if where := too_deep(payload, "payload"):
            raise forms.ValidationError(f"{where} {DEPTH_PROBLEM}.")
        if where := unsafe_path(payload):
            raise forms.ValidationError(f"{where}: text {PROBLEM}.")
        return newlines_in(payload)


class SenderSelect(forms.Select):
    """Options carry their network, so the page can adapt as soon as the sender changes."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-network"] = instance.network
        return option


def _sender_label(sender: Sender) -> str:
    label = f"{sender.name} ({sender.get_network_display()} {sender.sender_id})"
    return label if sender.is_active else _("%(sender)s, deactivated") % {"sender": label}


class DraftForm(forms.ModelForm):
    class Meta:
        model = Draft
        fields = ["name", "sender", *MESSAGE_FIELDS]
        field_classes = {"name": TextField, "subject": TextField, "message_group_key": TextField}
        widgets = {"sender": SenderSelect}
        labels = {
            "name": gettext_lazy("Name"),
            "sender": gettext_lazy("Sender"),
            "subject": gettext_lazy("Subject"),
            "tag": gettext_lazy("Tag"),
            "message_group_key": gettext_lazy("Message group key"),
            "messaging_type": gettext_lazy("Messaging type"),
            "notification_type": gettext_lazy("Notification type"),
        }
        help_texts = {
            "messaging_type": gettext_lazy(
                "Update for most messages; Response for a reply; Message tag outside the 24-hour window."
            ),
            "tag": gettext_lazy("Required for a message tag. Tagged messages must not be promotional."),
            "message_group_key": gettext_lazy("Optional; up to 100 characters."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Active senders, plus the draft's own (or the one posted) so a draft whose sender was
        # deactivated says so and offers the active ones, instead of "Select a valid choice".
        keep = {self.instance.sender_id} if self.instance.pk else set()
        posted = str(self.data.get("sender", "")) if self.is_bound else ""
        if posted.isdigit():
            keep.add(int(posted))
        self.fields["sender"].queryset = Sender.objects.filter(is_active=True) | Sender.objects.filter(pk__in=keep)
        self.fields["sender"].label_from_instance = _sender_label
        for name in CUSTOM_KEY_FIELDS:
            self.fields[name].required = False
        if not self.is_bound and not self.instance.pk:  # a new draft
            self.initial["messaging_type"] = DEFAULT_MESSAGING_TYPE


# A block's content types as the composer names them.
TYPE_LABELS = {
    "text": gettext_lazy("Text"),
    "image": gettext_lazy("Image"),
    "audio": gettext_lazy("Audio"),
    "video": gettext_lazy("Video"),
    "native": gettext_lazy("Native"),
}


class BlockForm(forms.Form):
    type = forms.ChoiceField(
        choices=[(t, TYPE_LABELS.get(t, t.capitalize())) for t in CONTENT_TYPES], label=gettext_lazy("Type")
    )
    text = TextField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Text"))
    url = TextField(required=False, max_length=5000, label="URL")
    alt_url = TextField(required=False, max_length=5000, label=gettext_lazy("Preview URL (altUrl)"))
    duration = forms.IntegerField(
        required=False, min_value=1, max_value=2_147_483_647, label=gettext_lazy("Duration (ms)")
    )
    native_payload = PayloadField(
        required=False,
        label=gettext_lazy("Native payload (JSON)"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"}),
    )
    is_reusable = forms.BooleanField(required=False, label=gettext_lazy("Reusable attachment (isReusable)"))
    attachment_id = TextField(required=False, max_length=100, label=gettext_lazy("Attachment id"))

    def to_block(self) -> Block:
        return Block(**{name: self.cleaned_data[name] for name in BLOCK_FIELDS})


class BaseBlockFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": f"A message has at most {MAX_BLOCKS} blocks: remove the ones you do not need.",
    }

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = False  # a block added on the page is a block, even if left as it came
        return form

    def kept_forms(self) -> list[BlockForm]:
        """The blocks not marked for removal, in their ORDER (works on an invalid formset too)."""
        if not self.is_bound:
            return list(self.forms)
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


@dataclass
class FieldError:
    """A field-level error on the page: in block `block` (counting from 1) or in the draft's fields."""

    slot: str
    label: str
    message: str
    target: str = ""  # the id of the control, for the summary's link


class Composer:
    """The composer page's forms, bound to what was posted, or showing a stored draft (or a new one).

    `sender`, `name` and `message()` are what the page holds in the one shape; `field_errors()` the
    errors of fields that did not even parse (the message rules are the services')."""

    def __init__(self, data=None, *, draft: Draft | None = None):
        self.draft = draft
        if data is not None:
            self.form = DraftForm(data, instance=draft)
            self.formset = BlockFormSet(data, prefix=BLOCK_PREFIX)
            self.form.is_valid()
            self.formset.is_valid()
            self.sender = self.form.cleaned_data.get("sender")
            self.name = self.form.cleaned_data.get("name") or ""
        elif draft is not None:
            message = draft.to_message()
            initial = [
                {**{name: getattr(block, name) for name in BLOCK_FIELDS}, "ORDER": number}
                for number, block in enumerate(message.blocks, start=1)
            ]
            self.form = DraftForm(instance=draft)
            self.formset = BlockFormSet(initial=initial, prefix=BLOCK_PREFIX)
            self.sender, self.name, self._stored = draft.sender, draft.name, message
        else:
            self.form = DraftForm()
            self.formset = BlockFormSet(initial=[{"type": "text", "ORDER": 1}], prefix=BLOCK_PREFIX)
            self.sender, self.name = None, ""
        self.kept = self.formset.kept_forms()

    @property
    def is_bound(self) -> bool:
        return self.form.is_bound

    def blocks_parsed(self) -> bool:
        """Every block on the page became a `Block` (a stored draft's always did)."""
        return not self.is_bound or all(form.is_valid() for form in self.kept)

    def message(self) -> Message:
        """The message on the page: the stored one, or what was posted (blocks that do not parse are
        left out, so the preview still shows the others)."""
        if not self.is_bound:
            return getattr(self, "_stored", Message())
        fields: dict[str, Any] = {name: self.form.cleaned_data.get(name) or "" for name in MESSAGE_FIELDS}
        network = NETWORKS.get(self.sender.network) if self.sender else None
        if network is not None and not network.needs_custom_keys:  # hidden on the page: not this network's
            fields.update(dict.fromkeys(CUSTOM_KEY_FIELDS, ""))
        blocks = tuple(form.to_block() for form in self.kept if form.is_valid())
        sender = {"network": self.sender.network, "sender_id": self.sender.sender_id} if self.sender else {}
        return Message(blocks=blocks, **sender, **fields)

    def field_errors(self) -> list[FieldError]:
        if not self.is_bound:
            return []
        errors = [
            FieldError(error_slot("draft", name), self.form[name].label, message, self.form[name].id_for_label)
            for name in self.form.fields
            for message in self.form.errors.get(name, [])
        ]
        errors += [FieldError("", _("Draft"), message) for message in self.form.non_field_errors()]
        for number, form in enumerate(self.kept, start=1):
            for name in BLOCK_FIELDS:
                for message in form.errors.get(name, []):
                    label = _("Block %(number)s · %(field)s") % {"number": number, "field": form[name].label}
                    errors.append(FieldError(error_slot(form.prefix, name), label, message, form[name].id_for_label))
        errors += [FieldError("", _("Blocks"), message) for message in self.formset.non_form_errors()]
        return errors

    def block_form(self, number: int) -> BlockForm | None:
        return self.kept[number - 1] if 0 < number <= len(self.kept) else None
