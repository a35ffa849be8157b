"""`/api/v1/drafts/`: read for every role, write for marketers and admins.

Validation is the service's (`ott.rules`), so the API answers with the same messages as the composer;
block errors are keyed `contents[N].field`, N counting from 1.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from messages.models import ContentBlock, Draft
from messages.services import (
    BLOCK_FIELDS,
    DRAFT_FIELDS,
    SAMPLE_MESSAGE_KEY,
    SAMPLE_OTT_ID,
    DraftInvalid,
    draft_create,
    draft_update,
)
from ott.payloads import build_send_body
from ottportal.roles import CapabilityPermission
from senders.models import Sender


class ContentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContentBlock
        fields = list(BLOCK_FIELDS)


class DraftSerializer(serializers.ModelSerializer):
    sender = serializers.PrimaryKeyRelatedField(queryset=Sender.objects.all())
    network = serializers.CharField(source="sender.network", read_only=True)
    contents = ContentSerializer(many=True, source="blocks")
    payload_preview = serializers.SerializerMethodField(help_text="The request body for a sample recipient")

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
        ]

    def get_payload_preview(self, draft: Draft) -> dict:
        return build_send_body(draft.to_message(), message_key=SAMPLE_MESSAGE_KEY, ott_id=SAMPLE_OTT_ID)

    def _save(self, draft: Draft | None, data: dict) -> Draft:
        if draft is not None:  # a partial update keeps what it does not name
            current = {k: getattr(draft, k) for k in ("name", "sender", *DRAFT_FIELDS)}
            current["blocks"] = [{k: getattr(b, k) for k in BLOCK_FIELDS} for b in draft.blocks.all()]
            data = {**current, **data}
        blocks = [dict(block) for block in data.pop("blocks")]
        try:
            if draft is None:
                return draft_create(owner=self.context["request"].user, blocks=blocks, **data)
            return draft_update(draft=draft, blocks=blocks, **data)
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
    filterset_fields = ["sender", "owner"]
