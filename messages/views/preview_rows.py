"""The composer's preview with a saved audience: what the page's draft says to one real row of it.

`POST /drafts/preview-row/` takes the composer's own fields (the message as it stands on the page,
saved or not), `audience` (an id), and where to look: `line` (a line number of the file), `after`
(the first row after that line; 0: the first row) or `before` (the row before that line). It answers
JSON: the row, the lines before and after it (null at either end), each placeholder with the value
it takes there and why, the exact filled body, the phone preview of it, and the rules that body
breaks. Nothing is stored. Rows are shown whole: only marketers and admins compose (auditors, who see
recipients masked, cannot open the composer).
"""

from __future__ import annotations

from django.http import JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from audiences.models import Audience, AudienceRow
from audiences.services import AudienceRecipient, audience_row
from messages import personalize
from messages.forms import Composer
from messages.preview import template_bubbles
from messages.services import draft_check
from ott import rules
from ott.networks import NETWORKS
from ottportal.roles import capability_required

WHERE = ("line", "after", "before")


def _refuse(status: int, field: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": {field: [message]}}, status=status)


def _row_before(audience: Audience, line: int) -> AudienceRecipient | None:
    found = (
        AudienceRow.objects.filter(audience=audience, line__lt=line)
        .order_by("-line")
        .values_list("line", "ott_id", "user_reference", "vars")
        .first()
    )
    return AudienceRecipient(*found) if found else None


def _no_row(audience: Audience, name: str, line: int) -> str:
    lines = AudienceRow.objects.filter(audience=audience).order_by("line").values_list("line", flat=True)
    first, last = lines.first(), lines.last()
    if first is None:
        return f"“{audience.name}” has no rows."
    span = f"its rows run from line {first:,} to line {last:,}"
    if name == "line":
        return f"line: “{audience.name}” has no row at line {line:,} ({span}; refused and repeated rows are not kept)."
    return f"{name}: “{audience.name}” has no row {name} line {line:,} ({span})."


def _where(data) -> tuple[str, int] | JsonResponse:
    given = [name for name in WHERE if data.get(name, "") != ""]
    if len(given) != 1:
        return _refuse(400, "line", "Give one of line (a line number), after or before (0 for the first row).")
    name = given[0]
    value = data[name].strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return _refuse(400, name, f"{name}: give a line number, a whole number of 0 or more (e.g. 2).")
    return name, int(value)


def placeholder_notes(body: dict, columns: list[str], values: dict[str, str]) -> list[dict]:
    """Each placeholder of the body with the value it takes for one row (`values` keyed as
    personalize.keyed does) and what the marketer should know about it."""
    have = {personalize.column_key(name) for name in columns}
    notes = []
    for placeholder in personalize.placeholders(body):
        column, default = placeholder.column, placeholder.default
        value, blocks = values.get(column, ""), False
        if column not in have:
            if default is None:
                note, blocks = f"The audience has no column {column}: missing, blocks sending.", True
            else:
                note, value = f"The audience has no column {column}; its default “{default}” is used.", default
        elif value:
            note = ""
        elif default is not None:
            note, value = f"Empty in this row; its default “{default}” is used.", default
        else:
            note = "Empty in this row and no default: nothing is put in its place."
        notes.append({"column": column, "default": default, "value": value, "note": note, "blocks_sending": blocks})
    return notes


@require_POST
@capability_required("compose")
def draft_preview_row(request):
    """JSON: the composer's message filled for one row of a saved audience of its network."""
    composer = Composer(request.POST)
    if composer.sender is None:
        return _refuse(400, "sender", "Choose a sender first: the audience must be of the sender's network.")
    network = NETWORKS[composer.sender.network]
    where = _where(request.POST)
    if isinstance(where, JsonResponse):
        return where
    audience_id = request.POST.get("audience", "").strip()
    valid_id = audience_id.isascii() and audience_id.isdigit() and len(audience_id) < 10
    audience = Audience.objects.ready().filter(pk=int(audience_id)).first() if valid_id else None
    if audience is None:
        return _refuse(404, "audience", "No such audience is ready to use (it may be still uploading, or deleted).")
    if audience.network != network.name:
        other = NETWORKS[audience.network].label if audience.network in NETWORKS else audience.network
        return _refuse(
            400,
            "audience",
            f"“{audience.name}” is a {other} audience; this draft's sender is on {network.label}. "
            f"Choose a {network.label} audience.",
        )
    name, line = where
    if name == "before":
        row = _row_before(audience, line)
    else:
        row = audience_row(audience, line=line) if name == "line" else audience_row(audience, after=line)
    if row is None:
        return _refuse(404, name, _no_row(audience, name, line))
    body, _ = draft_check(sender=composer.sender, message=composer.message())
    if body is None:
        return _refuse(400, "contents", "The message cannot be built yet: fix the errors beside its blocks.")
    recipient = {key: value for key, value in (("ottId", row.ott_id), ("userReference", row.user_reference)) if value}
    values = personalize.keyed(row.vars)
    filled = personalize.fill({**body, "to": recipient}, values)
    previous = _row_before(audience, row.line)
    following = audience_row(audience, after=row.line)
    return JsonResponse(
        {
            "audience": {"id": audience.pk, "name": audience.name, "size": audience.size, "columns": audience.columns},
            "row": {"line": row.line, "ott_id": row.ott_id, "user_reference": row.user_reference, "vars": row.vars},
            "previous_line": previous.line if previous else None,
            "next_line": following.line if following else None,
            "placeholders": placeholder_notes(body, audience.columns, values),
            "problems": [p.advice or p.message for p in rules.check(filled) if not p.warning],
            "body": filled,
            "preview_html": render_to_string(
                "messages/inc/preview.html", {"bubbles": template_bubbles(filled), "network": network}
            ),
        },
        json_dumps_params={"ensure_ascii": False},
    )
