"""The "Your settings" form: time zone and saved test recipients per network."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings

from messages.recipients import parse_text
from ott.networks import NETWORKS

MAX_TEST_RECIPIENTS = 10


@cache
def time_zones() -> list[tuple[str, str]]:
    """Every zone a person may choose, as (name, the name with spaces), sorted."""
    return [(zone, zone.replace("_", " ")) for zone in sorted(available_timezones()) if "/" in zone or zone == "UTC"]


class UserSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        required=False,
        label="Time zone",
        help_text="Every time in the portal is shown in this zone, with its abbreviation.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", f"The portal's default ({settings.TIME_ZONE})"), *time_zones()]
        for network in NETWORKS.values():
            self.fields[f"test_{network.name}"] = forms.CharField(
                required=False,
                label=f"Test recipients on {network.label}",
                widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
                help_text=(
                    f"Where “Send a test” goes for {network.label} drafts: one per line, ottId or "
                    f"ottId,userReference; at most {MAX_TEST_RECIPIENTS}."
                ),
            )

    @staticmethod
    def initial_for(user_settings) -> dict:
        initial = {"time_zone": user_settings.time_zone}
        for network, rows in (user_settings.test_recipients or {}).items():
            initial[f"test_{network}"] = "\n".join(f"{ott_id},{ref}" if ref else ott_id for ott_id, ref in rows)
        return initial

    def clean(self):
        data = super().clean()
        data["test_recipients"] = {}
        for network in NETWORKS.values():
            field = f"test_{network.name}"
            parsed = parse_text(data.get(field) or "", network.name)
            for line, _, reason in parsed.invalid[:3]:
                self.add_error(field, f"Line {line}: {reason}")
            if len(parsed.valid) > MAX_TEST_RECIPIENTS:
                self.add_error(field, f"At most {MAX_TEST_RECIPIENTS} test recipients ({len(parsed.valid)} given).")
            if parsed.valid:
                data["test_recipients"][network.name] = [list(row) for row in parsed.valid]
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use it, such as “CI pipeline” or “Nightly export”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Give the token a name, such as “CI pipeline”, to know later what uses it."},
    )
