"""The composer: the drafts list, the edit page with live validation, preview and exact JSON."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audiences.models import Audience
from messages import personalize, services
from messages.filters import DraftFilterSet
from messages.forms import MAX_BLOCKS, BlockForm, Composer, error_slot
from messages.models import Draft
from messages.preview import bubbles
from messages.services import DraftInvalid, DraftProblem, body_warnings, draft_check, draft_create, draft_update
from messages.views import filtered_page
from ott.networks import MESSAGE_TAGS, NETWORKS
from ott.payloads import BLOCK_FIELDS, MESSAGE_FIELDS
from ottportal.models import settings_of
from ottportal.roles import capability_required, has_capability


@capability_required("view_drafts")
def draft_list(request):
    drafts = Draft.objects.select_related("sender", "owner").order_by("-updated_at", "-id")
    context, status = filtered_page(request, DraftFilterSet, drafts)
    return render(request, "messages/draft_list.html", context, status=status)


def _entry(label: str, text: str, detail: str = "", target: str = "") -> dict:
    """One error as the page shows it: advice first, the documented message as a detail line."""
    return {"label": label, "text": text, "detail": detail, "target": target}


def _place(live: dict, composer: Composer, problem: DraftProblem) -> None:
    """Put a rule's problem beside its field and in the summary."""
    detail = problem.message if problem.documented and problem.advice else ""
    entry = _entry("", problem.advice or problem.message, detail)
    form = composer.block_form(problem.block) if problem.block is not None else composer.form
    if form is not None and problem.field in form.fields:
        bound = form[problem.field]
        prefix = "draft" if problem.block is None else form.prefix
        live["slots"].setdefault(error_slot(prefix, problem.field), []).append(entry)
        label = bound.label if problem.block is None else f"Block {problem.block} · {bound.label}"
        live["summary"].append({**entry, "label": label, "target": bound.id_for_label})
    else:
        live["summary"].append({**entry, "label": "Blocks" if problem.field == "contents" else "Message"})


def _place_warning(live: dict, composer: Composer, problem: DraftProblem) -> None:
    """A warning goes beside its field only: it does not stop the draft being saved or sent."""
    form = composer.block_form(problem.block) if problem.block is not None else composer.form
    if form is not None and problem.field in form.fields:
        prefix = "draft" if problem.block is None else form.prefix
        entry = {**_entry("", problem.advice or problem.message), "warning": True}
        live["slots"].setdefault(error_slot(prefix, problem.field), []).append(entry)


def _evaluate(composer: Composer) -> dict:
    """Check what the page holds, once: fields that do not parse, then the message rules on the body
    it would send. Returns the live context: error slots by id, the summary, the preview and JSON."""
    live: dict = {"slots": {}, "summary": [], "network": None, "ok": False}
    if composer.is_bound:  # every slot is sent, so an error that was fixed disappears
        slots = [error_slot("draft", name) for name in composer.form.fields]
        slots += [error_slot(form.prefix, name) for form in composer.formset.forms for name in BLOCK_FIELDS]
        live["slots"] = {slot: [] for slot in slots}
    for error in composer.field_errors():
        entry = _entry(error.label, error.message, target=error.target)
        live["summary"].append(entry)
        if error.slot:
            live["slots"].setdefault(error.slot, []).append(entry)
    if composer.sender is None:
        return live
    live["network"] = NETWORKS[composer.sender.network]
    message = composer.message()
    body, problems = draft_check(sender=composer.sender, message=message)
    if composer.blocks_parsed():  # the rules judge the whole message, not part of it
        for problem in problems:
            _place(live, composer, problem)
        for warning in body_warnings(body):
            _place_warning(live, composer, warning)
    if body is not None:
        live.update(body_json=json.dumps(body, indent=2, ensure_ascii=False), bubbles=bubbles(message))
        live["placeholders"] = personalize.placeholders(body)
    live["ok"] = not live["summary"] and composer.blocks_parsed()
    return live


HISTORY_SHOWN = 50  # newest change history entries on a draft's page
PREVIEW_AUDIENCES = 200  # newest ready audiences offered for the row preview (the page shows the sender's network's)


def _trace(request, draft: Draft | None, seen: bool = False) -> dict:
    """What the page says about the draft's past: its newest changes and, when the page is opened
    (`seen`), what others changed since its owner last looked."""
    if draft is None:
        return {}
    return {
        "changes": draft.changes.select_related("user")[:HISTORY_SHOWN],
        "changes_total": draft.changes.count(),
        "changed_by_others": services.draft_viewed(draft=draft, user=request.user) if seen else [],
    }


def _test_target(request, draft: Draft | None) -> dict | None:
    """Where "Send a test" goes: the user's saved test recipients on the draft's network."""
    if draft is None or not has_capability(request.user, "send"):
        return None
    network = NETWORKS[draft.sender.network]
    return {"count": len(settings_of(request.user).test_recipients.get(network.name, [])), "network": network.label}


def _page(request, composer: Composer, live: dict, status=200):
    seen = request.method == "GET"
    context = {
        **_trace(request, composer.draft, seen),
        "test_target": _test_target(request, composer.draft),
        "draft": composer.draft,
        "form": composer.form,
        "formset": composer.formset,
        "live": live,
        "networks": {network.name: network.page_data() for network in NETWORKS.values()},
        "max_blocks": MAX_BLOCKS,
        "message_tags": MESSAGE_TAGS,
        "can_send": has_capability(request.user, "send"),
        "preview_audiences": Audience.objects.ready()[:PREVIEW_AUDIENCES],
    }
    return render(request, "messages/draft_edit.html", context, status=status)


def _display(draft: Draft, name: str) -> str:
    """A field as people read it: a choice's label ("Message tag"), else the value."""
    label = getattr(draft, f"get_{name}_display", None)
    return label() if label else getattr(draft, name)


def _view(request, draft: Draft):
    """The read-only page (auditors): what the draft says, its preview and JSON; nothing to change."""
    composer = Composer(draft=draft)
    network, message = NETWORKS[draft.sender.network], composer.message()
    shown = MESSAGE_FIELDS if network.needs_custom_keys else ("subject", "message_group_key")
    facts = [(composer.form[name].label, _display(draft, name)) for name in shown]
    blocks = []
    for number, block in enumerate(message.blocks, start=1):
        rows = []
        for name in BLOCK_FIELDS:
            value = getattr(block, name)
            if value is None or value is False or value == "":
                continue
            is_json = name == "native_payload"
            value = json.dumps(value, indent=2, ensure_ascii=False) if is_json else value
            value = "Yes" if value is True else value.capitalize() if name == "type" else value
            rows.append((BlockForm.base_fields[name].label, value, is_json))
        blocks.append((number, rows))
    live = _evaluate(composer)
    context = {"draft": draft, "network": network, "facts": facts, "blocks": blocks, "live": live}
    context.update(_trace(request, draft, seen=True))
    return render(request, "messages/draft_view.html", context)


def _save(request, draft: Draft | None):
    posted = request.method == "POST"
    composer = Composer(request.POST if posted else None, draft=draft)
    live = _evaluate(composer)
    if posted and live["ok"]:
        values = {"name": composer.name, "sender": composer.sender, "message": composer.message()}
        try:
            saved = draft_create(owner=request.user, **values) if draft is None else None
            draft = saved or draft_update(draft=draft, user=request.user, **values)
        except DraftInvalid as exc:  # a rule the live check could not see (a sender deactivated meanwhile)
            for problem in exc.problems:
                _place(live, composer, problem)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": draft.name})
            return redirect("messages:draft-edit", pk=draft.pk)
    return _page(request, composer, live, 400 if posted else 200)


@capability_required("compose")
def draft_new(request):
    return _save(request, None)


@capability_required("view_drafts")
def draft_edit(request, pk: int):
    """The composer (marketers, admins) or the read-only page (auditors); either records that the
    user opened the draft, so its owner is told what others changed since."""
    can_compose = has_capability(request.user, "compose")
    if request.method == "POST" and not can_compose:
        raise PermissionDenied(_("Your role does not allow this (compose)."))
    draft = get_object_or_404(Draft.objects.select_related("sender", "owner", "updated_by"), pk=pk)
    return _save(request, draft) if can_compose else _view(request, draft)


@require_POST
@capability_required("compose")
def draft_validate(request):
    """htmx: the live part of the page (summary, preview, JSON) and every error slot, out of band."""
    live = _evaluate(Composer(request.POST))
    return render(request, "messages/inc/composer_live.html", {"live": live, "oob": True})


@require_POST
@capability_required("compose")
def draft_duplicate(request, pk: int):
    original = get_object_or_404(Draft.objects.select_related("sender"), pk=pk)
    try:
        copy = services.draft_duplicate(draft=original, owner=request.user)
    except DraftInvalid as exc:
        reasons = "; ".join(problem.advice or problem.message for problem in exc.problems[:3])
        messages.error(request, _("This draft cannot be copied as it is: %(reasons)s") % {"reasons": reasons})
        return redirect("messages:draft-edit", pk=original.pk)
    messages.success(request, _("Created “%(name)s”.") % {"name": copy.name})
    return redirect("messages:draft-edit", pk=copy.pk)


@require_POST
@capability_required("compose")
def draft_delete(request, pk: int):
    draft = get_object_or_404(Draft.objects.select_related("sender"), pk=pk)
    name = draft.name
    services.draft_delete(draft=draft, user=request.user)
    messages.success(request, _("Deleted “%(name)s”. Sends made from it keep their history.") % {"name": name})
    return redirect(reverse("messages:draft-list"))
