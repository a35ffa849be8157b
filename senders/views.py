from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ott.networks import NETWORKS
from ottportal.roles import capability_required
from senders.display import rule_words
from senders.forms import REGISTRATION_FORMS, SenderEditForm, SendingRulesForm, zone_names
from senders.models import Sender
from senders.services import (
    SenderError,
    sender_delete,
    sender_has_history,
    sender_import,
    sender_register,
    sender_set_rules,
    sender_update,
)

# The session key of the last import's report: the senders it left alone and why.
IMPORT_REPORT = "senders_import_report"


@capability_required("view_senders")
def sender_list(request):
    senders = Sender.objects.select_related("registered_by").annotate(delivery_count=Count("deliveries"))
    context = {
        "senders": senders,
        "networks": NETWORKS.values(),
        "left_alone": request.session.pop(IMPORT_REPORT, None),
    }
    return render(request, "senders/list.html", context)


def _detail(request, sender: Sender, edit_form: SenderEditForm, status: int = 200):
    context = {
        "sender": sender,
        "changes": sender.changes.select_related("user")[:100],
        "edit_form": edit_form,
        "rules": rule_words(sender),
        "can_delete": not sender_has_history(sender),
        "approval_min": settings.OTT_APPROVAL_MIN_RECIPIENTS,
    }
    return render(request, "senders/detail.html", context, status=status)


@capability_required("view_senders")
def sender_detail(request, pk: int):
    sender = get_object_or_404(Sender.objects.select_related("registered_by"), pk=pk)
    initial = {"name": sender.name, "is_active": sender.is_active, "requires_approval": sender.requires_approval}
    return _detail(request, sender, SenderEditForm(initial=initial))


def _registration(request, network: str, existing: Sender | None):
    if network not in REGISTRATION_FORMS:
        raise Http404("Unknown network")
    form_class = REGISTRATION_FORMS[network]
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                sender = sender_register(
                    network=network, attributes=form.attributes(), user=request.user, existing=existing
                )
            except SenderError as exc:
                form.add_error(None, str(exc))
            else:
                done = _("%(sender)s was re-registered with Marketing Cloud.") if existing else None
                done = done or _("%(sender)s was registered with Marketing Cloud.")
                messages.success(request, done % {"sender": sender})
                return redirect("senders:detail", pk=sender.pk)
    else:
        form = form_class(initial=form_class.initial_for(existing) if existing else {"is_active": True})
    return render(
        request,
        "senders/register.html",
        {"form": form, "network": NETWORKS[network], "existing": existing},
    )


@capability_required("manage_senders")
def register(request, network: str):
    return _registration(request, network, None)


@capability_required("manage_senders")
def reregister(request, pk: int):
    sender = get_object_or_404(Sender, pk=pk)
    return _registration(request, sender.network, sender)


@require_POST
@capability_required("manage_senders")
def edit(request, pk: int):
    sender = get_object_or_404(Sender, pk=pk)
    form = SenderEditForm(request.POST)
    if form.is_valid():
        sender_update(sender=sender, user=request.user, **form.cleaned_data)
        messages.success(request, _("%(sender)s was saved.") % {"sender": sender})
        return redirect("senders:detail", pk=sender.pk)
    return _detail(request, sender, form, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("manage_senders")
def rules(request, pk: int):
    """The sender's sending rules: quiet hours in its time zone, caps per person, allowances, speed."""
    sender = get_object_or_404(Sender, pk=pk)
    if request.method == "POST":
        form = SendingRulesForm(request.POST)
        if form.is_valid():
            sender_set_rules(sender=sender, user=request.user, rules=form.cleaned_data)
            messages.success(request, _("The sending rules of %(sender)s were saved.") % {"sender": sender})
            return redirect("senders:detail", pk=sender.pk)
    else:
        form = SendingRulesForm(initial=SendingRulesForm.initial_for(sender))
    context = {"sender": sender, "form": form, "zones": zone_names(), "portal_zone": settings.TIME_ZONE}
    return render(request, "senders/rules.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("manage_senders")
def delete(request, pk: int):
    """GET: the confirm page; POST (from it): delete the portal's copy. Marketing Cloud keeps its own."""
    sender = get_object_or_404(Sender, pk=pk)
    if request.method != "POST":
        return render(request, "senders/delete.html", {"sender": sender, "can_delete": not sender_has_history(sender)})
    try:
        sender_delete(sender=sender, user=request.user)
    except SenderError as exc:
        messages.error(request, str(exc))
        return redirect("senders:detail", pk=pk)
    messages.success(
        request,
        _(
            "%(sender)s was deleted from the portal. Its registration stays in Marketing Cloud; "
            "imports leave it out until it is registered again."
        )
        % {"sender": sender},
    )
    return redirect("senders:list")


@require_POST
@capability_required("manage_senders")
def import_senders(request):
    try:
        result = sender_import(user=request.user)
    except SenderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Imported from Marketing Cloud: %(result)s.") % {"result": result})
        # Shown once on the list the browser is sent to (a flash message per sender would not read).
        request.session[IMPORT_REPORT] = [[item.sender, item.reason] for item in result.left_alone]
    return redirect("senders:list")
