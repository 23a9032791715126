"""Django settings for Gaizao.

Every setting comes from an environment variable with a safe embedded default (DESIGN.md, Configuration):
``DATABASE_URL`` (default: SQLite in WAL mode under ``GAIZAO_DATA_DIR``), ``SECRET_KEY`` (required when
``DEBUG`` is off), ``ALLOWED_HOSTS``, ``TASKS_BACKEND`` (``database``, ``redis`` or ``immediate``), ``REDIS_URL``
(the Redis server of the ``redis`` backend).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
DATA_DIR = Path(os.environ.get("GAIZAO_DATA_DIR", REPO_DIR / "var")).resolve()
SHARED_DATA_DIR = Path(os.environ.get("GAIZAO_SHARED_DATA", REPO_DIR.parent / "shared" / "data")).resolve()

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (生产模式必须设置 SECRET_KEY).")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-gaizao-0123456789"

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_tasks",
    "django_tasks_db",
    "django_tasks_rq",
    "django_rq",
    "gaizao.accounts",
    "gaizao.divisions",
    "gaizao.audit",
    "gaizao.jobs",
    "gaizao.registry",
    "gaizao.lifecircle",
    "gaizao.participation",
    "gaizao.programme",
    "gaizao.delivery",
    "gaizao.money",
    "gaizao.stewardship",
    "gaizao.planning",
    "gaizao.oversight",
    "gaizao.portal",
    "gaizao.web",
]

MIDDLEWARE = [
    "gaizao.web.logs.RequestLogMiddleware",
    "gaizao.web.middleware.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "gaizao.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gaizao.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gaizao.web.urls"
WSGI_APPLICATION = "gaizao.web.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gaizao.web.navigation.navigation",
            ],
        },
    }
]

# --- database --------------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # synchronous=FULL: a committed ballot survives power loss, not only a crash of the process.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "gaizao.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- tasks -----------------------------------------------------------------------------------------------
# ``database``: the queue is a table (one machine; ``gaizao worker`` polls it). ``redis``: the queue lives in Redis
# through django-tasks-rq, and ``gaizao worker`` runs an RQ worker — the scale-out path, workers on any machine
# that reaches Redis and the database. ``immediate``: run in the request (tests).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if "pytest" in sys.modules else "database")
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {TASKS_BACKEND!r} "
        "(后台任务后端设置有误)."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
#: django-rq's queues (used when TASKS_BACKEND is ``redis``); a job may run up to an hour (a city-wide import).
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}

# --- auth and security -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
#: Every password login (login page, Django admin) goes through the throttled backend.
AUTHENTICATION_BACKENDS = ["gaizao.accounts.backends.ThrottledModelBackend"]
LOGIN_THROTTLE_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_ATTEMPTS", "5"))
LOGIN_THROTTLE_WINDOW_S = int(os.environ.get("LOGIN_THROTTLE_WINDOW_S", "900"))
#: Failed logins from one client address before it is refused (many people may share one office address).
LOGIN_THROTTLE_CLIENT_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_CLIENT_ATTEMPTS", "30"))
#: One-time-code requests per client address and window, whether or not the phone is an owner's.
OTP_REQUESTS_PER_CLIENT = int(os.environ.get("GAIZAO_OTP_REQUESTS_PER_CLIENT", "10"))
#: Anonymous writes (comments on a publication) per client address and window.
ANONYMOUS_WRITES_PER_CLIENT = int(os.environ.get("GAIZAO_ANONYMOUS_WRITES_PER_CLIENT", "20"))
ANONYMOUS_WRITE_WINDOW_S = int(os.environ.get("GAIZAO_ANONYMOUS_WRITE_WINDOW_S", "3600"))
#: The request header a trusted reverse proxy sets to the client's address (e.g. ``X-Forwarded-For``), and how
#: many proxies stand in front of the application. Empty: the address of the TCP peer (REMOTE_ADDR) is used and
#: no header a client could forge is believed.
CLIENT_ADDRESS_HEADER = os.environ.get("GAIZAO_CLIENT_ADDRESS_HEADER", "")
TRUSTED_PROXY_COUNT = int(os.environ.get("GAIZAO_TRUSTED_PROXY_COUNT", "1"))

#: Sessions end after this many seconds (default 12 hours, a working day).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
#: API tokens expire this many days after they are created (0: never).
API_TOKEN_TTL_DAYS = int(os.environ.get("GAIZAO_API_TOKEN_TTL_DAYS", "90"))
#: A token's ``last_used_at`` is written at most once per this many seconds, not on every request.
API_TOKEN_TOUCH_INTERVAL_S = int(os.environ.get("GAIZAO_API_TOKEN_TOUCH_INTERVAL_S", "300"))

#: The key of the ballots' hash chain (HMAC-SHA256). Derived from SECRET_KEY unless set; set it explicitly in
#: production so that rotating SECRET_KEY does not invalidate the chains (see docs/deployment.md).
GAIZAO_CHAIN_KEY = (
    os.environ.get("GAIZAO_CHAIN_KEY", "")
    or hmac.new(SECRET_KEY.encode(), b"gaizao-ballot-chain-key", hashlib.sha256).hexdigest()
)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # health checks of the load balancer come over plain HTTP from inside
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

#: The API's paged lists answer at most this many rows per page (a larger ``limit`` is a 422 naming it).
NINJA_PAGINATION_MAX_LIMIT = 1000

# Optional OpenStreetMap tile layer (off by default: government intranets have no internet).
MAP_TILE_URL = os.environ.get("GAIZAO_MAP_TILE_URL", "")
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:" + (" " + MAP_TILE_URL.split("/{")[0] if MAP_TILE_URL else ""),
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gaizao_cache"}}

# --- i18n ------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static and media ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Logs: one JSON object per line on stderr (gaizao/web/logs.py), with the request's id and the account's id, and a
# ``gaizao.request`` line per request (path, status, duration). No names, phones or query strings.
# GAIZAO_LOG_FORMAT=text gives plain lines for a developer's terminal.
LOG_FORMAT = os.environ.get("GAIZAO_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "gaizao.web.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "gaizao.web.logs.GaizaoJsonFormatter"},
        "text": {
            "()": "gaizao.web.logs.RedactedTextFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s user=%(user_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": "text" if LOG_FORMAT == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "gaizao": {"level": os.environ.get("GAIZAO_LOG_LEVEL", "INFO")},
        # Django's own handlers (plain text) are replaced by the JSON one on the root
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# One-time codes for owners' login go through a pluggable sender (participation).
OTP_SENDER = os.environ.get("GAIZAO_OTP_SENDER", "gaizao.participation.otp.ConsoleSender")
if not DEBUG and OTP_SENDER.rsplit(".", 1)[-1] in {"ConsoleSender", "SilentSender"}:
    raise ImproperlyConfigured(
        "GAIZAO_OTP_SENDER must name a real SMS sender when DEBUG is off; the console sender would write owners' "
        "login codes to the log (生产模式不能使用控制台验证码发送器)."
    )

GAIZAO_OTP_WEBHOOK_URL = os.environ.get("GAIZAO_OTP_WEBHOOK_URL", "")
GAIZAO_OTP_WEBHOOK_TOKEN = os.environ.get("GAIZAO_OTP_WEBHOOK_TOKEN", "")

#: Size limits of uploaded files, in bytes, by kind (checked before the file is read or stored).
UPLOAD_LIMITS = {
    "import_table": int(os.environ.get("GAIZAO_UPLOAD_LIMIT_TABLE", str(50 * 1024 * 1024))),
    "import_geo": int(os.environ.get("GAIZAO_UPLOAD_LIMIT_GEO", str(50 * 1024 * 1024))),
    "ballot_scan": int(os.environ.get("GAIZAO_UPLOAD_LIMIT_SCAN", str(10 * 1024 * 1024))),
    "photo": int(os.environ.get("GAIZAO_UPLOAD_LIMIT_PHOTO", str(10 * 1024 * 1024))),
}
#: Limits on zip archives (Shapefile bundles) checked before anything is extracted.
ZIP_MAX_ENTRIES = int(os.environ.get("GAIZAO_ZIP_MAX_ENTRIES", "200"))
ZIP_MAX_TOTAL_BYTES = int(os.environ.get("GAIZAO_ZIP_MAX_TOTAL_BYTES", str(300 * 1024 * 1024)))
ZIP_MAX_RATIO = int(os.environ.get("GAIZAO_ZIP_MAX_RATIO", "100"))
#: Memory an upload's parse may use: every parse runs in a child process of the job whose address space is
#: capped (RLIMIT_AS) at its size when it starts plus this many bytes.
UPLOAD_PARSE_MEMORY = int(os.environ.get("GAIZAO_UPLOAD_PARSE_MEMORY", str(1024 * 1024 * 1024)))

#: Background jobs: a running job's worker writes a heartbeat this often; a job whose heartbeat is older than
#: JOB_STALE_S is taken for dead (failed, or retried up to JOB_MAX_ATTEMPTS).
JOB_HEARTBEAT_S = int(os.environ.get("GAIZAO_JOB_HEARTBEAT_S", "15"))
JOB_STALE_S = int(os.environ.get("GAIZAO_JOB_STALE_S", "120"))

LABEL_SAMPLE_DATA = _("示例数据 / sample data")

if "pytest" in sys.modules:
    # Tests create many accounts; a slow hash only costs time there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
