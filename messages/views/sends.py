"""Sending a draft: recipients -> confirm page -> queued send -> live progress; the sends list."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from messages.export import refused_csv
from messages.filters import SendFilterSet
from messages.models import Draft, RecipientList, Send
from messages.preview import bubbles
from messages.recipients import Recipients, parse_csv, parse_text, recipient_list_create, row_problems
from messages.schedule import ConfirmForm
from messages.selectors import send_counts
from messages.services import (
    SAMPLE_MESSAGE_KEY,
    SendRefused,
    draft_problems_of,
    send_cancel,
    send_recipient_list,
    send_test,
)
from messages.uploads import UploadLimit
from messages.views import filtered_page
from messages.views.campaign import approval_notice, what_next
from messages.views.send_page import progress_context, render_send_page
from ott.payloads import build_send_body
from ottportal.roles import capability_required

INVALID_SHOWN = 200
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class RecipientsForm(forms.Form):
    ott_id = forms.CharField(
        required=False,
        max_length=256,
        label="Recipient ID (ottId)",
        strip=True,
    )
    user_reference = forms.CharField(
        required=False,
        max_length=256,
        label="Customer reference (userReference)",
        strip=True,
    )
    pasted = forms.CharField(
        required=False,
        label="Or paste a list",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=(
            "One recipient per line: the recipient ID, or recipient ID,customer reference "
            "(,customer reference alone for Messenger)."
        ),
    )
    csv_file = forms.FileField(
        required=False,
        label="Or upload a CSV file",
        help_text="Header ott_id,user_reference; UTF-8 with or without BOM; up to 100,000 rows and 20 MB.",
    )

    def __init__(self, *args, refused: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = refused or {}  # {field: why}: input refused while the request arrived

    def clean(self):
        for name, reason in self.refused.items():
            self.add_error(name, reason)
        return super().clean()

    def parse(self, network: str) -> Recipients:
        data = self.cleaned_data
        given = [bool(data["ott_id"] or data["user_reference"]), bool(data["pasted"].strip()), bool(data["csv_file"])]
        if sum(given) != 1:
            self.add_error(None, "Give the recipients one way: one recipient, a pasted list, or a CSV file.")
            return Recipients()
        if data["csv_file"]:
            result, field = parse_csv(data["csv_file"], network), "csv_file"
        elif data["pasted"].strip():
            result, field = parse_text(data["pasted"], network), "pasted"
        else:
            result = Recipients()
            if problems := row_problems(data["ott_id"], data["user_reference"], network):
                self.add_error("ott_id", " ".join(problems))
            else:
                result.valid.append((data["ott_id"], data["user_reference"]))
            return result
        if result.error:
            self.add_error(field, result.error)
        elif not result.valid:
            self.add_error(field, "No valid recipient in this list (see the refused lines below).")
        return result


def _draft_for_sending(request, pk: int) -> Draft:
    return get_object_or_404(Draft.objects.select_related("sender"), pk=pk)


def _recipients_page(request, draft: Draft, form: RecipientsForm, problems: dict, result: Recipients | None):
    context = {"draft": draft, "form": form, "problems": problems, "refused": result.invalid if result else []}
    context["refused_more"] = result.refused - len(result.invalid) if result else 0
    return render(request, "messages/send_start.html", context, status=400 if form.errors else 200)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:g} MB"


@csrf_exempt  # the upload limit must be in place before anything reads the body; CSRF is checked inside
@capability_required("send")
def send_start(request, pk: int):
    """Recipients for a draft; a valid list goes to the confirm page. A file over MAX_UPLOAD_BYTES is
    refused while it arrives (nothing of it is stored), with the reason on the page."""
    limit = UploadLimit(request, MAX_UPLOAD_BYTES)
    request.upload_handlers.insert(0, limit)
    if request.method == "POST":
        try:
            request.POST  # noqa: B018 (read the body now, under the limit)
        except RequestDataTooBig:
            # The fields alone pass DATA_UPLOAD_MAX_MEMORY_SIZE. Nothing read can be acted on (the rest,
            # with the CSRF token, is left unread), so the page only says why.
            too_long = f"A pasted list can be at most {_megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}; "
            form = RecipientsForm({}, refused={"pasted": too_long + "upload it as a CSV file."})
            draft = _draft_for_sending(request, pk)
            return _recipients_page(request, draft, form, draft_problems_of(draft), None)
    return _send_start(request, pk, limit)


@csrf_protect
def _send_start(request, pk: int, limit: UploadLimit):
    draft = _draft_for_sending(request, pk)
    problems = draft_problems_of(draft)
    form, result = RecipientsForm(), None
    if request.method == "POST":
        too_big = f"The file is larger than {_megabytes(MAX_UPLOAD_BYTES)}, the most one upload can be. "
        refused = {limit.refused: too_big + "Split it into smaller files."} if limit.refused else {}
        form = RecipientsForm(request.POST, request.FILES, refused=refused)
        if not problems and form.is_valid():
            result = form.parse(draft.sender.network)
            if form.is_valid() and result.valid:
                pending = recipient_list_create(draft=draft, user=request.user, recipients=result)
                return redirect("messages:send-confirm", pk=pending.pk)
    return _recipients_page(request, draft, form, problems, result)


@require_POST
@capability_required("send")
def send_test_view(request, pk: int):
    """Send a test: at once, to the user's own saved test recipients."""
    draft = _draft_for_sending(request, pk)
    try:
        send = send_test(draft, request.user)
    except SendRefused as exc:
        messages.error(request, str(exc))
        return redirect("messages:draft-edit", pk=draft.pk)
    messages.success(request, f"Test sent to {send.total} test recipient{'s' if send.total != 1 else ''}.")
    return redirect("messages:send-detail", pk=send.pk)


@capability_required("send")
def send_confirm(request, pk):
    """The last look before sending: counts, the phone preview and the exact body for the first
    recipient, the refused lines, when it starts (and whether it will wait for approval), then the
    button. POST creates the send."""
    pending = get_object_or_404(RecipientList.objects.select_related("draft__sender"), pk=pk, created_by=request.user)
    draft, total = pending.draft, len(pending.recipients)
    form = ConfirmForm(request.POST if request.method == "POST" else None, user=request.user, total=total)
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start"]
        try:
            send = send_recipient_list(
                pending.pk,
                request.user,
                scheduled_at=start.at,
                time_zone=start.zone,
                canary=form.cleaned_data.get("canary", False),
            )
        except SendRefused as exc:
            if exc.field == "scheduled_at":
                form.refused(str(exc))
            else:
                messages.error(request, str(exc))
        else:
            messages.success(request, what_next(send, start))
            return redirect("messages:send-detail", pk=send.pk)
    first = pending.recipients[0]
    message = draft.to_message()
    body = build_send_body(message, message_key=SAMPLE_MESSAGE_KEY, ott_id=first[0], user_reference=first[1])
    context = {
        "draft": draft,
        "pending": pending,
        "total": total,
        "invalid": pending.invalid[:INVALID_SHOWN],
        "invalid_more": max(0, pending.invalid_count - len(pending.invalid[:INVALID_SHOWN])),
        "body_json": json.dumps(body, indent=2, ensure_ascii=False),
        "bubbles": bubbles(message),
        "problems": draft_problems_of(draft),
        "form": form,
        "approval": approval_notice(draft.sender, total, request.user),
    }
    return render(request, "messages/send_confirm.html", context, status=400 if form.errors else 200)


@capability_required("view_history")
def send_refused(request, pk: int):
    """The recipient rows refused before a send was queued, as CSV (formula-safe)."""
    send = get_object_or_404(Send, pk=pk)
    response = HttpResponse(refused_csv(send.refused_lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="send-{send.pk}-refused.csv"'
    return response


@capability_required("view_history")
def send_detail(request, pk: int):
    send = get_object_or_404(Send.objects.select_related("created_by", "sender", "draft", "retry_of"), pk=pk)
    return render_send_page(request, send)


@capability_required("view_history")
def send_progress_view(request, pk: int):
    """The live part of the send page (htmx polls it while the send is not finished). When the status
    has changed since the page was drawn (`shown`), the whole page is drawn again: what a person may
    do (pause, approve, reschedule...) depends on it."""
    send = get_object_or_404(Send, pk=pk)
    shown = request.GET.get("shown")
    if request.htmx and shown and shown != send.status:
        return HttpResponseClientRefresh()
    return render(request, "messages/inc/send_progress.html", progress_context(request, send))


@capability_required("send")
def send_cancel_view(request, pk: int):
    """GET: what canceling will do, and a button to confirm. POST: cancel."""
    send = get_object_or_404(Send, pk=pk)
    if request.method != "POST":
        return render(request, "messages/send_cancel.html", progress_context(request, send))
    try:
        result = send_cancel(send, request.user)
    except SendRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, cancel_summary(result))
    return redirect("messages:send-detail", pk=send.pk)


def cancel_summary(result) -> str:
    not_sent = f"{result.not_sent:,} {'delivery' if result.not_sent == 1 else 'deliveries'} will not be sent"
    if not result.in_flight:
        return f"Send canceled: {not_sent}."
    verb = "was" if result.in_flight == 1 else "were"
    return f"Send canceled: {not_sent}; {result.in_flight:,} {verb} already being posted and will finish."


@capability_required("view_history")
def send_list(request):
    sends = Send.objects.select_related("created_by", "sender")
    context, status = filtered_page(request, SendFilterSet, sends)
    counts = send_counts([s.pk for s in context["page_obj"]])
    context["rows"] = [(send, counts[send.pk]) for send in context["page_obj"]]
    return render(request, "messages/send_list.html", context, status=status)
