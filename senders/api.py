"""`/api/v1/senders/`: list and retrieve for every role; register and change for admins."""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from ott.networks import NETWORK_CHOICES
from ottportal.roles import CapabilityPermission
from senders.forms import REGISTRATION_FORMS, SenderEditForm
from senders.models import Sender
from senders.services import SenderError, sender_register, sender_update


def _form_errors(form) -> dict:
    errors = {field: list(messages) for field, messages in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return errors


def _secret_field(**kwargs):
    return serializers.CharField(write_only=True, required=False, style={"input_type": "password"}, **kwargs)


class SenderSerializer(serializers.Serializer):
    """A sender. Registration attributes are write-only; secrets are forwarded, never stored."""

    id = serializers.IntegerField(read_only=True)
    network = serializers.ChoiceField(choices=NETWORK_CHOICES)
    # Blank passes here so that the form below reports every field's problem at once.
    sender_id = serializers.CharField(allow_blank=True, help_text="Messenger pageId or LINE channelId (digits)")
    name = serializers.CharField(allow_blank=True, help_text="Messenger pageName or LINE channelName")
    is_active = serializers.BooleanField(default=True)
    requires_approval = serializers.BooleanField(
        default=False,
        help_text="Every send from it waits until a second person (an approver or admin) approves it",
    )
    # Messenger
    application_id = serializers.CharField(write_only=True, required=False)
    application_secret = _secret_field()
    page_access_token = _secret_field()
    callback_verify_token = _secret_field()
    # LINE
    channel_secret = _secret_field()
    customer_connect_secret = _secret_field()
    is_transactional = serializers.BooleanField(write_only=True, required=False)
    is_test_channel = serializers.BooleanField(write_only=True, required=False)
    # both
    endpoint_url = serializers.CharField(write_only=True, required=False)

    def validate(self, attrs):
        data = self.initial_data.dict() if hasattr(self.initial_data, "dict") else dict(self.initial_data)
        form = REGISTRATION_FORMS[attrs["network"]](data={**data, "is_active": attrs["is_active"]})
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        attrs["registration_attributes"] = form.attributes()
        return attrs

    def create(self, validated_data):
        user = self.context["request"].user
        try:
            sender = sender_register(
                network=validated_data["network"], attributes=validated_data["registration_attributes"], user=user
            )
        except SenderError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        if validated_data["requires_approval"]:  # a portal setting, not a registration attribute
            sender = sender_update(sender=sender, user=user, requires_approval=True)
        return sender


class SenderUpdateSerializer(serializers.Serializer):
    """Rename, deactivate or reactivate, or require approval for its sends (portal changes; Marketing
    Cloud keeps its registration)."""

    name = serializers.CharField(required=False)
    is_active = serializers.BooleanField(required=False)
    requires_approval = serializers.BooleanField(
        required=False, help_text="Every send from it waits until a second person approves it"
    )

    def validate(self, attrs):
        sender = self.instance
        data = {"name": sender.name, "is_active": sender.is_active, **attrs}
        form = SenderEditForm(data={"name": data["name"], "is_active": data["is_active"] or ""})
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        return attrs

    def update(self, instance, validated_data):
        return sender_update(sender=instance, user=self.context["request"].user, **validated_data)

    def to_representation(self, instance):
        return SenderSerializer(instance).data


class SenderViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Sender.objects.all()
    permission_classes = [CapabilityPermission]
    read_capability = "view_senders"
    write_capability = "manage_senders"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["network", "is_active"]

    def get_serializer_class(self):
        return SenderUpdateSerializer if self.action == "partial_update" else SenderSerializer
