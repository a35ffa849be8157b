"""A send's start time as a person gives it on a page: "now", or a date and a time on the clock of a
chosen time zone (their own by default). The forms turn it into an aware datetime here; the services
check it (`messages.services.check_schedule`) as they check the API's.

Daylight saving makes two kinds of wall time special: one that does not exist (the hour the clocks
skip in spring) is refused, naming the field; one that happens twice (the hour repeated in autumn)
is taken as the first of the two, and the page says which offset that is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from messages.preparation import canary_size
from ottportal.forms import time_zones
from ottportal.models import settings_of
from ottportal.templatetags.portal import zone_abbreviation

NOW, AT = "now", "at"


@dataclass(frozen=True)
class StartTime:
    """When a person asked a send to start: `at` None is now. `repeated`: the wall time happens twice
    in `zone` that day, and `at` is the first of the two."""

    at: datetime | None
    zone: str
    repeated: bool = False

    def describe(self) -> str:
        """`2027-11-07 01:30 EDT (UTC-04:00) in America/New York`, or "now"."""
        if self.at is None:
            return _("now")
        return zoned_text(self.at, self.zone)

    def repeated_note(self) -> str:
        if not self.repeated:
            return ""
        local = self.at.astimezone(ZoneInfo(self.zone))
        return _(
            "%(time)s happens twice on %(date)s in %(zone)s (the clocks go back that night): the send starts "
            "at the first, %(time)s %(abbreviation)s (%(offset)s)."
        ) % {
            "time": f"{local:%H:%M}",
            "date": f"{local:%Y-%m-%d}",
            "zone": zone_label(self.zone),
            "abbreviation": zone_abbreviation(local),
            "offset": offset_text(local),
        }


def zone_label(zone: str) -> str:
    return zone.replace("_", " ")


def offset_text(moment: datetime) -> str:
    """The UTC offset of an aware time, as people write it: `UTC-04:00`, `UTC+09:00`, `UTC`."""
    offset = moment.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign, minutes = ("-" if offset < timedelta(0) else "+"), abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02}:{minutes % 60:02}"


def zoned_text(moment: datetime, zone: str) -> str:
    """A time on the clock of `zone`, with its abbreviation, its offset and the zone's name."""
    local = moment.astimezone(ZoneInfo(zone or settings.TIME_ZONE))
    shown = f"{local:%Y-%m-%d %H:%M} {zone_abbreviation(local)}"
    return _("%(time)s (%(offset)s) in %(zone)s") % {
        "time": shown,
        "offset": offset_text(local),
        "zone": zone_label(zone or settings.TIME_ZONE),
    }


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def wall_time(day: date, clock: time, zone: str) -> StartTime:
    """The moment `day` at `clock` on the wall clock of `zone`. Raises ValidationError when the clocks
    skip that time (it never happens there); takes the first when it happens twice."""
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, clock.replace(second=0, microsecond=0))
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    there = first.astimezone(UTC).astimezone(tz)
    if there.replace(tzinfo=None) != naive:
        raise forms.ValidationError(
            _(
                "%(time)s does not exist on %(date)s in %(zone)s: the clocks go forward %(jump)s that night. "
                "Choose another time, such as %(other)s."
            )
            % {
                "time": f"{naive:%H:%M}",
                "date": f"{naive:%Y-%m-%d}",
                "zone": zone_label(zone),
                "jump": _duration(second.utcoffset() - first.utcoffset()),
                "other": f"{there:%H:%M}",
            },
            code="skipped",
        )
    return StartTime(first, zone, repeated=first.utcoffset() != second.utcoffset())


def default_zone(user) -> str:
    """The zone a person's times are given in unless they choose another: their own, else the portal's."""
    return settings_of(user).time_zone or settings.TIME_ZONE


class StartTimeForm(forms.Form):
    """Now, or a date and time in a time zone. `cleaned_data["start"]` is the StartTime."""

    when = forms.ChoiceField(
        label=gettext_lazy("When"),
        choices=[(NOW, gettext_lazy("Now")), (AT, gettext_lazy("At a date and time"))],
        initial=NOW,
        required=False,  # not given: now
        widget=forms.RadioSelect,
    )
    date = forms.DateField(label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=gettext_lazy("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        zone = self.fields["time_zone"]
        zone.choices = time_zones()
        zone.initial = default_zone(user)
        zone.help_text = _("Your own zone unless you choose another (set yours in Your settings).")

    def clean(self):
        data = super().clean()
        zone = data.get("time_zone") or self.fields["time_zone"].initial
        if data.get("when") != AT:
            data["start"] = StartTime(None, zone)
            return data
        if not data.get("date") and "date" not in self.errors:
            self.add_error("date", _("Give the date the send starts on."))
        if not data.get("time") and "time" not in self.errors:
            self.add_error("time", _("Give the time the send starts at."))
        if data.get("date") and data.get("time") and zone:
            try:
                data["start"] = wall_time(data["date"], data["time"], zone)
            except forms.ValidationError as exc:
                self.add_error("time", exc)
        return data

    def refused(self, message: str) -> None:
        """A start time the service refused (in the past, too far ahead): said at the When field."""
        self.add_error("when", message)


class ConfirmForm(StartTimeForm):
    """The confirm page: the start time, and whether a canary goes first."""

    canary = forms.BooleanField(label=gettext_lazy("Send a canary first"), required=False)

    def __init__(self, *args, total: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.canary_size = canary_size(total)
        self.fields["canary"].help_text = _(
            "The first %(n)s recipients (1%%, at least 10) get it first; the rest wait until those have "
            "finished without an error spike, and the send pauses itself if they did not."
        ) % {"n": f"{self.canary_size:,}"}
        if not self.canary_size:
            del self.fields["canary"]
