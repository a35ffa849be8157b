"""Sending a draft: recipients -> confirm page -> queued send -> live progress; the sends list."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from audiences.loading import MAX_ROWS as MAX_AUDIENCE_ROWS
from audiences.loading import AudienceInvalid, audience_from_csv
from audiences.models import Audience, Suppression
from messages import personalize, planning, send_plan
from messages.export import refused_csv
from messages.filters import SendFilterSet
from messages.models import Draft, RecipientList, Send
from messages.pending_lists import recipient_list_create
from messages.preview import bubbles, template_bubbles
from messages.recipients import Recipients, parse_text, row_problems
from messages.schedule import ConfirmForm, zone_label
from messages.selectors import send_counts
from messages.send_plan import REFUSED_LISTED
from messages.services import (
    SendRefused,
    draft_problems_of,
    send_cancel,
    send_check,
    send_recipient_list,
    send_test,
)
from messages.uploads import UploadLimit
from messages.views import filtered_page
from messages.views.campaign import approval_notice, what_next
from messages.views.send_page import progress_context, render_send_page
from ott.payloads import message_template
from ottportal.roles import capability_required

INVALID_SHOWN = 200
PLAN_INLINE_MAX = 5_000  # recipients whose plan is worked out while the confirm page is drawn
# A one-off file is streamed into an audience as a saved one is, with the same limit (audiences/views).
MAX_UPLOAD_BYTES = 256 * 1024 * 1024


class AudienceChoice(forms.ModelChoiceField):
    def label_from_instance(self, audience: Audience) -> str:
        values = {"name": audience.name, "n": f"{audience.size:,}", "columns": ", ".join(audience.columns)}
        if audience.columns:
            text = ngettext(
                "%(name)s (%(n)s recipient; columns: %(columns)s)",
                "%(name)s (%(n)s recipients; columns: %(columns)s)",
                audience.size,
            )
        else:
            text = ngettext("%(name)s (%(n)s recipient)", "%(name)s (%(n)s recipients)", audience.size)
        return text % values


class RecipientsForm(forms.Form):
    audience = AudienceChoice(
        queryset=Audience.objects.none(),
        required=False,
        label=gettext_lazy("A saved audience"),
        empty_label=gettext_lazy("(none)"),
        help_text=gettext_lazy(
            "Its extra columns fill the message's placeholders. Once sent to, it can no longer be changed."
        ),
    )
    ott_id = forms.CharField(
        required=False,
        max_length=256,
        label=gettext_lazy("Recipient ID (ottId)"),
        strip=True,
    )
    user_reference = forms.CharField(
        required=False,
        max_length=256,
        label=gettext_lazy("Customer reference (userReference)"),
        strip=True,
    )
    pasted = forms.CharField(
        required=False,
        label=gettext_lazy("Or paste a list"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One recipient per line: the recipient ID, or recipient ID,customer reference "
            "(,customer reference alone for Messenger)."
        ),
    )
    csv_file = forms.FileField(
        required=False,
        label=gettext_lazy("Or upload a CSV file"),
        help_text=format_lazy(
            gettext_lazy(
                "Header ott_id,user_reference, then any columns of your own (they fill the placeholders); "
                "UTF-8 with or without BOM; up to {rows} rows and {megabytes} MB. "
                "Used for this send only; to send to it again, save it as an audience."
            ),
            rows=f"{MAX_AUDIENCE_ROWS:,}",
            megabytes=MAX_UPLOAD_BYTES // 2**20,
        ),
    )

    def __init__(self, *args, network: str = "", refused: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = refused or {}  # {field: why}: input refused while the request arrived
        self.fields["audience"].queryset = Audience.objects.ready().listed().filter(network=network)
        self.refused_rows: list = []  # [line, text, reason] of a list or file that was refused or partly refused
        self.refused_more = 0

    def clean(self):
        for name, reason in self.refused.items():
            self.add_error(name, reason)
        return super().clean()

    def pending(self, draft: Draft, user) -> RecipientList | None:
        """The recipients given, checked and kept for the confirm page; None (with the form's errors)
        when they cannot be sent to."""
        data, network = self.cleaned_data, draft.sender.network
        ways = (data["audience"], data["ott_id"] or data["user_reference"], data["pasted"].strip(), data["csv_file"])
        if sum(map(bool, ways)) != 1:
            self.add_error(
                None, _("Give the recipients one way: an audience, one recipient, a pasted list, or a CSV file.")
            )
            return None
        if data["audience"]:
            return recipient_list_create(draft=draft, user=user, audience=data["audience"])
        if data["csv_file"]:
            return self._one_off(draft, user)
        if data["pasted"].strip():
            result = parse_text(data["pasted"], network)
            self.refused_rows, self.refused_more = result.invalid, result.refused - len(result.invalid)
            if result.error or not result.valid:
                self.add_error(
                    "pasted", result.error or _("No valid recipient in this list (see the refused lines below).")
                )
                return None
            return recipient_list_create(draft=draft, user=user, recipients=result)
        if problems := row_problems(data["ott_id"], data["user_reference"], network):
            self.add_error("ott_id", " ".join(problems))
            return None
        return recipient_list_create(
            draft=draft, user=user, recipients=Recipients(valid=[(data["ott_id"], data["user_reference"])])
        )

    def _one_off(self, draft: Draft, user) -> RecipientList | None:
        """A CSV file: streamed into a one-off audience (never held whole in memory)."""
        upload = self.cleaned_data["csv_file"]
        name = f"{upload.name} (for “{draft.name}”)"[:200]  # stored: stays in English
        try:
            audience = audience_from_csv(
                file=upload, name=name, network=draft.sender.network, user=user, file_name=upload.name, one_off=True
            )
        except AudienceInvalid as exc:
            for messages_ in exc.errors.values():
                for message in messages_:
                    self.add_error("csv_file", message)
            self.refused_rows, self.refused_more = exc.refused, exc.refused_count - len(exc.refused)
            return None
        return recipient_list_create(draft=draft, user=user, audience=audience)


def _draft_for_sending(request, pk: int) -> Draft:
    return get_object_or_404(Draft.objects.select_related("sender"), pk=pk)


def _recipients_page(request, draft: Draft, form: RecipientsForm, problems: dict):
    context = {"draft": draft, "form": form, "problems": problems, "refused": form.refused_rows}
    context["refused_more"] = form.refused_more
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
            too_long = _("A pasted list can be at most %(size)s; upload it as a CSV file.") % {
                "size": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            }
            form = RecipientsForm({}, refused={"pasted": too_long})
            draft = _draft_for_sending(request, pk)
            return _recipients_page(request, draft, form, draft_problems_of(draft))
    return _send_start(request, pk, limit)


@csrf_protect
def _send_start(request, pk: int, limit: UploadLimit):
    draft = _draft_for_sending(request, pk)
    problems = draft_problems_of(draft)
    network = draft.sender.network
    form = RecipientsForm(network=network)
    if request.method == "POST":
        too_big = _("The file is larger than %(size)s, the most one upload can be. Split it into smaller files.")
        refused = {limit.refused: too_big % {"size": _megabytes(MAX_UPLOAD_BYTES)}} if limit.refused else {}
        form = RecipientsForm(request.POST, request.FILES, network=network, refused=refused)
        if not problems and form.is_valid() and (pending := form.pending(draft, request.user)):
            return redirect("messages:send-confirm", pk=pending.pk)
    return _recipients_page(request, draft, form, problems)


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
    said = ngettext("Test sent to %(n)s test recipient.", "Test sent to %(n)s test recipients.", send.total)
    messages.success(request, said % {"n": send.total})
    return redirect("messages:send-detail", pk=send.pk)


class SendConfirmForm(ConfirmForm):
    """The confirm page's form; when the send would pass the sender's allowance, the choice to send
    up to what is left of it."""

    def __init__(self, *args, allowance_left: int | None = None, allowance_problem: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if allowance_problem and allowance_left:
            self.fields["up_to_allowance"] = forms.BooleanField(
                required=False,
                label=ngettext(
                    "Send up to the remaining allowance (%(n)s message)",
                    "Send up to the remaining allowance (%(n)s messages)",
                    allowance_left,
                )
                % {"n": f"{allowance_left:,}"},
                help_text=ngettext(
                    "Recipients are messaged in the list's order until %(n)s has been; the rest are not sent to.",
                    "Recipients are messaged in the list's order until %(n)s have been; the rest are not sent to.",
                    allowance_left,
                )
                % {"n": f"{allowance_left:,}"},
            )


def _pending(request, pk) -> tuple[RecipientList, int]:
    pending = get_object_or_404(
        RecipientList.objects.select_related("draft__sender", "audience"), pk=pk, created_by=request.user
    )
    return pending, pending.audience.size if pending.audience_id else len(pending.recipients)


def _look(draft: Draft) -> dict:
    """The draft's message as written, for the phone preview before the plan has a first recipient
    (or when nobody would be messaged), and whether it has placeholders to fill."""
    message = draft.to_message()
    return {"bubbles": bubbles(message), "personalized": personalize.has_placeholders(message_template(message))}


def _plan_context(pending: RecipientList) -> dict:
    """The send plan of a pending list, and what the plan part of the confirm page says of it. Its
    phone preview is drawn from the plan's first body, filled from the first recipient's row as that
    recipient gets it (the message as written only when nobody would be messaged)."""
    draft, sender = pending.draft, pending.draft.sender
    found = send_plan.plan(
        draft,
        pending.audience or pending.recipients,
        duplicates=pending.duplicate_count,
        refused=pending.invalid,
        refused_count=pending.invalid_count,
    )
    look = _look(draft)
    if found["first_body"]:
        look["bubbles"] = template_bubbles(found["first_body"])
    reasons = dict(Suppression.Reason.choices)
    quiet = ""
    if sender.quiet_hours_start and sender.quiet_hours_end:
        quiet = f"{sender.quiet_hours_start:%H:%M}-{sender.quiet_hours_end:%H:%M} {zone_label(sender.zone.key)}"
    return {
        "plan": found,
        "suppressed": [(reasons.get(reason, reason), count) for reason, count in sorted(found["suppressed"].items())],
        "refused_filled": found["refused"][len(pending.invalid[:REFUSED_LISTED]) :][:INVALID_SHOWN],
        "duration": duration_words(found["estimated_seconds"]),
        "quiet": quiet,
        "sender": sender,
        "body_json": json.dumps(found["first_body"], indent=2, ensure_ascii=False) if found["first_body"] else "",
        **look,
    }


def duration_words(seconds: int) -> str:
    if seconds < 60:
        return _("under a minute")
    hours, minutes = divmod(round(seconds / 60), 60)
    hours_words = ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    minutes_words = ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    if hours and minutes:
        return _("about %(hours)s %(minutes)s") % {"hours": hours_words, "minutes": minutes_words}
    return _("about %(duration)s") % {"duration": hours_words if hours else minutes_words}


@capability_required("send")
def send_confirm(request, pk):
    """The last look before sending: counts, the send plan (suppressed, capped, refused after filling
    the placeholders, the allowance, the duration, quiet hours, the exact body for the first
    recipient and the phone preview drawn from it), the refused lines, when it starts (and whether it
    will wait for approval), then the button. POST creates the send. The plan of a big list is worked out in a
    second request (`send_plan_part`) so the page answers at once."""
    pending, total = _pending(request, pk)
    draft, sender = pending.draft, pending.draft.sender
    problem = planning.allowance_problem(sender, total)
    form = SendConfirmForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        total=total,
        allowance_left=planning.allowance_left(sender),
        allowance_problem=problem,
    )
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start"]
        try:
            send = send_recipient_list(
                pending.pk,
                request.user,
                scheduled_at=start.at,
                time_zone=start.zone,
                canary=form.cleaned_data.get("canary", False),
                up_to_allowance=form.cleaned_data.get("up_to_allowance", False),
            )
        except SendRefused as exc:
            if exc.field == "scheduled_at":
                form.refused(str(exc))
            elif exc.field == "up_to_allowance" and "up_to_allowance" in form.fields:
                form.add_error("up_to_allowance", str(exc))
            else:
                messages.error(request, str(exc))
        else:
            messages.success(request, what_next(send, start))
            return redirect("messages:send-detail", pk=send.pk)
    try:
        send_check(draft=draft, audience=pending.audience, recipients=pending.recipients)
        refusal = ""
    except SendRefused as exc:
        refusal = str(exc)
    context = {
        "draft": draft,
        "pending": pending,
        "total": total,
        "invalid": pending.invalid[:INVALID_SHOWN],
        "invalid_more": max(0, pending.invalid_count - len(pending.invalid[:INVALID_SHOWN])),
        **_look(draft),
        "refusal": refusal,
        "allowance_problem": problem,
        "form": form,
        "approval": approval_notice(sender, total, request.user),
    }
    if not refusal and total <= PLAN_INLINE_MAX:
        context.update(_plan_context(pending))
    return render(request, "messages/send_confirm.html", context, status=400 if form.errors else 200)


@capability_required("send")
def send_plan_part(request, pk):
    """The plan part of the confirm page, for a list too big to work out while the page is drawn."""
    pending, _ = _pending(request, pk)
    return render(request, "messages/inc/send_plan.html", {"pending": pending, **_plan_context(pending)})


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
    not_sent = ngettext("%(n)s delivery will not be sent", "%(n)s deliveries will not be sent", result.not_sent) % {
        "n": f"{result.not_sent:,}"
    }
    if not result.in_flight:
        return _("Send canceled: %(not_sent)s.") % {"not_sent": not_sent}
    in_flight = ngettext(
        "%(n)s was already being posted and will finish",
        "%(n)s were already being posted and will finish",
        result.in_flight,
    ) % {"n": f"{result.in_flight:,}"}
    return _("Send canceled: %(not_sent)s; %(in_flight)s.") % {"not_sent": not_sent, "in_flight": in_flight}


@capability_required("view_history")
def send_list(request):
    sends = Send.objects.select_related("created_by", "sender")
    context, status = filtered_page(request, SendFilterSet, sends)
    counts = send_counts([s.pk for s in context["page_obj"]])
    context["rows"] = [(send, counts[send.pk]) for send in context["page_obj"]]
    return render(request, "messages/send_list.html", context, status=status)
