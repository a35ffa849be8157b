"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE): the wait in words.

django-axes hands its template the cool-off as an ISO 8601 duration ("PT15M"); people read
"15 minutes".
"""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext, ngettext


def human_duration(duration: timedelta | None) -> str:
    """ "15 minutes", "1 hour and 30 minutes", "45 seconds"; "a few minutes" when unknown."""
    if not duration or duration.total_seconds() <= 0:
        return gettext("a few minutes")
    seconds = int(duration.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    units = [
        (days, ngettext("%d day", "%d days", days)),
        (hours, ngettext("%d hour", "%d hours", hours)),
        (minutes, ngettext("%d minute", "%d minutes", minutes)),
        (seconds, ngettext("%d second", "%d seconds", seconds)),
    ]
    parts = [text % count for count, text in units if count][:2]
    if len(parts) == 2:
        return gettext("%(first)s and %(second)s") % {"first": parts[0], "second": parts[1]}
    return parts[0]


def lockout_response(request, original_response=None, credentials=None):
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff": human_duration(get_cool_off(request)),
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
