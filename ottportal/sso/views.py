"""The login page (single sign-on button, local password form while LOCAL_LOGIN is on), the sign-in
round trip to the identity provider, the logout that also ends the provider's session, and the admin
site's login under the same rules."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib import admin, auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ottportal.sso import provider
from ottportal.sso.backends import mozilla_setting
from ottportal.sso.provider import SsoError, SsoRefused

logger = logging.getLogger(__name__)


def passwords_off_message() -> str:
    name = settings.OIDC.provider_name if settings.OIDC else _("single sign-on")
    return _("Signing in with a password is turned off on this portal. Use “Sign in with %(name)s” instead.") % {
        "name": name
    }


def sso_context(request) -> dict:
    """What the login page needs to offer single sign-on (empty when it is off)."""
    config = settings.OIDC
    if config is None:
        return {}
    start = reverse("sso-start")
    next_url = request.GET.get("next") or request.POST.get("next")
    if next_url:
        start += "?" + urlencode({"next": next_url})
    return {"sso": {"provider_name": config.provider_name, "start_url": start}}


@method_decorator(login_not_required, name="dispatch")
class PortalLoginView(auth_views.LoginView):
    """Django's login view, plus the single sign-on button; with LOCAL_LOGIN off the password form is
    not shown, and a password posted anyway is refused (403) without being checked."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(sso_context(self.request))
        context["local_login"] = settings.LOCAL_LOGIN
        return context

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_LOGIN:
            return passwords_refused(request)
        return super().post(request, *args, **kwargs)


def passwords_refused(request):
    context = {"local_login": False, "refused": passwords_off_message(), **sso_context(request)}
    return render(request, "registration/login.html", context, status=403)


def _sso_or_404():
    if settings.OIDC is None:
        raise Http404("Single sign-on is not set up on this portal.")
    return settings.OIDC


def _to_login(request, error: SsoError, next_url: str | None = None) -> HttpResponseRedirect:
    messages.error(request, str(error))
    target = reverse("login")
    if next_url:
        target += "?" + urlencode({"next": next_url})
    return redirect(target)


@method_decorator(login_not_required, name="dispatch")
class SsoStartView(OIDCAuthenticationRequestView):
    """`/oidc/authenticate/`: sends the browser to the provider's sign-in page (state, nonce, PKCE)."""

    get_settings = staticmethod(mozilla_setting)

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoint comes from discovery at request time, not settings

    def get(self, request):
        config = _sso_or_404()
        try:
            metadata = provider.provider_metadata(config)
        except SsoError as exc:
            logger.warning("SSO start: %s", exc)
            return _to_login(request, exc, request.GET.get("next"))
        self.OIDC_OP_AUTH_ENDPOINT = metadata["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = config.client_id
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SsoCallbackView(OIDCAuthenticationCallbackView):
    """`/oidc/callback/` (the redirect URI registered at the provider): checks the answer, signs the
    person in with the roles the groups claim maps to, or says on the login page why not."""

    get_settings = staticmethod(mozilla_setting)

    def get(self, request):
        config = _sso_or_404()
        if request.GET.get("error"):  # the person cancelled, or the provider refused them
            states = request.session.get("oidc_states") or {}
            ours = states.pop(request.GET.get("state", ""), None) is not None
            if ours:
                request.session["oidc_states"] = states  # a state is used once, whatever the outcome
            if request.user.is_authenticated:
                auth.logout(request)
            return _to_login(request, SsoRefused(_provider_error(config, request.GET, ours)))
        try:
            return super().get(request)
        except SsoRefused as exc:
            if exc.username:
                _record_failure(request, exc.username)
            logger.warning("SSO refused%s: %s", f" {exc.username}" if exc.username else "", exc)
            return _to_login(request, exc)
        except SsoError as exc:
            logger.warning("SSO failed: %s", exc)
            return _to_login(request, exc)
        except SuspiciousOperation as exc:  # a state this browser did not start (an old or copied link)
            logger.warning("SSO callback: %s", exc)
            return _to_login(request, SsoRefused(_("This sign-in link is old or was not started here. Sign in again.")))

    def login_failure(self):
        return _to_login(self.request, SsoRefused(_("Single sign-on did not finish. Sign in again.")))


def _provider_error(config, query, ours: bool) -> str:
    """The provider's refusal in words. Its free-text description is shown only for a sign-in this
    browser started (a matching state): anyone can craft a link with text for the login page to show."""
    code = query.get("error", "")
    code = code if re.fullmatch(r"[a-z_]{1,40}", code) else "error"
    description = query.get("error_description", "")[:200] if ours else ""
    if description:
        words = _("%(provider)s did not sign you in (%(code)s): %(description)s.")
    else:
        words = _("%(provider)s did not sign you in (%(code)s).")
    return words % {"provider": config.provider_name, "code": code, "description": description}


def _record_failure(request, username: str) -> None:
    """A refused single sign-on of a known account shows in the audit log as a failed login. It is
    logged, not counted towards a lockout: the provider checked the password, not the portal."""
    AxesProxyHandler.update_request(request)
    AccessFailureLog.objects.create(
        username=username,
        ip_address=request.axes_ip_address,
        user_agent=request.axes_user_agent,
        path_info=request.axes_path_info,
        http_accept=request.axes_http_accept,
        locked_out=False,
    )


class PortalLogoutView(auth_views.LogoutView):
    """Logs out of the portal; after a single sign-on, also ends the session at the provider (RP-initiated
    logout) when it offers that, and comes back to the login page. Otherwise the next "Sign in with ..."
    would let the same person straight back in without asking."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        config = settings.OIDC
        if not id_token or config is None:
            return response
        try:
            end_session = provider.provider_metadata(config).get("end_session_endpoint")
        except SsoError as exc:
            logger.warning("SSO logout: %s", exc)
            end_session = None
        if not end_session:
            messages.info(
                request,
                _("You are logged out of the portal. You may still be signed in at %(provider)s.")
                % {"provider": config.provider_name},
            )
            return response
        params = {
            "id_token_hint": id_token,
            "client_id": config.client_id,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
        parts = urlsplit(end_session)
        query = urlencode([*parse_qsl(parts.query), *params.items()])
        return HttpResponseRedirect(urlunsplit(parts._replace(query=query)))


@login_not_required
def admin_login(request):
    """The admin site's login: with single sign-on on, people are sent to the portal's login page (which
    offers it); with LOCAL_LOGIN off, passwords posted here are refused like on the login page."""
    if request.user.is_authenticated:
        return admin.site.login(request)  # "you are signed in but not allowed here"
    if request.method == "POST" and not settings.LOCAL_LOGIN:
        return passwords_refused(request)
    if settings.OIDC is not None and request.method != "POST":
        target = reverse("login")
        if request.GET.get("next"):
            target += "?" + urlencode({"next": request.GET["next"]})
        return redirect(target)
    return admin.site.login(request)
