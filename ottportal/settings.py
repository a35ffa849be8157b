"""OTT Portal settings: one module, everything from the environment (or `.env`).

Every variable is listed, with a comment, in `.env.example`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ottportal.sso.config import local_login_from_env, oidc_config_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)


def _required_in_production(name: str, dev_default):
    """Read a setting that must be set explicitly when DEBUG is off."""
    if name in env.ENVIRON:
        return env.list(name) if isinstance(dev_default, list) else env.str(name)
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set in the environment (or .env) when DEBUG is off.")


SECRET_KEY = _required_in_production("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = _required_in_production("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    # Before django_tasks_db: its `db_worker` command is the one that survives a lost database.
    "messages.apps.OttMessagesConfig",
    "django_tasks_db",
    "axes",
    "csp",
    "senders",
    "audiences",
    "sandbox",
    # Last: its post_migrate handler gives the role groups their permissions once every app has its own.
    "ottportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ottportal.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ottportal.middleware.PortalLoginRequiredMiddleware",
    "ottportal.middleware.UserPreferencesMiddleware",
    "ottportal.middleware.FriendlyMethodNotAllowedMiddleware",
    "ottportal.logging.RequestContextMiddleware",
    "ottportal.audit.AuditRequestMiddleware",  # who acts, from where, for entries written deep in services
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-csp's, with the identity provider allowed as a form target (the logout) when SSO is on.
    "ottportal.sso.csp.PortalCSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ottportal.urls"
WSGI_APPLICATION = "ottportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ottportal.roles.role_context",
                "messages.context_processors.worker_banner",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (one machine); DATABASE_URL=postgres://... for PostgreSQL (psycopg 3).
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + busy timeout + IMMEDIATE transactions: the web server and the worker write to the same
    # file without "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not :memory:, so a worker process and the live test server share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ------------------------------------------------------------------------------------
# Every password set through a form or `createsuperuser`, and the demo password, must pass these.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "ottportal.passwords.StaffMinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A pasted list of 100,000 recipients is a few MB of form data (Django's default cap is 2.5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for a username from an
# address, that pair is locked out for AXES_COOLOFF_MINUTES; the page says so.
# Passwords (refused while LOCAL_LOGIN is false) and OpenID Connect single sign-on (when OIDC_ISSUER is
# set); both read the settings when called, see ottportal/sso/.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ottportal.sso.backends.LocalPasswordBackend",
    "ottportal.sso.backends.OidcBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "ottportal.lockout.lockout_response"  # the template, with the wait in words
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # failed logins stay in the audit log after a reset
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
# Single sign-on (OpenID Connect): None unless OIDC_ISSUER is set; a mistake in the OIDC_* settings
# stops start-up naming the variable (ottportal/sso/config.py). LOCAL_LOGIN=false turns passwords off.
OIDC = oidc_config_from_env(env.ENVIRON)
LOCAL_LOGIN = local_login_from_env(env.ENVIRON, OIDC)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG and env.bool("SECURE_COOKIES", default=True)

# --- i18n / time -----------------------------------------------------------------------------
# English unless the browser asks for Japanese (Accept-Language) or the user picked a language: the
# header's picker sets a cookie and, for a signed-in user, their settings (ottportal/middleware.py).
# The catalogues are in locale/, compiled .mo files included (README "Languages").
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise; no CDN) ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Hashed, compressed files from `collectstatic` in production; served from the source folders otherwise.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- REST API ----------------------------------------------------------------------------------
# API tokens (django-rest-knox, the token model with a name in ottportal.models): stored as a SHA-512
# digest, shown once, and expiring API_TOKEN_TTL_DAYS after they are made.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured(f"API_TOKEN_TTL_DAYS must be 1 or more (whole days); it is {API_TOKEN_TTL_DAYS}.")
KNOX_TOKEN_MODEL = "ottportal.ApiToken"  # noqa: S105 (a model name, not a secret)
# knox's own token table is never used (its model is swapped for ours): its migrations would still make
# it, with a foreign key to the users that stops PostgreSQL from emptying them in the tests' flush.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    # Recognisable in a leaked file or a secret scanner, and the part of a key the tokens page shows.
    "TOKEN_PREFIX": "ottp_",
    "AUTO_REFRESH": False,  # a token ends when it says it does, however often it is used
}
# Bearer token that Prometheus sends to read /metrics (`Authorization: Bearer <token>`); unset: /metrics
# answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ottportal.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "ottportal.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["messages.fields.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "ottportal.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OTT Portal API",
    "DESCRIPTION": "Senders, drafts, sends and delivery history for Marketing Cloud OTT messaging.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "ottportal.schema.document_errors"],
    # Statuses are named for what they belong to (the send's and the delivery's are different sets).
    "ENUM_NAME_OVERRIDES": {
        "SendStatusEnum": "messages.models.Send.Status",
        "DeliveryStatusEnum": "messages.models.Delivery.Status",
        "SendEventEnum": "messages.models.SendEvent.Event",
    },
}

# --- Background work (django-tasks, the database is the queue) ---------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Marketing Cloud OTT -----------------------------------------------------------------------
# Marketing Cloud's own hosts (tenant-specific subdomains); the sandbox never runs beside them.
MARKETING_CLOUD_DOMAINS = ("marketingcloudapis.com", "exacttargetapis.com")


def _points_at_marketing_cloud(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith(f".{domain}") for domain in MARKETING_CLOUD_DOMAINS)


_ott_urls = {name: env.str(name, default="").rstrip("/") for name in ("OTT_AUTH_URL", "OTT_REST_URL")}
_real_urls = [name for name, url in _ott_urls.items() if _points_at_marketing_cloud(url)]
# On by default with DEBUG, unless the OTT URLs point at the real Marketing Cloud.
OTT_SANDBOX = env.bool("OTT_SANDBOX", default=DEBUG and not _real_urls)
if OTT_SANDBOX and _real_urls:
    raise ImproperlyConfigured(
        f"OTT_SANDBOX is on while {_real_urls[0]} points at Marketing Cloud ({_ott_urls[_real_urls[0]]}). "
        "The sandbox is a fake Marketing Cloud for development: set OTT_SANDBOX=false."
    )
# This portal's own address, used to reach its sandbox when no OTT URLs are set.
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000").rstrip("/")
_sandbox_base = f"{PORTAL_URL}/sandbox" if OTT_SANDBOX else ""
OTT_AUTH_URL = _ott_urls["OTT_AUTH_URL"] or _sandbox_base
OTT_REST_URL = _ott_urls["OTT_REST_URL"] or _sandbox_base


def _sandbox_credential(purpose: str) -> str:
    """Sandbox credentials of this installation: derived from SECRET_KEY, so every process (web,
    workers, on any machine) agrees on them and nobody else can guess them."""
    digest = hmac.new(SECRET_KEY.encode(), f"ottportal.sandbox.{purpose}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


OTT_CLIENT_ID = env.str("OTT_CLIENT_ID", default="") or (
    f"sandbox-{_sandbox_credential('client-id')[:16]}" if OTT_SANDBOX else ""
)
OTT_CLIENT_SECRET = env.str("OTT_CLIENT_SECRET", default="") or (
    _sandbox_credential("client-secret") if OTT_SANDBOX else ""
)
if not OTT_SANDBOX:
    for _name in ("OTT_AUTH_URL", "OTT_REST_URL", "OTT_CLIENT_ID", "OTT_CLIENT_SECRET"):
        if not globals()[_name]:
            raise ImproperlyConfigured(
                f"{_name} must be set in the environment (or .env) when OTT_SANDBOX is off: "
                "the portal sends through Marketing Cloud with it."
            )
OTT_ACCOUNT_ID = env.str("OTT_ACCOUNT_ID", default="")
OTT_SEND_CONCURRENCY = env.int("OTT_SEND_CONCURRENCY", default=16)
OTT_SEND_MAX_ATTEMPTS = env.int("OTT_SEND_MAX_ATTEMPTS", default=5)
OTT_RETRY_BACKOFF_SECONDS = env.float("OTT_RETRY_BACKOFF_SECONDS", default=2.0)
# Requests per second per sender, per worker process (0: no cap); LINE documents ~2,000/s per channel.
OTT_SENDER_RATE_LIMIT = env.float("OTT_SENDER_RATE_LIMIT", default=1000.0)
# A sender with this many transient failures in a row is held for the cool-down, then probed with one
# request (0: no breaker); a 50200 "temporarily blocked" answer holds its sender at least this long.
OTT_BREAKER_FAILURES = env.int("OTT_BREAKER_FAILURES", default=10)
OTT_BREAKER_COOLDOWN_SECONDS = env.float("OTT_BREAKER_COOLDOWN_SECONDS", default=30.0)
OTT_BLOCK_HOLD_SECONDS = env.float("OTT_BLOCK_HOLD_SECONDS", default=60.0)
# A delivery claimed by a worker that stops renewing this lease (it died) is taken up again after it.
OTT_DELIVERY_LEASE_SECONDS = env.float("OTT_DELIVERY_LEASE_SECONDS", default=120.0)
# Campaign lifecycle: sends of at least this many recipients wait for a second person's approval
# (0: only senders marked "requires approval" do); a send pauses itself when more than this share of
# the last OTT_AUTO_PAUSE_WINDOW answers were errors; sends of more recipients than this are prepared
# by the worker (the confirm answers at once) rather than inside the request.
OTT_APPROVAL_MIN_RECIPIENTS = env.int("OTT_APPROVAL_MIN_RECIPIENTS", default=0)
OTT_AUTO_PAUSE_ERROR_RATE = env.float("OTT_AUTO_PAUSE_ERROR_RATE", default=0.2)
OTT_AUTO_PAUSE_WINDOW = env.int("OTT_AUTO_PAUSE_WINDOW", default=200)
OTT_PREPARE_INLINE_MAX = env.int("OTT_PREPARE_INLINE_MAX", default=1000)
# `manage.py ott_retention` deletes history older than this many days (run it from cron).
OTT_RETENTION_DAYS = env.int("OTT_RETENTION_DAYS", default=400)
OTT_CONNECT_TIMEOUT = env.float("OTT_CONNECT_TIMEOUT", default=5.0)
OTT_READ_TIMEOUT = env.float("OTT_READ_TIMEOUT", default=30.0)
# The sandbox: how long its tokens live, and the seconds between a message's status events.
SANDBOX_TOKEN_TTL = env.int("SANDBOX_TOKEN_TTL", default=1080)
SANDBOX_EVENT_STEP_SECONDS = env.float("SANDBOX_EVENT_STEP_SECONDS", default=2.0)

# --- Security headers ------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
# Content Security Policy: this site's own scripts and styles only. Images may come from any https
# host, because the composer previews the image URLs a marketer types.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "https:", "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Production redirects plain http to https (behind a TLS proxy that sets X-Forwarded-Proto), except
# the health check, which load balancers call over plain http.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# /readyz too: load balancers and orchestrators ask it over plain http. /metrics is not exempt: its bearer
# token must not travel in clear (Prometheus follows the redirect, or scrape it with `scheme: https`).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)

# --- Logging: stdout, one line per event, with the request path and user -------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "ottportal.logging.RequestContextFilter"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s [path=%(request_path)s user=%(request_user)s] %(message)s"
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
