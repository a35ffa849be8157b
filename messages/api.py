"""`/api/v1/drafts/` (read for every role, write for marketers and admins; `POST .../send/` queues a
send), and the read-only history: `/api/v1/sends/` and `/api/v1/deliveries/`.

Validation is the service's (`ott.rules`), so the API answers with the same messages as the composer;
block errors are keyed `contents[N].field`, N counting from 1, and recipients `recipients[N]`. Text
comes in with its line breaks as `\n` (a `\r\n` is one line break), before any length is counted.
"""

from __future__ import annotations

from dataclasses import replace

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from messages.filters import DeliveryFilterSet, DraftFilterSet, SendFilterSet
from messages.models import ContentBlock, Delivery, Draft, Send
from messages.recipients import MAX_ROWS
from messages.selectors import send_counts
from messages.sending_input import RecipientsInvalid, send_from_recipients
from messages.services import (
    SAMPLE_MESSAGE_KEY,
    SAMPLE_OTT_ID,
    DraftInvalid,
    SendRefused,
    draft_create,
    draft_delete,
    draft_update,
    draft_warnings_of,
)
from ott.payloads import BLOCK_FIELDS, Block, Message, build_send_body
from ott.text import DEPTH_PROBLEM, newlines, newlines_in, too_deep
from ottportal import idempotency
from ottportal.roles import CapabilityPermission
from senders.models import Sender


class TextField(serializers.CharField):
    def to_internal_value(self, data):
        return newlines(super().to_internal_value(data))


class PayloadField(serializers.JSONField):
    """A native payload: refused when nested too deep (before anything walks it recursively)."""

    def to_internal_value(self, data):
        if where := too_deep(data, "native_payload"):
            raise ValidationError(f"{where} {DEPTH_PROBLEM}.")
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


class RecipientSerializer(serializers.Serializer):
    ott_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=256, trim_whitespace=True)
    user_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=256, trim_whitespace=True
    )


class SendRequestSerializer(serializers.Serializer):
    recipients = RecipientSerializer(many=True, allow_empty=False, max_length=MAX_ROWS)


class SendQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    total = serializers.IntegerField()


class SendSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Send
        fields = ["id", "draft", "status", "total", "counts", "created_by", "created_at"]

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
        responses={202: SendQueuedSerializer, 409: idempotency.CONFLICT},
    )
    @action(detail=True, methods=["post"], write_capability="send")
    @idempotency.idempotent
    def send(self, request, pk=None):
        """Queue this draft for the recipients; 202 with the send (the worker delivers it)."""
        draft = self.get_object()
        incoming = SendRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        rows = [(row["ott_id"], row["user_reference"]) for row in incoming.validated_data["recipients"]]
        try:
            send = send_from_recipients(draft=draft, rows=rows, user=request.user)
        except RecipientsInvalid as exc:
            raise ValidationError({f"recipients[{index}]": found for index, found in exc.problems.items()}) from exc
        except SendRefused as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        queued = SendQueuedSerializer({"id": send.pk, "status": send.status, "total": send.total})
        return Response(queued.data, status=status.HTTP_202_ACCEPTED)


class SendViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Send.objects.select_related("created_by")
    serializer_class = SendSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "view_history"
    filterset_class = SendFilterSet

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        sends = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "counts": send_counts([send.pk for send in sends])}
        data = self.get_serializer(sends, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class DeliverySerializer(serializers.ModelSerializer):
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


class DeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Delivery.objects.all()
    serializer_class = DeliverySerializer
    permission_classes = [CapabilityPermission]
    read_capability = "view_history"
    filterset_class = DeliveryFilterSet
