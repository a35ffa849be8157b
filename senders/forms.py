"""Registration forms, one per network, with the rules every sender must follow.

The API serializer validates through these same forms, so the browser and the API give the same
messages. Secrets are password inputs that are never rendered back.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.core.validators import RegexValidator, URLValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ott.networks import LINE, MESSENGER, NETWORKS

sender_id_validator = RegexValidator(r"^[0-9]{1,32}$", gettext_lazy("Use digits only, 1 to 32 of them."))
https_validator = URLValidator(schemes=["https"], message=gettext_lazy("Enter an https:// URL."))


def _secret(label: str, required: bool, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text or gettext_lazy("Sent to Marketing Cloud once; the portal never stores or shows it."),
    )


class RegistrationForm(forms.Form):
    """Fields shared by both networks; subclasses add theirs and name the network."""

    network: str = ""
    # form field -> Marketing Cloud registration attribute, in the order the form shows them
    attribute_names: dict[str, str] = {}

    endpoint_url = forms.CharField(
        label=gettext_lazy("Endpoint URL"),
        required=False,
        max_length=500,
        validators=[https_validator],
        help_text=gettext_lazy("Optional: where Marketing Cloud forwards inbound messages (https)."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(list(self.attribute_names))
        info = NETWORKS[self.network]
        self.fields["sender_id"].label = _(info.sender_label)
        self.fields["name"].label = _("%(network)s %(noun)s name") % {
            "network": info.label,
            "noun": _(info.sender_noun),
        }

    def clean(self):
        cleaned = super().clean()
        owners = _foreign_fields(self.network)
        for name in sorted(set(self.data) & set(owners)):
            self.add_error(
                None,
                _("%(field)s is a %(owner)s field, not a %(network)s one.")
                % {"field": name, "owner": owners[name], "network": NETWORKS[self.network].label},
            )
        return cleaned

    @classmethod
    def initial_for(cls, sender) -> dict:
        """Initial values for re-registering a sender: what is stored, never a secret."""
        field_of = {attribute: field for field, attribute in cls.attribute_names.items()}
        initial = {field_of[k]: v for k, v in sender.attributes.items() if k in field_of}
        initial.update(sender_id=sender.sender_id, name=sender.name, is_active=sender.is_active)
        return initial

    def attributes(self) -> dict:
        """The Marketing Cloud registration attributes, secrets included (to be sent, never stored)."""
        out = {}
        for field, attribute in self.attribute_names.items():
            value = self.cleaned_data.get(field)
            if isinstance(value, bool):
                out[attribute] = 1 if value else 0
            elif value not in (None, ""):
                out[attribute] = value
        return out


def _sender_id_field() -> forms.CharField:
    return forms.CharField(max_length=32, validators=[sender_id_validator])


def _name_field() -> forms.CharField:
    return forms.CharField(min_length=1, max_length=100)


class MessengerRegistrationForm(RegistrationForm):
    network = MESSENGER
    attribute_names = {
        "application_id": "applicationId",
        "application_secret": "applicationSecret",
        "sender_id": "pageId",
        "name": "pageName",
        "page_access_token": "pageAccessToken",
        "callback_verify_token": "callbackVerifyToken",
        "endpoint_url": "endpointUrl",
        "is_active": "isActive",
    }
    application_id = forms.CharField(label=gettext_lazy("Facebook app ID"), max_length=100)
    application_secret = _secret(gettext_lazy("Facebook app secret"), required=True)
    sender_id = _sender_id_field()
    name = _name_field()
    page_access_token = _secret(gettext_lazy("Page access token"), required=False)
    callback_verify_token = _secret(gettext_lazy("Callback verify token"), required=False)


class LineRegistrationForm(RegistrationForm):
    network = LINE
    attribute_names = {
        "sender_id": "channelId",
        "name": "channelName",
        "channel_secret": "channelSecret",
        "customer_connect_secret": "customerConnectSecret",
        "is_transactional": "isTransactional",
        "is_test_channel": "isTestChannel",
        "endpoint_url": "endpointUrl",
        "is_active": "isActive",
    }
    sender_id = _sender_id_field()
    name = _name_field()
    channel_secret = _secret(gettext_lazy("Channel secret"), required=True)
    customer_connect_secret = _secret(gettext_lazy("Customer connect secret"), required=False)
    is_transactional = forms.BooleanField(label=gettext_lazy("Transactional channel"), required=False)
    is_test_channel = forms.BooleanField(label=gettext_lazy("Test channel"), required=False)


REGISTRATION_FORMS: dict[str, type[RegistrationForm]] = {
    MESSENGER: MessengerRegistrationForm,
    LINE: LineRegistrationForm,
}


def _foreign_fields(network: str) -> dict[str, str]:
    """Fields that only other networks' forms have -> the label of the network they belong to."""
    mine = set(REGISTRATION_FORMS[network].base_fields)
    return {
        field: NETWORKS[other].label
        for other, form in REGISTRATION_FORMS.items()
        if other != network
        for field in form.base_fields
        if field not in mine
    }


class SenderEditForm(forms.Form):
    """Rename, deactivate or reactivate, require approval or not: a change in the portal only (no
    secrets needed)."""

    name = _name_field()
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        help_text=gettext_lazy("An inactive sender cannot be chosen for a draft or start a new send."),
    )
    requires_approval = forms.BooleanField(
        label=gettext_lazy("Requires approval"),
        required=False,
        help_text=gettext_lazy("Every send from it waits until a second person (an approver or an admin) approves it."),
    )


# The sending rules an admin sets per sender (Sender.quiet_hours_start ... monthly_allowance).
RULE_FIELDS = (
    "quiet_hours_start",
    "quiet_hours_end",
    "time_zone",
    "rate_limit",
    "frequency_cap_24h",
    "frequency_cap_7d",
    "daily_allowance",
    "monthly_allowance",
)
RULE_MAX = 1_000_000_000  # far above any real plan, well inside the database's integer column


@cache
def zone_names() -> list[str]:
    """Every IANA zone name this machine knows, sorted (not the system's own `localtime` link, nor
    `Factory`, which is no place's time)."""
    return sorted(available_timezones() - {"localtime", "Factory"})


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(zone_names())


def _count_field(label, help_text) -> forms.IntegerField:
    rule = format_lazy(
        gettext_lazy("{label}: use a whole number from 1 to {max}, or leave it empty for no limit."),
        label=label,
        max=f"{RULE_MAX:,}",
    )
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=RULE_MAX,
        help_text=help_text,
        error_messages={"invalid": rule, "min_value": rule, "max_value": rule},
        widget=forms.NumberInput(attrs={"min": 1, "max": RULE_MAX, "inputmode": "numeric"}),
    )


def _time_field(label) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={
            "invalid": format_lazy(
                gettext_lazy("{label}: give a time of day as HH:MM, 24-hour (e.g. 21:00)."), label=label
            )
        },
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )


class SendingRulesForm(forms.Form):
    """A sender's sending rules. Every field may be empty: that rule is off. The API validates
    through this same form, so both give the same messages."""

    quiet_hours_start = _time_field(gettext_lazy("Quiet hours start"))
    quiet_hours_end = _time_field(gettext_lazy("Quiet hours end"))
    time_zone = forms.CharField(
        label=gettext_lazy("Time zone"),
        required=False,
        max_length=64,
        help_text=gettext_lazy(
            "IANA zone name (e.g. Asia/Tokyo) of the quiet hours and of the daily and monthly allowances."
        ),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}),
    )
    rate_limit = _count_field(
        gettext_lazy("Rate limit"), gettext_lazy("Posts per second, per worker; empty: the portal's default.")
    )
    frequency_cap_24h = _count_field(
        gettext_lazy("Frequency cap per 24 hours"), gettext_lazy("Messages per person in any 24 hours.")
    )
    frequency_cap_7d = _count_field(
        gettext_lazy("Frequency cap per 7 days"), gettext_lazy("Messages per person in any 7 days.")
    )
    daily_allowance = _count_field(
        gettext_lazy("Daily allowance"), gettext_lazy("Messages a day, in the sender's time zone.")
    )
    monthly_allowance = _count_field(
        gettext_lazy("Monthly allowance"), gettext_lazy("Messages a calendar month (e.g. a LINE plan's quota).")
    )

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"].strip()
        if zone and zone not in _zone_set():
            raise forms.ValidationError(
                _("Time zone: “%(zone)s” is not an IANA zone name; use one such as Asia/Tokyo or Europe/Berlin.")
                % {"zone": zone}
            )
        return zone

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_hours_start"), cleaned.get("quiet_hours_end")
        if "quiet_hours_start" in cleaned and "quiet_hours_end" in cleaned:
            if (start is None) != (end is None):
                missing = "quiet_hours_end" if end is None else "quiet_hours_start"
                self.add_error(missing, _("Quiet hours: give both the start and the end, or neither (no quiet hours)."))
            elif start is not None and start == end:
                self.add_error(
                    "quiet_hours_end",
                    _("Quiet hours: the end must differ from the start (a window may cross midnight)."),
                )
        self._at_least(
            "frequency_cap_7d",
            "frequency_cap_24h",
            _("The 7-day cap (%(big)s) cannot be below the 24-hour cap (%(small)s)."),
        )
        self._at_least(
            "monthly_allowance",
            "daily_allowance",
            _("The monthly allowance (%(big)s) cannot be below the daily allowance (%(small)s)."),
        )
        return cleaned

    def _at_least(self, wider: str, narrower: str, message: str) -> None:
        big, small = self.cleaned_data.get(wider), self.cleaned_data.get(narrower)
        if big is not None and small is not None and big < small:
            self.add_error(wider, message % {"big": f"{big:,}", "small": f"{small:,}"})

    @classmethod
    def initial_for(cls, sender) -> dict:
        return {name: getattr(sender, name) for name in RULE_FIELDS}
