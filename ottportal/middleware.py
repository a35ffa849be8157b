from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login, except views marked `login_not_required`.

    API views are left to Django REST framework, which answers 401 instead of redirecting.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if hasattr(view_func, "cls") and hasattr(view_func.cls, "permission_classes"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
