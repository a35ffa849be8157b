"""`/api/v1/drafts/` (read for every role, write for marketers and admins; `POST .../send/` queues a
send to `recipients` or a saved `audience`, now or at `scheduled_at`, or with `dry_run` only answers
with the send plan), the history: `/api/v1/sends/` and `/api/v1/deliveries/`, and what a
person does to a send afterwards (`POST /api/v1/sends/{id}/approve|reject|pause|resume|cancel|
reschedule|retry_failed/`, each the service of `messages.send_actions`).

A send action answers 202 with `{id, status, total}` (of the new send for `retry_failed`); one the
send's status does not allow is a 409 saying the status in words, one the user may not do a 403 with
the reason, a bad input a 400 naming the field.

Validation is the service's (`ott.rules`), so the API answers with the same messages as the composer;
block errors are keyed `contents[N].field`, N counting from 1, and recipients `recipients[N]`. Text
comes in with its line breaks as `\n` (a `\r\n` is one line break), before any length is counted.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from audiences.csvfile import MAX_CELL
from audiences.models import Audience
from messages import send_actions, send_plan
from messages.bodies import delivery_body
from messages.filters import DeliveryFilterSet, DraftFilterSet, SendFilterSet
from messages.models import ContentBlock, Delivery, Draft, Send, SendEvent
from messages.recipients import MAX_ROWS
from messages.selectors import send_bodies, send_counts
from messages.sending_input import RecipientsInvalid, plan_for_recipients, send_from_recipients
from messages.services import (
    SAMPLE_MESSAGE_KEY,
    SAMPLE_OTT_ID,
    DraftInvalid,
    NotAllowed,
    SendRefused,
    check_schedule,
    draft_create,
    draft_delete,
    draft_update,
    draft_warnings_of,
    send_cancel,
    send_check,
    send_create,
)
from messages.stored_words import shown
from ott.payloads import BLOCK_FIELDS, Block, Message, build_send_body
from ott.text import MAX_DEPTH, newlines, newlines_in, too_deep
from ottportal import idempotency
from ottportal.models import UserSettings
from ottportal.roles import CapabilityPermission
from senders.models import Sender


class TextField(serializers.CharField):
    def to_internal_value(self, data):
        return newlines(super().to_internal_value(data))


class PayloadField(serializers.JSONField):
    """A native payload: refused when nested too deep (before anything walks it recursively)."""

    def to_internal_value(self, data):
        if where := too_deep(data, "native_payload"):
            words = _("%(where)s is nested more than %(max)s levels deep; simplify it (at most %(max)s levels).")
            raise ValidationError(words % {"where": where, "max": MAX_DEPTH})
        return newlines_in(super().to_internal_value(data))


class NewlineFieldsMixin:
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
    }


class ContentSerializer(NewlineFieldsMixin, serializers.ModelSerializer):
    native_payload = PayloadField(required=False, allow_null=True)

    class Meta:
        model = ContentBlock
        fields = list(BLOCK_FIELDS)


RECIPIENT_MAX = 256


class RecipientSerializer(serializers.Serializer):
    ott_id = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=RECIPIENT_MAX, trim_whitespace=True
    )
    user_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=RECIPIENT_MAX, trim_whitespace=True
    )
    vars = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=MAX_CELL, trim_whitespace=False),
        required=False,
        default=dict,
        help_text="This recipient's values for the message's placeholders, by column name: "
        '`{"first_name": "Aiko"}` fills `{{ first_name }}`',
    )


# What DRF's CharField refuses in a string (its null and surrogate character validators).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _plain_vars(values) -> bool:
    """Whether `vars` is plainly fine: a mapping of strings of at most MAX_CELL characters (JSON keys
    are strings already)."""
    if type(values) is not dict:
        return False
    texts = values.values()
    return all(type(text) is str and len(text) <= MAX_CELL for text in texts) and not _UNSTORABLE.search("".join(texts))


def _plain_rows(data: list) -> list[dict] | None:
    """The rows as RecipientSerializer reads them, when every one is plainly fine (a mapping whose
    `ott_id` and `user_reference`, when given, are strings of at most 256 characters once trimmed,
    and `vars` plain); None as soon as one is not."""
    rows = []
    append, search, empty = rows.append, _UNSTORABLE.search, {}
    for item in data:
        if type(item) is not dict:
            return None
        ott_id, user_reference = item.get("ott_id", ""), item.get("user_reference", "")
        if type(ott_id) is not str or type(user_reference) is not str:
            return None
        ott_id, user_reference = ott_id.strip(), user_reference.strip()
        if (
            len(ott_id) > RECIPIENT_MAX
            or len(user_reference) > RECIPIENT_MAX
            or search(ott_id)
            or search(user_reference)
        ):
            return None
        values = item.get("vars", empty)
        if values is not empty and not _plain_vars(values):
            return None
        append({"ott_id": ott_id, "user_reference": user_reference, "vars": values})
    return rows


@extend_schema_field(RecipientSerializer(many=True))
class RecipientsField(serializers.Field):
    """`RecipientSerializer(many=True, allow_empty=False, max_length=MAX_ROWS)`, fast: DRF's nested
    serializer takes seconds for 100,000 rows, so rows that are plainly fine are read directly, and
    any other input goes through the serializer, which names what is wrong as DRF does."""

    def to_internal_value(self, data):
        if isinstance(data, list) and 0 < len(data) <= MAX_ROWS and (rows := _plain_rows(data)) is not None:
            return rows
        return RecipientSerializer(many=True, allow_empty=False, max_length=MAX_ROWS).run_validation(data)

    def to_representation(self, value):
        return value


ISO_EXAMPLE = "2026-12-24T18:00:00+09:00"


class StartTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time with its offset, kept as given: DRF would read a time without an
    offset in the server's zone, and the send must not start at a time its author did not mean."""

    default_error_messages = {
        "invalid": format_lazy(
            gettext_lazy("Give the date and time in ISO 8601 with its offset, such as {example}."), example=ISO_EXAMPLE
        ),
    }

    def to_internal_value(self, value):
        try:
            parsed = parse_datetime(value.strip()) if isinstance(value, str) else None
        except ValueError:  # well formed, but no such date (February 30th)
            parsed = None
        if parsed is None:
            self.fail("invalid")
        return parsed  # a time without an offset is refused by `check_schedule`, naming the rule


def _time_zone_field():
    return serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The IANA time zone the time was chosen in, such as Asia/Tokyo (kept with the send to show "
        "its start time); default: your time zone in Your settings, else the portal's. When given, "
        "`scheduled_at` must carry that zone's offset at that time.",
    )


class ScheduleMixin(serializers.Serializer):
    """`scheduled_at` (null: now) and the `time_zone` it was chosen in (each serializer declares
    both), checked as the confirm page checks them (`check_schedule`): with an offset, not in the
    past, at most a year ahead."""

    def validate_scheduled_at(self, value: datetime | None) -> datetime | None:
        try:
            return check_schedule(value)
        except SendRefused as exc:
            raise ValidationError(str(exc)) from exc

    def validate_time_zone(self, value: str) -> str:
        if not value:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            words = _("%(zone)s is not a time zone: give an IANA name such as Asia/Tokyo or UTC.")
            raise ValidationError(words % {"zone": value}) from exc
        return value

    def validate(self, attrs):
        at, zone = attrs.get("scheduled_at"), attrs.get("time_zone")
        if at is not None and zone:
            expected = at.astimezone(ZoneInfo(zone)).utcoffset()
            if at.utcoffset() != expected:
                local = at.astimezone(ZoneInfo(zone)).isoformat()
                raise ValidationError(
                    {
                        "scheduled_at": [
                            _(
                                "%(at)s is not a time in %(zone)s: its offset there is %(offset)s then (%(local)s). "
                                "Give the offset of %(zone)s, or leave out time_zone."
                            )
                            % {"at": at.isoformat(), "zone": zone, "offset": _offset(expected), "local": local}
                        ]
                    }
                )
        return attrs


def _offset(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_of(user, given: str) -> str:
    """The zone a start time was chosen in: the one given, else the user's, else the portal's."""
    if given:
        return given
    mine = UserSettings.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return mine or settings.TIME_ZONE


class SendRequestSerializer(ScheduleMixin):
    """The recipients (a list, or a saved audience), and when and how to send to them; or, with
    `dry_run`, what sending would do."""

    recipients = RecipientsField(
        required=False,
        help_text=f"Up to {MAX_ROWS:,} recipients, each with optional `vars` for the placeholders; "
        "or give `audience` instead",
    )
    audience = serializers.PrimaryKeyRelatedField(
        queryset=Audience.objects.listed(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The id of a saved audience of the draft's network (instead of `recipients`); its columns fill "
        "the placeholders. The audience is read-only once a send used it.",
    )
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only say what sending would do (200 with the send plan): nothing is queued, nothing posted, "
        "the audience is not marked as used",
    )
    up_to_allowance = serializers.BooleanField(
        required=False,
        default=False,
        help_text="When the send would pass the sender's daily or monthly allowance, send to as many as the "
        "allowance has left instead of refusing the send",
    )
    scheduled_at = StartTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=f"When to start, ISO 8601 with its offset ({ISO_EXAMPLE}); leave out or null to start as "
        "soon as it is ready. Not in the past, at most a year ahead.",
    )
    canary = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Send the first 1% (at least 10) first, and the rest only once they finished without an error spike.",
    )
    time_zone = _time_zone_field()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if (attrs.get("recipients") is None) == (attrs.get("audience") is None):
            raise ValidationError({"recipients": [_("Give either recipients or an audience (one of the two).")]})
        return attrs


class PlanRefusedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text="The row's line in the audience's file, or its position in `recipients` counting from 1"
    )
    reason = serializers.CharField()


class SendPlanSerializer(serializers.Serializer):
    """What the send would do; nothing was queued or posted."""

    total = serializers.IntegerField(help_text="Recipients, repeats collapsed")
    duplicates = serializers.IntegerField(help_text="Repeated recipients collapsed")
    refused = PlanRefusedRowSerializer(
        many=True, help_text="Rows left out: refused as given, or whose filled message breaks a rule (the first 1,000)"
    )
    refused_count = serializers.IntegerField(help_text="Every refused row, listed or not")
    suppressed = serializers.DictField(
        child=serializers.IntegerField(), help_text="Recipients on the suppression list, by reason (`opt_out`, ...)"
    )
    capped = serializers.IntegerField(help_text="Recipients over the sender's frequency cap")
    sendable = serializers.IntegerField(help_text="Recipients who would be messaged")
    allowance_left = serializers.IntegerField(
        allow_null=True, help_text="The sender's smallest allowance left after this send; null: no allowance"
    )
    allowance_problem = serializers.CharField(
        help_text="Why the send would be refused for the sender's allowance, with the numbers; empty when it fits"
    )
    send_limit = serializers.IntegerField(
        allow_null=True, help_text="With `up_to_allowance`, the most that would be sent; null otherwise"
    )
    estimated_seconds = serializers.IntegerField(help_text="How long sending should take at the sender's rate")
    quiet_hours_overlap = serializers.BooleanField(help_text="Whether sending would run into the sender's quiet hours")
    first_body = serializers.JSONField(
        allow_null=True, help_text="The exact request body for the first recipient who would be messaged"
    )


class SendQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=Send.Status.choices,
        help_text="`preparing` (a big send: the worker writes its deliveries, then it moves on), "
        "`pending_approval`, `scheduled`, `queued`, ...",
    )
    total = serializers.IntegerField()


def accepted(send: Send) -> Response:
    """202 with the send's `{id, status, total}`."""
    body = SendQueuedSerializer({"id": send.pk, "status": send.status, "total": send.total}).data
    return Response(body, status=status.HTTP_202_ACCEPTED)


class SendEventSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who did it; null when the portal did"
    )
    detail = serializers.SerializerMethodField(help_text="More about it, in words, in the request's language")

    class Meta:
        model = SendEvent
        fields = ["at", "event", "user", "detail"]

    def get_detail(self, line: SendEvent) -> str:
        return shown(line.detail, line.detail_args)


class SendSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField(
        help_text="Deliveries by status, every status present (`suppressed` and `capped` are those left out by a rule)"
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    approved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who approved it; null until approved"
    )
    timeline = SendEventSerializer(many=True, read_only=True, help_text="What happened to the send, oldest first")
    paused_reason = serializers.SerializerMethodField(
        help_text="Why it is paused (by whom, or what made the portal pause it), in the request's language"
    )

    class Meta:
        model = Send
        fields = [
            "id",
            "draft",
            "status",
            "total",
            "counts",
            "created_by",
            "created_at",
            "scheduled_at",
            "approved_by",
            "approved_at",
            "paused_reason",
            "retry_of",
            "audience",
            "send_limit",
            "timeline",
        ]
        extra_kwargs = {
            "audience": {"help_text": "The saved audience sent to; null for a list of recipients"},
            "send_limit": {"help_text": "Sends to at most this many (the allowance left); null: no limit"},
            "scheduled_at": {"help_text": "When it starts (null: as soon as it is ready)"},
            "retry_of": {"help_text": "The send whose failed deliveries this one retries"},
        }

    def get_paused_reason(self, send: Send) -> str:
        return shown(send.paused_reason, send.paused_reason_args)

    def get_counts(self, send: Send) -> dict[str, int]:
        counts = self.context.get("counts")  # a list page counts all its sends in one query
        return counts[send.pk] if counts is not None else send_counts([send.pk])[send.pk]


def _flat_block_errors(detail):
    """DRF nests a block's field errors (a list of dicts, or a dict by index): key them
    `contents[N].field`, N counting from 1, as the rules' errors are."""
    blocks = detail.get("contents") if isinstance(detail, dict) else None
    if isinstance(blocks, list):
        blocks = dict(enumerate(blocks))
    if not isinstance(blocks, dict) or not all(isinstance(errors, dict) for errors in blocks.values()):
        return detail
    flat = {key: value for key, value in detail.items() if key != "contents"}
    for index, errors in blocks.items():
        flat.update({f"contents[{int(index) + 1}].{field}": messages for field, messages in errors.items()})
    return flat


class DraftSerializer(NewlineFieldsMixin, serializers.ModelSerializer):
    sender = serializers.PrimaryKeyRelatedField(queryset=Sender.objects.all())
    network = serializers.CharField(source="sender.network", read_only=True)
    contents = ContentSerializer(many=True, source="blocks")
    payload_preview = serializers.SerializerMethodField(help_text="The request body for a sample recipient")
    warnings = serializers.SerializerMethodField(
        help_text="What the network accepts but may not deliver well (an http:// file on Messenger), keyed like "
        "errors (`contents[1].url`); never a reason to refuse the draft"
    )

    class Meta:
        model = Draft
        fields = [
            "id",
            "name",
            "sender",
            "network",
            "subject",
            "message_group_key",
            "messaging_type",
            "tag",
            "notification_type",
            "contents",
            "payload_preview",
            "warnings",
        ]

    def get_warnings(self, draft: Draft) -> dict[str, list[str]]:
        return draft_warnings_of(draft)

    def get_payload_preview(self, draft: Draft) -> dict:
        return build_send_body(draft.to_message(), message_key=SAMPLE_MESSAGE_KEY, ott_id=SAMPLE_OTT_ID)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except ValidationError as exc:  # a block's field error is keyed `contents[N].field`, as the rules'
            raise ValidationError(_flat_block_errors(exc.detail)) from exc

    def _save(self, draft: Draft | None, data: dict) -> Draft:
        """The request as the one draft shape (a partial update keeps what it does not name)."""
        name = data.pop("name", draft.name if draft else "")
        sender = data.pop("sender", draft.sender if draft else None)
        if "blocks" in data:
            data["blocks"] = tuple(Block(**block) for block in data["blocks"])
        message = replace(draft.to_message() if draft else Message(), **data)
        try:
            if draft is None:
                return draft_create(owner=self.context["request"].user, name=name, sender=sender, message=message)
            return draft_update(
                draft=draft, name=name, sender=sender, message=message, user=self.context["request"].user
            )
        except DraftInvalid as exc:
            raise ValidationError(exc.errors) from exc

    def create(self, validated_data):
        return self._save(None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class DraftViewSet(viewsets.ModelViewSet):
    queryset = Draft.objects.select_related("sender").prefetch_related("blocks")
    serializer_class = DraftSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "view_drafts"
    write_capability = "compose"
    filterset_class = DraftFilterSet

    def perform_destroy(self, instance):
        draft_delete(draft=instance, user=self.request.user)

    @extend_schema(
        request=SendRequestSerializer,
        parameters=[idempotency.PARAMETER],
        responses={
            202: SendQueuedSerializer,
            200: OpenApiResponse(SendPlanSerializer, description="With `dry_run`: the send plan; nothing was sent"),
            409: idempotency.CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], write_capability="send")
    @idempotency.idempotent
    def send(self, request, pk=None):
        """Send this draft to the recipients, now or at `scheduled_at`; 202 with the send. Its status
        says what comes next: `preparing` (a big send: the worker writes its deliveries first),
        `pending_approval` (a second person must approve it), `scheduled` or `queued` (the worker
        delivers it)."""
        draft = self.get_object()
        incoming = SendRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        audience = data["audience"]
        given = data.get("recipients") or ()
        rows = [
            [r["ott_id"], r["user_reference"], r["vars"]] if r["vars"] else [r["ott_id"], r["user_reference"]]
            for r in given
        ]
        if data["dry_run"]:
            return self._plan(draft, audience, rows, data)
        options = {"scheduled_at": data["scheduled_at"], "canary": data["canary"]}
        options["up_to_allowance"] = data["up_to_allowance"]
        if data["scheduled_at"] is not None:
            options["time_zone"] = zone_of(request.user, data.get("time_zone", ""))
        try:
            if audience is not None:
                send = send_create(draft=draft, audience=audience, user=request.user, **options)
            else:
                send = send_from_recipients(draft=draft, rows=rows, user=request.user, **options)
        except RecipientsInvalid as exc:
            raise ValidationError({f"recipients[{index}]": found for index, found in exc.problems.items()}) from exc
        except SendRefused as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        return accepted(send)

    def _plan(self, draft: Draft, audience, rows: list[list], data: dict) -> Response:
        """The dry run: 200 with the send plan; refused as the send would be (400 naming the field)."""
        options = {"up_to_allowance": data["up_to_allowance"], "start": data["scheduled_at"]}
        try:
            if audience is not None:
                send_check(draft=draft, audience=audience)
                found = send_plan.plan(draft, audience, **options)
            else:
                found = plan_for_recipients(draft=draft, rows=rows, **options)
        except SendRefused as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        return Response(SendPlanSerializer(found).data)


class RejectSerializer(serializers.Serializer):
    """Why the send is rejected."""

    reason = serializers.CharField(
        max_length=send_actions.REASON_MAX,
        error_messages={
            "required": gettext_lazy("Say why the send is rejected: its author reads it."),
            "null": gettext_lazy("Say why the send is rejected: its author reads it."),
        },
        allow_blank=True,  # refused by the service, in its words
        help_text="Why (its author reads it on the send's timeline)",
    )


class RescheduleSerializer(ScheduleMixin):
    """A new start time for a send that has not started."""

    scheduled_at = StartTimeField(
        allow_null=True,
        help_text=f"The new start time, ISO 8601 with its offset ({ISO_EXAMPLE}); null: as soon as it can. "
        "Not in the past, at most a year ahead.",
    )
    time_zone = _time_zone_field()


def _acted(description: str, *, body=None, forbidden: str = ""):
    """The schema of a send action: 202 with the send, 409 when its status does not allow it."""
    responses = {
        202: OpenApiResponse(SendQueuedSerializer, description=description),
        409: OpenApiResponse(
            description="The send's status does not allow this now (`detail` says which status it is in, "
            'such as "This send is done, so it cannot be paused."), or the Idempotency-Key was used '
            "for a different request"
        ),
    }
    if forbidden:
        responses[403] = OpenApiResponse(description=forbidden)
    return extend_schema(request=body, parameters=[idempotency.PARAMETER], responses=responses)


def _refusal(exc: SendRefused) -> Response:
    """A refused send action, as the API answers it: not yours to do (403), a bad input (400 naming
    it), or not possible in the send's status (409, saying the status)."""
    if isinstance(exc, NotAllowed):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if exc.field != "non_field_errors":
        return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


class SendViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Send.objects.select_related("created_by", "approved_by").prefetch_related("timeline__user")
    serializer_class = SendSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "view_history"
    write_capability = None  # history is read-only; each action names the capability it needs
    filterset_class = SendFilterSet

    def _act(self, do, *, body_class=None) -> Response:
        """Run `do(send, user, **body)` on this send; answer 202 with the send it returns."""
        send = self.get_object()
        body = {}
        if body_class is not None:
            incoming = body_class(data=self.request.data)
            incoming.is_valid(raise_exception=True)
            body = incoming.validated_data
        try:
            result = do(send, self.request.user, **body)
        except SendRefused as exc:
            return _refusal(exc)
        result = result if isinstance(result, Send) else send
        result.refresh_from_db(fields=["status", "total"])
        return accepted(result)

    @_acted(
        "Approved: it starts at its time (or now), unless its message, recipients or time change first",
        forbidden="Your role does not allow this (approvers and admins approve), or you created this send: "
        "a different person must approve it",
    )
    @action(detail=True, methods=["post"], write_capability="approve")
    @idempotency.idempotent
    def approve(self, request, pk=None):
        """Approve a send waiting for approval (`pending_approval`), exactly as it is now. You cannot
        approve a send you created."""
        return self._act(send_actions.send_approve)

    @_acted("Rejected: nothing of it is sent; the reason is on its timeline", body=RejectSerializer)
    @action(detail=True, methods=["post"], write_capability="approve")
    @idempotency.idempotent
    def reject(self, request, pk=None):
        """Reject a send waiting for approval, saying why (`reason`, required)."""
        return self._act(send_actions.send_reject, body_class=RejectSerializer)

    @_acted("Paused: deliveries not started stay queued, those being posted finish")
    @action(detail=True, methods=["post"], write_capability="send")
    @idempotency.idempotent
    def pause(self, request, pk=None):
        """Pause a scheduled, queued or running send."""
        return self._act(send_actions.send_pause)

    @_acted("Resumed: it goes on where it stopped (at its start time, if that is still ahead)")
    @action(detail=True, methods=["post"], write_capability="send")
    @idempotency.idempotent
    def resume(self, request, pk=None):
        """Resume a paused send (refused while its sender is inactive)."""
        return self._act(send_actions.send_resume)

    @_acted("Canceled: nothing of it that was not posted yet will be; what was being posted finishes")
    @action(detail=True, methods=["post"], write_capability="send")
    @idempotency.idempotent
    def cancel(self, request, pk=None):
        """Cancel a send that has not finished."""
        return self._act(send_cancel)

    @_acted(
        "The new start time is set (a send that needs approval goes back for approval)",
        body=RescheduleSerializer,
        forbidden="Your role does not allow this, or you neither created this send nor are an admin",
    )
    @action(detail=True, methods=["post"], write_capability="send")
    @idempotency.idempotent
    def reschedule(self, request, pk=None):
        """Change the start time of a send that has not started (its creator, or an admin);
        `scheduled_at: null` starts it as soon as it can."""

        def reschedule(send, user, scheduled_at, time_zone=""):
            zone = zone_of(user, time_zone) if scheduled_at is not None else ""
            return send_actions.send_reschedule(send, user, scheduled_at, zone)

        return self._act(reschedule, body_class=RescheduleSerializer)

    @_acted("A new send to the failed deliveries' recipients, `preparing`: its `id`, `status` and `total`")
    @action(detail=True, methods=["post"], write_capability="send")
    @idempotency.idempotent
    def retry_failed(self, request, pk=None):
        """Retry a finished send's `failed` deliveries (never the `rejected`) as a new send linked to
        it (`retry_of`). The worker first asks Marketing Cloud about each, and leaves out any it has."""
        return self._act(send_actions.send_retry_failed)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        sends = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "counts": send_counts([send.pk for send in sends])}
        data = self.get_serializer(sends, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class DeliverySerializer(serializers.ModelSerializer):
    payload = serializers.SerializerMethodField(help_text="The exact request body posted (or to be posted)")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "send",
            "message_key",
            "ott_id",
            "user_reference",
            "payload",
            "status",
            "attempts",
            "http_status",
            "ott_request_id",
            "error_code",
            "error_message",
            "validation_errors",
            "network_events",
            "created_at",
            "finished_at",
        ]

    @extend_schema_field({"type": "object"})
    def get_payload(self, delivery: Delivery) -> dict:
        bodies = self.context.setdefault("bodies", {})  # a send's, made once per answer
        if delivery.send_id not in bodies:
            bodies[delivery.send_id] = send_bodies(delivery.send_id)
        return json.loads(delivery_body(delivery, bodies[delivery.send_id]))


class DeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Delivery.objects.all()
    serializer_class = DeliverySerializer
    permission_classes = [CapabilityPermission]
    read_capability = "view_history"
    filterset_class = DeliveryFilterSet
