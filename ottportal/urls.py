from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ottportal import api, language, views
from ottportal.sso import views as sso_views

handler403 = "ottportal.views.permission_denied"
handler404 = "ottportal.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.api_tokens, name="api-tokens"),
    path("account/tokens/<str:digest>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
    path("language/", language.set_language, name="set-language"),
    # The JavaScript's translations (gettext() in static/js, catalogue in locale/), in the page's language.
    path(
        "jsi18n/",
        login_not_required(JavaScriptCatalog.as_view(packages=["ottportal"])),
        name="javascript-catalog",
    ),
    path("login/", sso_views.PortalLoginView.as_view(), name="login"),
    path("logout/", sso_views.PortalLogoutView.as_view(), name="logout"),
    # Single sign-on: the start of the round trip and the redirect URI registered at the provider.
    path("oidc/authenticate/", sso_views.SsoStartView.as_view(), name="sso-start"),
    path("oidc/callback/", sso_views.SsoCallbackView.as_view(), name="sso-callback"),
    path("senders/", include("senders.urls")),
    path("", include("messages.urls")),
    path("admin/login/", sso_views.admin_login, name="admin-login"),
    path("", include("audiences.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api.urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

if settings.OTT_SANDBOX:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
