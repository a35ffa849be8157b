"""The "Your settings" form: language, time zone and saved test recipients per network."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messages.recipients import parse_text
from ott.networks import NETWORKS

MAX_TEST_RECIPIENTS = 10


@cache
def time_zones() -> list[tuple[str, str]]:
    """Every zone a person may choose, as (name, the name with spaces), sorted."""
    return [(zone, zone.replace("_", " ")) for zone in sorted(available_timezones()) if "/" in zone or zone == "UTC"]


class UserSettingsForm(forms.Form):
    language = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Language"),
        help_text=gettext_lazy("Empty: the language your browser asks for (English when it asks for neither)."),
    )
    time_zone = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("Every time in the portal is shown in this zone, with its abbreviation."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Your browser's language")), *settings.LANGUAGES]
        default_zone = _("The portal's default (%(zone)s)") % {"zone": settings.TIME_ZONE}
        self.fields["time_zone"].choices = [("", default_zone), *time_zones()]
        for network in NETWORKS.values():
            self.fields[f"test_{network.name}"] = forms.CharField(
                required=False,
                label=_("Test recipients on %(network)s") % {"network": network.label},
                widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
                help_text=_(
                    "Where “Send a test” goes for %(network)s drafts: one per line, ottId or "
                    "ottId,userReference; at most %(max)s."
                )
                % {"network": network.label, "max": MAX_TEST_RECIPIENTS},
            )

    @staticmethod
    def initial_for(user_settings) -> dict:
        initial = {"language": user_settings.language, "time_zone": user_settings.time_zone}
        for network, rows in (user_settings.test_recipients or {}).items():
            initial[f"test_{network}"] = "\n".join(f"{ott_id},{ref}" if ref else ott_id for ott_id, ref in rows)
        return initial

    def clean(self):
        data = super().clean()
        data["test_recipients"] = {}
        for network in NETWORKS.values():
            field = f"test_{network.name}"
            parsed = parse_text(data.get(field) or "", network.name)
            for line, _row, reason in parsed.invalid[:3]:
                self.add_error(field, _("Line %(line)s: %(reason)s") % {"line": line, "reason": reason})
            if len(parsed.valid) > MAX_TEST_RECIPIENTS:
                self.add_error(
                    field,
                    _("At most %(max)s test recipients (%(given)s given).")
                    % {"max": MAX_TEST_RECIPIENTS, "given": len(parsed.valid)},
                )
            if parsed.valid:
                data["test_recipients"][network.name] = [list(row) for row in parsed.valid]
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What will use it, such as “CI pipeline” or “Nightly export”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": gettext_lazy("Give the token a name, such as “CI pipeline”, to know later what uses it.")
        },
    )
