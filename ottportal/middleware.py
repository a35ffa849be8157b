from __future__ import annotations

from http import HTTPStatus
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from rest_framework.response import Response


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login, except views marked `login_not_required`.

    API views are left to Django REST framework, which answers 401 instead of redirecting.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if hasattr(view_func, "cls") and hasattr(view_func.cls, "permission_classes"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserPreferencesMiddleware:
    """Pages show times in the signed-in user's time zone (their settings), else TIME_ZONE; and in the
    language they picked, else the one LocaleMiddleware chose (the language cookie, else the browser's
    Accept-Language, else English)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from ottportal.models import UserSettings

        user = getattr(request, "user", None)
        zone = language = None
        if user is not None and user.is_authenticated:
            chosen = UserSettings.objects.filter(user=user).values_list("time_zone", "language").first()
            zone, language = chosen or (None, None)
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
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


API_PREFIX = "/api/"
API_ERROR_DETAILS = {
    400: "Bad request.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    500: "A server error occurred; it has been logged.",
}


class ApiJsonErrorsMiddleware:
    """Every error answer under /api/ is JSON, `{"detail": ...}`, whatever produced it.

    Django REST framework answers its own errors in JSON. The others come from Django itself: a URL that
    matches no route, an exception outside a view or an unexpected one inside it (the HTML 500 page, or
    DEBUG's technical pages), a request body over the size limit. API clients parse the body, so those
    become JSON with the same status and headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < 400
            or isinstance(response, Response)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        answer = JsonResponse({"detail": _detail(response.status_code)}, status=response.status_code)
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                answer[header] = value
        answer.cookies = response.cookies
        return answer


def _detail(status: int) -> str:
    if status in API_ERROR_DETAILS:
        return API_ERROR_DETAILS[status]
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return "Error."
