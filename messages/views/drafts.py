"""The composer: the drafts list, the edit page with live validation, preview and exact JSON."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from messages.forms import MAX_BLOCKS, BlockFormSet, DraftForm, block_initial, error_slot
from messages.models import Draft
from messages.preview import bubbles
from messages.services import (
    DRAFT_FIELDS,
    SAMPLE_MESSAGE_KEY,
    SAMPLE_OTT_ID,
    DraftInvalid,
    draft_create,
    draft_message,
    draft_problems,
    draft_update,
    draft_values,
)
from messages.views import filtered_page
from ott.networks import MESSAGE_TAGS, NETWORK_CHOICES, NETWORKS
from ott.payloads import build_send_body
from ottportal.roles import capability_required, has_capability
from senders.models import Sender

BLOCK_PREFIX = "blocks"


class DraftFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search by name")
    network = forms.ChoiceField(required=False, choices=[("", "Any network"), *NETWORK_CHOICES])
    sender = forms.ModelChoiceField(required=False, queryset=Sender.objects.all(), empty_label="Any sender")
    owner = forms.ModelChoiceField(
        required=False, queryset=get_user_model().objects.order_by("username"), empty_label="Anyone"
    )


@capability_required("view_drafts")
def draft_list(request):
    form = DraftFilterForm(request.GET or None)
    drafts = Draft.objects.select_related("sender", "owner").order_by("-updated_at", "-id")
    lookups = {"q": "name__icontains", "network": "sender__network", "sender": "sender", "owner": "owner"}
    page, query = filtered_page(request, drafts, form, lookups)
    return render(request, "messages/draft_list.html", {"form": form, "page_obj": page, "query": query})


def _place(live: dict, draft_form: DraftForm, kept: list, field: str, errors: list[str]) -> None:
    """Put a rule's errors (keyed as the services key them) next to their field and in the summary."""
    if field.startswith("contents["):
        index, _, name = field[len("contents[") :].partition("].")
        number = int(index) if index.isdigit() else 0
        form = kept[number - 1] if 0 < number <= len(kept) else None
        if form is not None and name in form.fields:
            live["slots"][error_slot(form.prefix, name)].extend(errors)
            live["summary"].extend((f"Block {number} · {form.fields[name].label}", e) for e in errors)
        else:
            live["summary"].extend((f"Block {index}", e) for e in errors)
    elif field in draft_form.fields:
        live["slots"][error_slot("draft", field)].extend(errors)
        live["summary"].extend((draft_form.fields[field].label, e) for e in errors)
    else:
        live["summary"].extend(("Blocks" if field == "contents" else "Message", e) for e in errors)


def _evaluate(draft_form: DraftForm, formset) -> dict:
    """Check what the page holds: field errors, then the message rules on the body it would send.
    Returns the live context: error slots by id, the summary, preview bubbles, JSON, and the values."""
    live: dict = {"slots": {}, "summary": [], "network": ""}
    if not draft_form.is_bound:  # a new, empty draft: nothing to judge yet
        return live
    draft_form.is_valid()
    for name, field in draft_form.fields.items():
        live["slots"][error_slot("draft", name)] = list(draft_form.errors.get(name, []))
        live["summary"].extend((field.label, e) for e in draft_form.errors.get(name, []))
    live["summary"].extend(("Draft", e) for e in draft_form.non_field_errors())
    kept = formset.kept_forms() if formset.is_bound else []
    for number, form in enumerate(formset.forms, start=1):
        for name, field in form.fields.items():
            if name in ("ORDER", "DELETE"):  # set by the page's own controls, never shown with an error
                continue
            live["slots"][error_slot(form.prefix, name)] = list(form.errors.get(name, []))
            live["summary"].extend((f"Block {number} · {field.label or name}", e) for e in form.errors.get(name, []))
    if formset.is_bound:
        live["summary"].extend(("Blocks", e) for e in formset.non_form_errors())
    sender = draft_form.cleaned_data.get("sender")
    if sender is None:
        return live
    live["network"] = sender.network
    fields = {k: draft_form.cleaned_data.get(k) or "" for k in DRAFT_FIELDS}
    blocks = [form.values() for form in kept if form.is_valid()]
    if len(blocks) == len(kept):  # every block parsed: the rules can judge the whole message
        for field, errors in draft_problems(sender=sender, blocks=blocks, **fields).items():
            _place(live, draft_form, kept, field, errors)
    body = build_send_body(
        draft_message(sender=sender, blocks=blocks, **fields), message_key=SAMPLE_MESSAGE_KEY, ott_id=SAMPLE_OTT_ID
    )
    live.update(body=body, body_json=json.dumps(body, indent=2, ensure_ascii=False), bubbles=bubbles(body))
    live["values"] = {"sender": sender, "blocks": blocks, "name": draft_form.cleaned_data.get("name"), **fields}
    return live


def _stored_data(draft: Draft) -> dict:
    """A stored draft as the data its page would post, so a page load is checked like an edit."""
    data = {name: value for name, value in DraftForm(instance=draft).initial.items() if value is not None}
    blocks = [block_initial(b) for b in draft.blocks.all()]
    data.update({f"{BLOCK_PREFIX}-TOTAL_FORMS": len(blocks), f"{BLOCK_PREFIX}-INITIAL_FORMS": 0})
    for index, block in enumerate(blocks):
        for key, value in block.items():
            if value not in (None, False):
                data[f"{BLOCK_PREFIX}-{index}-{key}"] = value
    return data


def _forms(request, draft: Draft | None):
    if request.method == "POST" or draft is not None:
        data = request.POST if request.method == "POST" else _stored_data(draft)
        return DraftForm(data, instance=draft), BlockFormSet(data, prefix=BLOCK_PREFIX)
    return DraftForm(), BlockFormSet(initial=[{"type": "text", "ORDER": 1}], prefix=BLOCK_PREFIX)


def _page(request, draft: Draft | None, draft_form, formset, live, status=200):
    context = {
        "draft": draft,
        "form": draft_form,
        "formset": formset,
        "live": live,
        "networks": {
            n.name: {"max": n.max_contents, "limit": n.text_limit, "unit": n.text_unit} for n in NETWORKS.values()
        },
        "max_blocks": MAX_BLOCKS,
        "message_tags": MESSAGE_TAGS,
        "read_only": not has_capability(request.user, "compose"),
        "can_send": has_capability(request.user, "send"),
    }
    return render(request, "messages/draft_edit.html", context, status=status)


def _save(request, draft: Draft | None):
    draft_form, formset = _forms(request, draft)
    live = _evaluate(draft_form, formset)
    if request.method == "POST" and not live["summary"] and "values" in live:
        values = live["values"]
        try:
            saved = draft_create(owner=request.user, **values) if draft is None else None
            draft = saved or draft_update(draft=draft, **values)
        except DraftInvalid as exc:  # a rule the live check could not see (a sender deactivated meanwhile)
            live["summary"] = [(field, m) for field, errors in exc.errors.items() for m in errors]
        else:
            messages.success(request, f"Saved “{draft.name}”.")
            return redirect("messages:draft-edit", pk=draft.pk)
    return _page(request, draft, draft_form, formset, live, 400 if request.method == "POST" else 200)


@capability_required("compose")
def draft_new(request):
    return _save(request, None)


@capability_required("view_drafts")
def draft_edit(request, pk: int):
    if request.method == "POST" and not has_capability(request.user, "compose"):
        raise PermissionDenied("Your role does not allow this (compose).")
    return _save(request, get_object_or_404(Draft.objects.select_related("sender"), pk=pk))


@require_POST
@capability_required("compose")
def draft_validate(request):
    """htmx: the live part of the page (summary, preview, JSON) and every error slot, out of band."""
    draft_form, formset = _forms(request, None)
    live = _evaluate(draft_form, formset)
    return render(request, "messages/inc/composer_live.html", {"live": live, "oob": True})


@require_POST
@capability_required("compose")
def draft_duplicate(request, pk: int):
    original = get_object_or_404(Draft.objects.select_related("sender"), pk=pk)
    values = draft_values(original)
    values["name"] = f"Copy of {original.name}"[:200]
    try:
        copy = draft_create(owner=request.user, **values)
    except DraftInvalid as exc:
        messages.error(request, "This draft cannot be copied as it is: " + "; ".join(str(exc).split("; ")[:3]))
        return redirect("messages:draft-edit", pk=original.pk)
    messages.success(request, f"Created “{copy.name}”.")
    return redirect("messages:draft-edit", pk=copy.pk)


@require_POST
@capability_required("compose")
def draft_delete(request, pk: int):
    draft = get_object_or_404(Draft, pk=pk)
    name = draft.name
    with transaction.atomic():
        draft.delete()  # sends keep their frozen copy; their `draft` link becomes empty
    messages.success(request, f"Deleted “{name}”. Sends made from it keep their history.")
    return redirect(reverse("messages:draft-list"))
