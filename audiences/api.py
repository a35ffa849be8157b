"""`/api/v1/audiences/` (read: every role, recipient ids masked for auditors; create and delete:
marketers and admins) with `/{id}/rows/`, and `/api/v1/suppressions/` (read: every role; add and
import: marketers and admins; remove: admins) with `POST /import/`.

An audience is created from a CSV file (multipart: `file`, `name`, `network`) or from JSON
`{name, network, recipients: [{ott_id, user_reference, vars: {column: text}}]}`; both go through the
services the pages use (audiences/loading.py), so the rules and the messages are the same.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from audiences.filters import AudienceFilterSet, SuppressionFilterSet
from audiences.loading import MAX_JSON_ROWS, AudienceInvalid, audience_from_csv, audience_from_rows
from audiences.masking import mask, sees_recipients
from audiences.models import Audience, AudienceRow, Suppression
from audiences.services import AudienceError, audience_delete
from audiences.suppressions import SuppressionInvalid, suppression_add, suppression_import, suppression_remove
from audiences.views.audiences import MAX_UPLOAD_BYTES
from audiences.views.suppressions import MAX_IMPORT_BYTES
from messages.uploads import UploadLimit
from ott.networks import NETWORK_CHOICES
from ottportal.pagination import CappedLimitOffsetPagination
from ottportal.parsers import StrictJSONParser
from ottportal.roles import CapabilityPermission
from senders.models import Sender

CONFLICT = OpenApiResponse(description="The audience was used by a send (it is read-only), or is still being uploaded")


class RefusedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


class AudienceSerializer(serializers.ModelSerializer):
    refused = serializers.IntegerField(source="refused_count", help_text="Rows refused (listed or not)")
    duplicates = serializers.IntegerField(source="duplicate_count", help_text="Repeated recipients collapsed")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    columns = serializers.ListField(child=serializers.CharField(), help_text="The extra columns, in order")

    class Meta:
        model = Audience
        fields = ["id", "name", "network", "size", "columns", "refused", "duplicates", "created_by", "created_at"]
        read_only_fields = fields


class AudienceDetailSerializer(AudienceSerializer):
    refused_rows = serializers.SerializerMethodField(help_text="The first 1,000 refused rows: line and reason")
    first_used_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When a send first used it; from then on it is read-only"
    )
    replaces = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta(AudienceSerializer.Meta):
        fields = [*AudienceSerializer.Meta.fields, "refused_rows", "first_used_at", "replaces"]
        read_only_fields = fields

    def get_refused_rows(self, audience: Audience) -> list[dict]:
        data = [{"line": line, "reason": reason} for line, _text, reason in audience.refused_lines]
        return RefusedRowSerializer(data, many=True).data


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True})
class VarValueField(serializers.Field):
    """A column value: text, or a number (kept as its text); null is an empty cell."""

    default_error_messages = {"invalid": gettext_lazy("Give text or a number.")}

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if data is None:
            return ""
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid")
        return data if isinstance(data, str) else str(data)

    def to_representation(self, value):
        return value


class AudienceRecipientSerializer(serializers.Serializer):
    ott_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=256)
    user_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=256)
    vars = serializers.DictField(
        child=VarValueField(allow_null=True), required=False, default=dict, help_text="{column: value}"
    )


class AudienceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    network = serializers.ChoiceField(choices=NETWORK_CHOICES)
    recipients = AudienceRecipientSerializer(many=True, allow_empty=False, max_length=MAX_JSON_ROWS)
    replaces = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="The audience this is a new version of"
    )


class AudienceUploadSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    network = serializers.ChoiceField(choices=NETWORK_CHOICES)
    file = serializers.FileField(
        help_text="CSV: header ott_id,user_reference then any columns; UTF-8, with or without BOM; up to 1,000,000 rows"
    )
    replaces = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class AudienceRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line in the file (the position in a JSON list, from 1)")
    ott_id = serializers.CharField(help_text="Masked for auditors")
    user_reference = serializers.CharField(help_text="Masked for auditors")
    vars = serializers.DictField(child=serializers.CharField(allow_blank=True))


class AudienceRowPagination(CappedLimitOffsetPagination):
    """The audience's size is its row count: no COUNT over a million rows for each page."""

    def get_count(self, queryset):
        return getattr(queryset, "known_count", None) or super().get_count(queryset)


class UploadLimitMixin:
    """A file over `upload_limit` bytes is refused while it arrives (before DRF parses the body)."""

    upload_limit = MAX_UPLOAD_BYTES

    def initialize_request(self, request, *args, **kwargs):
        self.limit = UploadLimit(request, self.upload_limit)
        request.upload_handlers.insert(0, self.limit)
        return super().initialize_request(request, *args, **kwargs)

    def refuse_oversized(self) -> None:
        self.request.data  # noqa: B018 (parse the body now: the limit notes what it refused)
        if self.limit.refused:
            megabytes = f"{self.upload_limit / 2**20:g} MB"
            words = _("The file is larger than %(size)s; split it.") % {"size": megabytes}
            raise ValidationError({self.limit.refused: [words]})


def _invalid(exc: AudienceInvalid | SuppressionInvalid) -> ValidationError:
    return ValidationError(exc.errors)


def _flat_recipient_errors(detail):
    """DRF nests a recipient's field errors (a list of dicts, or a dict by index): key them
    `recipients[N].field` (and `recipients[N].vars.column`), N counting from 0 as the service's own
    `recipients[N]` errors do."""
    rows = detail.get("recipients") if isinstance(detail, dict) else None
    if isinstance(rows, list):
        rows = dict(enumerate(rows))
    if not isinstance(rows, dict) or not all(isinstance(errors, dict) for errors in rows.values()):
        return detail
    flat = {key: value for key, value in detail.items() if key != "recipients"}
    for index, errors in rows.items():
        for name, messages in errors.items():
            if isinstance(messages, dict):
                flat.update({f"recipients[{index}].{name}.{key}": value for key, value in messages.items()})
            else:
                flat[f"recipients[{index}].{name}"] = messages
    return flat


class AudienceViewSet(
    UploadLimitMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = Audience.objects.ready().listed().select_related("created_by")
    permission_classes = [CapabilityPermission]
    read_capability = "view_audiences"
    write_capability = "manage_audiences"
    filterset_class = AudienceFilterSet
    parser_classes = [StrictJSONParser, MultiPartParser]

    def get_serializer_class(self):
        return AudienceSerializer if self.action == "list" else AudienceDetailSerializer

    @extend_schema(
        request={"application/json": AudienceCreateSerializer, "multipart/form-data": AudienceUploadSerializer},
        responses={201: AudienceDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Save an audience from a CSV file (multipart) or a JSON list of recipients. Refused rows of a
        file are listed in `refused_rows`; a file without a valid row, or any bad recipient in JSON,
        is a 400 naming it."""
        self.refuse_oversized()
        multipart = request.content_type.startswith("multipart/")
        incoming = (AudienceUploadSerializer if multipart else AudienceCreateSerializer)(data=request.data)
        if not incoming.is_valid():
            raise ValidationError(_flat_recipient_errors(incoming.errors))
        data = incoming.validated_data
        replaces = Audience.objects.filter(pk=data["replaces"]).first() if data.get("replaces") else None
        if data.get("replaces") and replaces is None:
            raise ValidationError({"replaces": [_("No audience has this id.")]})
        common = {"name": data["name"], "network": data["network"], "user": request.user, "replaces": replaces}
        try:
            if multipart:
                audience = audience_from_csv(file=data["file"], file_name=data["file"].name, **common)
            else:
                audience = audience_from_rows(recipients=data["recipients"], **common)
        except AudienceInvalid as exc:
            raise _invalid(exc) from exc
        return Response(AudienceDetailSerializer(audience).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request, *args, **kwargs):
        """Delete an audience no send used (409 otherwise: upload a new version instead)."""
        audience = self.get_object()
        try:
            audience_delete(audience=audience, user=request.user)
        except AudienceError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=AudienceRowSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=AudienceRowPagination, filterset_class=None)
    def rows(self, request, pk=None):
        """The audience's recipients in line order, a page at a time (`limit`, `offset`); ids masked
        for auditors."""
        audience = self.get_object()
        rows = (
            AudienceRow.objects.filter(audience=audience)
            .order_by("line")
            .values_list("line", "ott_id", "user_reference", "vars")
        )
        rows.known_count = audience.size
        page = self.paginate_queryset(rows)
        whole = sees_recipients(request.user)
        data = [
            {
                "line": line,
                "ott_id": ott_id if whole else mask(ott_id),
                "user_reference": user_reference if whole else mask(user_reference),
                "vars": values,
            }
            for line, ott_id, user_reference, values in page
        ]
        return self.get_paginated_response(AudienceRowSerializer(data, many=True).data)


class SuppressionSerializer(serializers.ModelSerializer):
    sender = serializers.PrimaryKeyRelatedField(
        queryset=Sender.objects.all(), allow_null=True, required=False, help_text="null: every sender of the network"
    )
    network = serializers.ChoiceField(choices=NETWORK_CHOICES)
    ott_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=256)
    user_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=256)
    reason = serializers.ChoiceField(choices=Suppression.Reason.choices)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="null: never expires")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Suppression
        fields = [
            "id",
            "network",
            "sender",
            "ott_id",
            "user_reference",
            "reason",
            "expires_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["id", "created_by", "created_at"]


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "CSV: ott_id and/or user_reference; optionally reason, expires_at, sender_id (page or channel id), network"
        )
    )
    network = serializers.ChoiceField(
        choices=NETWORK_CHOICES, required=False, help_text="For rows without a network column"
    )
    reason = serializers.ChoiceField(
        choices=Suppression.Reason.choices, required=False, default="manual", help_text="For rows without a reason"
    )


class ImportResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="Entries already on the list whose reason or expiry changed")
    unchanged = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Rows repeated in the file")
    refused = serializers.IntegerField()
    refused_rows = RefusedRowSerializer(many=True, help_text="The first 1,000 refused rows")


class SuppressionViewSet(
    UploadLimitMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = Suppression.objects.select_related("created_by")
    serializer_class = SuppressionSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "view_suppressions"
    filterset_class = SuppressionFilterSet
    parser_classes = [StrictJSONParser]
    upload_limit = MAX_IMPORT_BYTES

    @property
    def write_capability(self) -> str:
        return "remove_suppressions" if self.action == "destroy" else "manage_suppressions"

    @extend_schema(responses={201: SuppressionSerializer, 200: SuppressionSerializer})
    def create(self, request, *args, **kwargs):
        """Add a recipient to the list (201), or change the reason and expiry of the same entry already
        on it (200)."""
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            entry, outcome = suppression_add(
                network=data["network"],
                sender=data.get("sender"),
                ott_id=data["ott_id"],
                user_reference=data["user_reference"],
                reason=data["reason"],
                expires_at=data.get("expires_at"),
                user=request.user,
            )
        except SuppressionInvalid as exc:
            raise _invalid(exc) from exc
        answer = status.HTTP_201_CREATED if outcome == "added" else status.HTTP_200_OK
        return Response(self.get_serializer(entry).data, status=answer)

    def perform_destroy(self, instance):
        suppression_remove(suppression=instance, user=self.request.user)

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer}, responses=ImportResultSerializer)
    @action(detail=False, methods=["post"], url_path="import", filterset_class=None, parser_classes=[MultiPartParser])
    def import_csv(self, request):
        """Add the rows of a CSV file (one transaction). Bad rows are refused with their line and reason;
        a file that cannot be read is a 400 naming `file`."""
        self.refuse_oversized()
        incoming = ImportRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            result = suppression_import(
                file=data["file"],
                network=data.get("network", ""),
                reason=data["reason"],
                user=request.user,
                file_name=data["file"].name,
            )
        except SuppressionInvalid as exc:
            raise _invalid(exc) from exc
        body = {
            "added": result.added,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "duplicates": result.duplicates,
            "refused": result.refused_count,
            "refused_rows": [{"line": line, "reason": reason} for line, _text, reason in result.refused],
        }
        return Response(ImportResultSerializer(body).data)
