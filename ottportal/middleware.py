from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.shortcuts import render
from django.utils import timezone


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login, except views marked `login_not_required`.

    API views are left to Django REST framework, which answers 401 instead of redirecting.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if hasattr(view_func, "cls") and hasattr(view_func.cls, "permission_classes"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserTimeZoneMiddleware:
    """Pages show times in the signed-in user's time zone (their settings), else TIME_ZONE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from ottportal.models import UserSettings

        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated:
            zone = UserSettings.objects.filter(user=user).values_list("time_zone", flat=True).first()
        if zone:
            try:
                timezone.activate(ZoneInfo(zone))
            except (ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class FriendlyMethodNotAllowedMiddleware:
    """A page opened with the wrong method (a bookmarked POST-only address, say) gets the portal's own
    page saying what to do instead of the browser's bare 405. The API keeps its JSON answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not request.path.startswith("/api/") and not response.content:
            page = render(request, "405.html", {"allowed": response.get("Allow", "")}, status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
