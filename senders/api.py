"""`/api/v1/senders/`: list and retrieve for every role; register and change for admins (its name,
flags and sending rules)."""

from __future__ import annotations

from django.db import transaction
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from ott.networks import NETWORK_CHOICES
from ottportal.roles import CapabilityPermission
from senders.forms import REGISTRATION_FORMS, RULE_FIELDS, SenderEditForm, SendingRulesForm
from senders.models import Sender
from senders.services import SenderError, sender_register, sender_set_rules, sender_update


def _form_errors(form) -> dict:
    errors = {field: list(messages) for field, messages in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return errors


_RULE_HELP = {
    "quiet_hours_start": "Start of the quiet hours, HH:MM in time_zone; null: no quiet hours",
    "quiet_hours_end": "End of the quiet hours, HH:MM in time_zone (the window may cross midnight)",
    "time_zone": "IANA zone name of the quiet hours and allowances; empty: the portal's zone",
    "rate_limit": "Posts per second, per worker; null: the portal's default",
    "frequency_cap_24h": "Messages per recipient in any 24 hours; null: no cap",
    "frequency_cap_7d": "Messages per recipient in any 7 days (not below frequency_cap_24h); null: no cap",
    "daily_allowance": "Messages a day in time_zone; null: no allowance",
    "monthly_allowance": "Messages a calendar month (not below daily_allowance); null: no allowance",
}


def _rule(name: str, read_only: bool) -> serializers.Field:
    """A sending rule as the API shows it (null: the rule is off). Values are checked by
    SendingRulesForm, so the API and the page give the same messages."""
    kwargs = {"read_only": True} if read_only else {"required": False}
    kwargs.update(help_text=_RULE_HELP[name], allow_null=name != "time_zone" or not read_only)
    if name.startswith("quiet_hours"):
        return serializers.TimeField(format="%H:%M", **kwargs)
    if name == "time_zone":
        return serializers.CharField(**kwargs) if read_only else serializers.CharField(allow_blank=True, **kwargs)
    return serializers.IntegerField(**kwargs) if read_only else serializers.IntegerField(min_value=1, **kwargs)


def _with_rules(fields: dict, *, read_only: bool) -> dict:
    """`fields` with the sending rules (senders.forms.RULE_FIELDS) right after `requires_approval`, where
    a sender's answers and the schema list them. Both serializers take them from here: read-only on a
    sender, writable in PATCH."""
    declared = list(fields.items())
    at = list(fields).index("requires_approval") + 1
    rules = [(name, _rule(name, read_only)) for name in RULE_FIELDS]
    return dict(declared[:at] + rules + declared[at:])


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
    # The sending rules come next, read-only (change them with PATCH): see get_fields.
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

    def get_fields(self):
        return _with_rules(super().get_fields(), read_only=True)

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
    # The sending rules come next: see get_fields.

    def get_fields(self):
        return _with_rules(super().get_fields(), read_only=False)

    def to_internal_value(self, data):
        """The sending rules are read by SendingRulesForm (with the sender's other rules as they are, so
        that a cap is checked against the one it must not go below); the rest by the fields."""
        if not isinstance(data, dict):
            return super().to_internal_value(data)  # "Invalid data. Expected a dictionary..."
        errors, rules = {}, {}
        given = {name: data[name] for name in RULE_FIELDS if name in data}
        if given:
            current = SendingRulesForm.initial_for(self.instance)
            # As a browser would post them: text (a number or a list cannot pass for a time), "" for null.
            posted = {name: "" if value is None else str(value) for name, value in given.items()}
            merged = {**{name: "" if value is None else value for name, value in current.items()}, **posted}
            form = SendingRulesForm(data=merged)
            if form.is_valid():
                rules = {name: form.cleaned_data[name] for name in given}
            else:
                errors.update(_form_errors(form))
        try:
            attrs = super().to_internal_value({k: v for k, v in data.items() if k not in RULE_FIELDS})
        except ValidationError as exc:
            errors.update(exc.detail)
            attrs = {}
        if errors:
            raise ValidationError(errors)
        return {**attrs, "rules": rules}

    def validate(self, attrs):
        sender = self.instance
        data = {"name": sender.name, "is_active": sender.is_active, **attrs}
        form = SenderEditForm(data={"name": data["name"], "is_active": data["is_active"] or ""})
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        return attrs

    def update(self, instance, validated_data):
        user = self.context["request"].user
        rules = validated_data.pop("rules", {})
        with transaction.atomic():
            sender = sender_update(sender=instance, user=user, **validated_data)
            return sender_set_rules(sender=sender, user=user, rules=rules) if rules else sender

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
