"""ShopOps settings: one module, read from the environment once.

With no environment at all it runs locally on SQLite with the sandbox as the platform and generated
development secrets (kept in var/dev-secrets.json so they survive restarts). `DJANGO_ENV=production`
turns every production setting on and requires the secrets to come from the environment.
"""

import json
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)


def _development_secrets() -> dict[str, str]:
    """Generate the local secret key and field-encryption key once and keep them on disk."""
    path = VAR_DIR / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    VAR_DIR.mkdir(exist_ok=True)
    values = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": Fernet.generate_key().decode(),
    }
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    # Comma-separated Fernet keys; the first encrypts, all decrypt (see `rotate_field_keys`).
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
else:
    _dev = _development_secrets()
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_dev["secret_key"])
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[_dev["field_key"]])

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "shopops.apps.ShopOpsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "auditlog",
    "shopops",
    "linked_accounts",
    "campaigns",
    "affiliates",
    "pgtrigger",
    "incentives",
    "demo",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shopops.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shopops.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "shopops.middleware.AudienceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shopops.urls"
WSGI_APPLICATION = "shopops.wsgi.application"
AUTH_USER_MODEL = "shopops.User"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:index"
LOGOUT_REDIRECT_URL = "console:login"

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
                "shopops.context_processors.console",
            ],
        },
    },
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Database -------------------------------------------------------------------------------
# SQLite by default: WAL and IMMEDIATE transactions so the web server and the worker can share it.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'shopops.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
    )
    # Persistent connections: opening SQLite and running the PRAGMAs on every request costs more than the query.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A file (not :memory:) beside the database, so that a real worker process can see the test database.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name(f"test_{_db_file.name}"))}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and sessions ----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Lock the account, not the address: merchants' staff often share one office NAT address, and an IP lock would
# shut the whole office out after one person's typos.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Absolute lifetime: the session cookie is not renewed on activity. Idle timeout: SessionLifetimeMiddleware.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with a WWW-Authenticate challenge.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ShopOps API",
    "DESCRIPTION": "Shop-scoped console API and the agency (带货机构) partner API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Background work (django-q2) ------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "shopops",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 300,  # a task running longer than this is killed ...
    "retry": 360,  # ... and only then handed out again, so one task never runs twice at once
    "max_attempts": 5,
    "catch_up": False,  # a worker that was down does not replay every missed schedule
    "save_limit": 1000,
    "ack_failures": True,
    "label": _("Background tasks"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- The WeChat platform ----------------------------------------------------------------------
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default="http://127.0.0.1:8000/sandbox/api")
# The sandbox's own SANDBOX-ONLY APIs (linked-account invitations, listing, unlinking, selling identity) exist only in
# the emulator: on only when WECHAT_API_BASE is the sandbox (served under /sandbox/api), off for the real platform or
# anything in front of it (a proxy), and then they are refused before any HTTP.
WECHAT_SANDBOX_ONLY_APIS = env.bool(
    "WECHAT_SANDBOX_ONLY_APIS", default=urlsplit(WECHAT_API_BASE).path.rstrip("/").endswith("/sandbox/api")
)
WECHAT_CONNECT_TIMEOUT = env.float("WECHAT_CONNECT_TIMEOUT", default=3.05)
WECHAT_READ_TIMEOUT = env.float("WECHAT_READ_TIMEOUT", default=10.0)
# Transient errors on reads are retried after random(0, min(8, base * 2**n)) seconds.
WECHAT_BACKOFF_BASE = env.float("WECHAT_BACKOFF_BASE", default=0.5)
# The platform emulator under /sandbox/; never served in production.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not PRODUCTION)
# How far back a shop's first sync reaches, and how many order details are fetched at once.
SYNC_INITIAL_DAYS = env.int("SYNC_INITIAL_DAYS", default=30)
SYNC_DETAIL_WORKERS = env.int("SYNC_DETAIL_WORKERS", default=4)

# --- Production hardening ---------------------------------------------------------------------
if PRODUCTION:
    # WhiteNoise serves the collected static files under gunicorn; runserver serves them itself locally.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Every handler masks access tokens and secrets (shopops/logs.py). Django's own "django" handlers are replaced, so its
# records reach the masking root handler only (before, in DEBUG they were also printed unmasked, and twice), and
# runserver's request lines ("django.server") get a masking handler of their own in Django's format.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_secrets": {"()": "shopops.logs.MaskSecretsFilter"},
        "refusals_without_traceback": {"()": "shopops.logs.RefusalWithoutTracebackFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_secrets"]},
        "server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["mask_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["refusals_without_traceback"]},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
