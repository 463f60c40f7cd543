"""Settings for aseancal, read from the environment.

Development defaults need no server: SQLite under var/, an embedded
(filesystem) Celery broker and mail written to files. Production sets
DATABASE_URL, CELERY_BROKER_URL, DJANGO_SECRET_KEY and the rest.
"""

import base64
import datetime as dt
import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ASEANCAL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "development-only-insecure-key"  # noqa: S105  # nosec B105: DEBUG only


def secret_key_weakness(key: str) -> str:
    """Why a key is unfit for production ("" if it is fine): Django's deploy check's bar."""
    if not key:
        return "is not set"
    if key == DEVELOPMENT_SECRET_KEY or key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return "is a development key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"has fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
    return ""


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not DEBUG and (_weakness := secret_key_weakness(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY {_weakness}. Set a random one of 50 characters or more "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set "
        "DJANGO_DEBUG=1 for a development server with a throw-away key."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_DOMAIN = urlsplit(SITE_URL).hostname or "localhost"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver" if DEBUG else ""
)
# The site's own domain, and loopback for the container health checks.
for _host in (SITE_DOMAIN, "127.0.0.1", "localhost"):
    if _host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_host)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    # The admin with its site replaced by aseancal.admin_site (optional TOTP at login).
    "aseancal.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # one-time backup codes, issued with a TOTP device
    "corsheaders",
    "meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aseancal.csp.PolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware, as it asks
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aseancal.urls"

# Newsrooms' own pages may read the public data from the browser: the API, the iCal feeds
# and the Atom feed answer any origin, for reading only and never with credentials (no
# cookie, no Authorization header is let through a preflight).
CORS_URLS_REGEX = r"^/(api/v1/|feeds/|meetings/[^/]+\.ics$|events/[^/]+\.ics$)"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "accept-language", "if-none-match", "if-modified-since")
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After")
WSGI_APPLICATION = "aseancal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'aseancal.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, worker and beat share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short queries only: PostgreSQL's JIT compiler can spend more compiling a feed's
    # query than running it (60 ms of 100, measured with `make bench`).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 for new and changed passwords; older hashes still verify and are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Staff log in through the admin: a login whose ?next= is refused lands on its index.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters at least (OWASP ASVS 2.1.1).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents: stored through the default storage, served only by the document view
# (meetings/views/documents.py), which checks the document is public; never as static files.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Mail: EMAIL_URL (smtp://user:pass@host:587/?tls=True) or the EMAIL_* settings;
# development writes each mail as a file under var/mail/.
_email_url = os.environ.get("EMAIL_URL")
if _email_url:
    _email = dj_email_url.parse(_email_url)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"aseancal <noreply@{SITE_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who delegations write to, named in every mail and on every RSVP page; an event's own
# "secretariat contact" wins for its meetings.
SECRETARIAT_CONTACT = os.environ.get(
    "SECRETARIAT_CONTACT", f"ASEAN Secretariat, meetings desk, secretariat@{SITE_DOMAIN}"
)
# Where a delegation whose link was refused can write (shown on that page when set).
SECRETARIAT_EMAIL = os.environ.get("SECRETARIAT_EMAIL", "")

# Celery. The default broker is a folder on disk, so `make run` needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    (_broker_dir.parent / "control").mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        # Broadcasts (worker control, pidbox) would otherwise land in ./control.
        "control_folder": str(_broker_dir.parent / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# Deployments (or test runs) sharing one broker keep apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# REMINDER_PASS_SECONDS runs both passes every so many seconds instead (the smoke test).
_REMINDER_PASS_SECONDS = int(os.environ.get("REMINDER_PASS_SECONDS", "0"))
CELERY_BEAT_SCHEDULE = {
    # Passes are idempotent; one left waiting behind a stopped worker is dropped, not
    # replayed, so a worker back after a day runs one pass, not ninety-six.
    "plan-and-send-reminders": {
        "task": "meetings.tasks.reminders_pass",
        "schedule": _REMINDER_PASS_SECONDS or crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    "sweep-reminders": {
        "task": "meetings.tasks.reminders_sweep",
        "schedule": _REMINDER_PASS_SECONDS or crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    # Follow by e-mail: new change entries to immediate subscribers (and lost rows swept),
    # and the daily digests.
    "dispatch-follow-changes": {
        "task": "meetings.tasks.follow_dispatch",
        "schedule": _REMINDER_PASS_SECONDS or crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    "follow-digests": {
        "task": "meetings.tasks.follow_digests",
        "schedule": _REMINDER_PASS_SECONDS or crontab(hour=6, minute=0),
        "options": {"expires": 6 * 3600},
    },
}
# The reminder outbox: a row SENDING for longer than this lost its worker (keep it well
# above EMAIL_TIMEOUT); a row QUEUED that long lost its message; attempts before FAILED.
REMINDER_SENDING_TIMEOUT = int(os.environ.get("REMINDER_SENDING_TIMEOUT", "600"))
REMINDER_REQUEUE_AFTER = int(os.environ.get("REMINDER_REQUEUE_AFTER", "900"))
REMINDER_MAX_ATTEMPTS = int(os.environ.get("REMINDER_MAX_ATTEMPTS", "5"))
# Follow by e-mail (meetings/follow/): how long a confirmation link works (seconds); at most
# this many confirmation mails an hour to one address, and requests an hour from one client;
# change entries younger than FOLLOW_SETTLE_SECONDS wait for the next pass (a transaction
# still open when a pass reads commits its entry with an earlier time).
FOLLOW_CONFIRM_MAX_AGE = int(os.environ.get("FOLLOW_CONFIRM_MAX_AGE", str(7 * 24 * 3600)))
FOLLOW_MAX_PER_ADDRESS = int(os.environ.get("FOLLOW_MAX_PER_ADDRESS", "3"))
FOLLOW_MAX_PER_CLIENT = int(os.environ.get("FOLLOW_MAX_PER_CLIENT", "10"))
FOLLOW_SETTLE_SECONDS = int(os.environ.get("FOLLOW_SETTLE_SECONDS", "120"))
# A change notice waits this long after the first edit of a burst, so that a date, a venue
# and a reason typed in three saves reach each delegation as one mail.
NOTICE_COALESCE_SECONDS = int(os.environ.get("NOTICE_COALESCE_SECONDS", "300"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "meetings.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "meetings.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Counted per client address (the one PROXY_COUNT trusts, below) in THROTTLE_CACHE_ALIAS.
    "DEFAULT_THROTTLE_CLASSES": ["meetings.api.throttling.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("API_ANON_RATE", "600/minute")},
    # The same as PROXY_COUNT: DRF trusts that many X-Forwarded-For entries, no more.
    "NUM_PROXIES": int(os.environ.get("DJANGO_PROXY_COUNT", "0")),
    # Every error is an RFC 9457 problem document (application/problem+json).
    "EXCEPTION_HANDLER": "meetings.api.problems.exception_handler",
    # `format` is the meeting filter's parameter (docs/contract.md), not a renderer override.
    "URL_FORMAT_OVERRIDE": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "aseancal API",
    "DESCRIPTION": "ASEAN diplomatic meetings: formats, participants, venues, meetings and "
    "delegations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI otherwise sends the schema to validator.swagger.io for a badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    # Inputs (codes, slugs) differ from outputs (nested objects): separate components.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # OpenAPI 3.0.3, not 3.1: docs/contract.md says why.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "meetings.api.schema.describe_properties",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MeetingStatusEnum": "meetings.enums.MeetingStatus",
        "MeetingModeEnum": "meetings.enums.MeetingMode",
        "AttendanceEnum": "meetings.enums.AttendanceStatus",
        "LevelEnum": "meetings.enums.DelegationLevel",
        "RoleEnum": "meetings.enums.Role",
        "KindEnum": "meetings.enums.ParticipantKind",
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Feeds and reminders.
FEED_PAST_DAYS = int(os.environ.get("FEED_PAST_DAYS", "365"))
FEED_CANCELLED_RETENTION_DAYS = int(os.environ.get("FEED_CANCELLED_RETENTION_DAYS", "90"))
# How long a CDN or browser may reuse a feed before asking again (ETag makes that cheap).
FEED_MAX_AGE = int(os.environ.get("FEED_MAX_AGE", "300"))
# Google drops feeds over about 1 MB; the default window gives up past meetings to stay below.
FEED_MAX_BYTES = int(os.environ.get("FEED_MAX_BYTES", "900000"))
# Each worker keeps finished public pages, API reads and feeds in memory, keyed by the
# calendar version (meetings/response_cache.py); this bounds it.
RESPONSE_CACHE_MAX_BYTES = int(os.environ.get("RESPONSE_CACHE_MB", "64")) * 1024 * 1024
# How long a worker trusts the calendar version it last read before reading it again: the
# most an edit may take to reach anonymous readers (staff, logged in, see it at once).
RESPONSE_CACHE_REVALIDATE_SECONDS = float(os.environ.get("RESPONSE_CACHE_REVALIDATE", "1"))
# Feeds cache each meeting's serialised VEVENT under a hash of its content, and each
# finished feed under its query and a stamp that moves on every save (meetings.feeds).
# Per process by default; FEED_CACHE_URL (redis://...) shares them between workers.
FEED_CACHE_ALIAS = "feeds"
FEED_DOCUMENT_CACHE_ALIAS = "feed_documents"
_FEED_CACHE_URL = os.environ.get("FEED_CACHE_URL", "")


def _feed_cache(prefix: str, max_entries: int, timeout: int) -> dict:
    if _FEED_CACHE_URL:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _FEED_CACHE_URL,
            "KEY_PREFIX": prefix,
            "TIMEOUT": timeout,
        }
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": prefix,
        "TIMEOUT": timeout,
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


# The anonymous API throttle's counts (meetings.api.throttling), shared by every worker so
# that N workers do not allow N times API_ANON_RATE: in Redis at FEED_CACHE_URL, else at the
# broker's Redis (CELERY_BROKER_URL). In memory, per process, when neither is Redis, and
# with DJANGO_DEBUG (the development server is one process; test processes count apart).
THROTTLE_CACHE_ALIAS = "api_throttle"


def _throttle_cache(*, debug: bool, feed_cache_url: str, broker_url: str) -> dict:
    shared = next(
        (url for url in (feed_cache_url, broker_url) if url.startswith(("redis://", "rediss://"))),
        "",
    )
    if shared and not debug:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": shared,
            "KEY_PREFIX": "api_throttle",
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    THROTTLE_CACHE_ALIAS: _throttle_cache(
        debug=DEBUG, feed_cache_url=_FEED_CACHE_URL, broker_url=CELERY_BROKER_URL
    ),
    # About 1 KB each.
    FEED_CACHE_ALIAS: _feed_cache("feeds", max_entries=20000, timeout=7 * 24 * 3600),
    # Up to about 1 MB each, keyed by the calendar version (which any write moves).
    FEED_DOCUMENT_CACHE_ALIAS: _feed_cache("feed_documents", max_entries=64, timeout=3600),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Staff sessions: at most SESSION_COOKIE_AGE (8 h, a working day) after login, and over
# when the browser closes. The server-side expiry is what counts; the cookie only follows.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", str(60 * 60 * 8)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy (django-csp 4, through aseancal.csp): everything from this origin
# and no inline script anywhere (Swagger UI at /api/v1/docs/ loads its set-up as a script
# file: the split view). No inline style either, but for the exact attributes hashed here
# and on the API's HTML pages (browsable API, Swagger UI), whose templates write them.
INLINE_STYLE_ATTRIBUTES = [
    "border-top: 0",  # django-simple-history's paginator on the admin's history pages
    # templates/500.html, self-contained so that it renders whatever else is broken
    "font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem;",
]


def style_hash(css: str) -> str:
    """The CSP source allowing one exact inline style (attributes need 'unsafe-hashes')."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_HASHES, *map(style_hash, INLINE_STYLE_ATTRIBUTES)],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Login lock-out (django-axes): 5 failures for one username from one address lock that
# pair out for AXES_COOLOFF_MINUTES; other addresses and other usernames are unaffected.
# `manage.py axes_reset` lifts every lock-out.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "aseancal.admin_site.locked_out"  # a 403 page in the admin's look
# The client address: the socket's, or with DJANGO_PROXY_COUNT=N reverse proxies in front,
# the address the outermost of them saw (X-Forwarded-For is trusted no further than that).
AXES_CLIENT_IP_CALLABLE = "aseancal.client_ip.client_ip"
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))

# TOTP second factor (django-otp): the issuer shown in authenticator apps; device secrets
# are shown only while a device awaits confirmation (aseancal.staff_devices).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", f"aseancal ({SITE_DOMAIN})")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
