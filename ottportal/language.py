"""The language picker: Django's `set_language` (the language cookie, then back to the page), which for a
signed-in user also keeps the choice in their settings, so it follows them to other browsers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.views import i18n
from django.views.decorators.http import require_POST

from ottportal.models import settings_of


@login_not_required  # the login page has the picker too
@require_POST
def set_language(request):
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_settings = settings_of(request.user)
        user_settings.language = language
        user_settings.save(update_fields=["language"])
    return response


def remember_language(response, language: str) -> None:
    """Set the language cookie the way `set_language` does (the account page's choice), or drop it for
    "the browser's language"."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
