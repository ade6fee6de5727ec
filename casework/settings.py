"""casework settings, read from the environment.

Fail closed: DEBUG is off unless asked for, there is no secret key outside the demo, and a bad value
stops the process with a message naming the variable.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from casework.env import env_bool, env_choice, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEMO = env_bool("CASEWORK_DEMO", False)
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if DEMO:
        # The demo runs on a laptop with invented data: a random key made on first start and kept
        # beside the project keeps sessions across restarts, and no two demos share a known key.
        # Anything else must bring its own.
        _demo_key_file = BASE_DIR / ".demo-secret-key"
        if not _demo_key_file.exists():
            import secrets

            _demo_key_file.write_text(secrets.token_urlsafe(50))
            _demo_key_file.chmod(0o600)
        SECRET_KEY = _demo_key_file.read_text().strip()
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set CASEWORK_DEMO=1 to run the demo on invented data."
        )
if not DEMO and not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or DEMO) else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

_database_url = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    # Connections are kept between requests; each is checked before its first use in a request,
    # so one left stale by a database restart is replaced instead of failing that request.
    _database = dj_database_url.parse(
        _database_url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
except Exception as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL could not be read ({exc}). Use sqlite:///path/to/file.sqlite3 or "
        "postgres://user:password@host:5432/name."
    ) from None
if _database.get("ENGINE") not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured(
        f"DATABASE_URL names an unsupported database ({_database.get('ENGINE')}); "
        "casework runs on PostgreSQL (production) or SQLite (demo)."
    )
_database["ATOMIC_REQUESTS"] = False
if _database["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation of queries. The read gates test rows one by one through indexes, which
    # PostgreSQL's estimates price above its JIT threshold while the query takes a millisecond;
    # compiling took 20-45 ms of each such query (bench/pages.py, issue 8).
    _options = _database.setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
_database.setdefault("TEST", {})
DATABASES = {"default": _database}
IS_POSTGRES = _database["ENGINE"] == "django.db.backends.postgresql"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "casework.apps.CaseworkConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "casework.middleware.PrivateApiResponsesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "casework.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "casework.middleware_language.StaffLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "casework.middleware.SessionTimeoutMiddleware",
    "casework.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casework.urls"
WSGI_APPLICATION = "casework.wsgi.application"

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
                "casework.context_processors.navigation",
                "casework.context_processors.languages",
            ],
        },
    },
]

AUTH_USER_MODEL = "casework.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: absolute lifetime 12 h (cookie age, never extended), idle timeout 30 min (middleware).
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=60)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "casework.views.errors.csrf_failure"
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", not (DEBUG or DEMO))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# Behind the TLS proxy a plain-HTTP request is sent to HTTPS; the health check (the proxy's own,
# over HTTP on the host) is not.
SECURE_SSL_REDIRECT = env_bool(
    "DJANGO_SECURE_SSL_REDIRECT", env_bool("DJANGO_BEHIND_TLS_PROXY", False) and not (DEBUG or DEMO)
)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if (DEBUG or DEMO) else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# The preload directive only makes the site eligible for browsers' HTTPS-only lists (the owner of
# the domain still chooses to submit it); without it `check --deploy` warns.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 31536000)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# How many proxies stand in front of the app: the client's address is that many entries from the
# right of X-Forwarded-For (casework.client_address). One behind the README's TLS proxy.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0, minimum=0)
X_FRAME_OPTIONS = "DENY"

# Login throttling keyed on username + address: a whole field office behind one address must not be
# locked out by one person's typos.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_CLIENT_IP_CALLABLE = "casework.client_address.client_ip"

OTP_TOTP_ISSUER = "casework"

# No page of casework uses a camera, a microphone, the location or payments: a script that got in
# could not either.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
# Arabic is for the families' pages; the staff pages offer English and Russian.
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("ar", _("Arabic"))]
STAFF_LANGUAGES = ("en", "ru")
LOCALE_PATHS = [BASE_DIR / "casework" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        # Sealed with CASEWORK_FILE_KEYS on the way in, opened on the way out (file_keys.py).
        "BACKEND": "casework.encrypted_storage.EncryptedFileSystemStorage",
        # Private files (photos, documents, imported lists) are never under a public URL: they are
        # served only by views that pass the access gate.
        "OPTIONS": {"location": env_str("CASEWORK_PRIVATE_ROOT", str(BASE_DIR / "private-media"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Background tasks (finding duplicates, large exports and imports). The database backend needs no
# other server: `manage.py db_worker` runs them (the demo starts one itself). Several app servers
# may share a Redis queue instead: CASEWORK_TASKS_BACKEND=rq with REDIS_URL, django-tasks-rq
# installed and `manage.py rqworker default` running (README: Background tasks).
TASKS_BACKEND = env_choice("CASEWORK_TASKS_BACKEND", "database", ("database", "rq", "immediate"))
if TASKS_BACKEND == "rq":
    _redis_url = env_str("REDIS_URL")
    if not _redis_url:
        raise ImproperlyConfigured("CASEWORK_TASKS_BACKEND=rq needs REDIS_URL.")
    import importlib.util

    if importlib.util.find_spec("django_tasks_rq") is None:
        raise ImproperlyConfigured(
            "CASEWORK_TASKS_BACKEND=rq needs django-tasks-rq: pip install django-tasks-rq==0.12.0"
        )
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db"), "django_rq")
    RQ_QUEUES = {"default": {"URL": _redis_url}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Pairs of persons "find duplicates" scores in one background run (about 1,000 a second): the
# first this many that share a name key, in key order; pairs already suggested are skipped.
CASEWORK_DUPLICATE_PAIRS = env_int("CASEWORK_DUPLICATE_PAIRS", 200_000, minimum=1000)
# A list import of more rows than this runs as a background job (matching them takes minutes).
CASEWORK_IMPORT_BACKGROUND_ROWS = env_int("CASEWORK_IMPORT_BACKGROUND_ROWS", 2000, minimum=1)

# The keys of the files at rest, kept outside the database (README: Security). The first key
# encrypts, all decrypt. Without them production refuses to serve (a deploy check) and no file is
# read or written; the demo and DEBUG make one key per install beside the project.
CASEWORK_FILE_KEYS = env_list("CASEWORK_FILE_KEYS", [])
CASEWORK_FILE_KEY_GENERATE = DEMO or DEBUG
CASEWORK_FILE_KEY_FILE = env_str(
    "CASEWORK_FILE_KEY_FILE", str(BASE_DIR / ".file-keys") if CASEWORK_FILE_KEY_GENERATE else ""
)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    # Deny by default; no Basic auth (a password alone, no second factor); JSON only (no
    # browsable API).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.api.authentication.PartnerTokenAuthentication",
        "casework.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["casework.api.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "casework.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "casework.api.throttling.AnonThrottle",
        "casework.api.throttling.UserThrottle",
    ],
    # refused_token: refused tokens a client address may send a minute (casework.api.throttling).
    "DEFAULT_THROTTLE_RATES": {
        "anon": "30/minute",
        "user": "600/minute",
        "refused_token": "20/minute",
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "casework.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    # Title, description (the guide) and version: casework.api.schema.document_api.
    "TITLE": "casework partner API",
    "VERSION": "1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "casework.api.schema.document_api",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "NameKindEnum": "casework.models.NameKind",
        "LocationKindEnum": "casework.models.LocationKind",
        "PlacementPrecisionEnum": "casework.models.locations.PLACEMENT_START_PRECISIONS",
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"
        if not env_str("CACHE_URL")
        else "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("CACHE_URL", "casework"),
    }
}

# The families' pages. Posts of the report form per address (a family fixing a refused form
# sends it again; a robot sends it fifty times a minute), wrong status secrets per address and
# over everyone, and the least time a person takes to fill the form.
PUBLIC_REPORT_RATE = env_rate("PUBLIC_REPORT_RATE", "20/h")
PUBLIC_STATUS_FAILURES_PER_ADDRESS = env_rate("PUBLIC_STATUS_FAILURES_PER_ADDRESS", "10/h")
PUBLIC_STATUS_FAILURES_ALL = env_rate("PUBLIC_STATUS_FAILURES_ALL", "500/h")
PUBLIC_FORM_MIN_SECONDS = env_int("PUBLIC_FORM_MIN_SECONDS", 3, minimum=0)
# Where "Leave quickly" goes: a neutral site that says nothing about who left.
PUBLIC_QUICK_EXIT_URL = env_str("PUBLIC_QUICK_EXIT_URL", "https://www.google.com/")
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "casework.client_address.ratelimit_ip"
RATELIMIT_VIEW = None

# Mail to families (their reference, never their secret). The demo prints mail on the console.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if (DEBUG or DEMO)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@localhost")

# Break-glass access lasts this long.
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 60, minimum=1)
# The home page's charts over time and by place are grouped counts over a year of status changes
# and every current placement: each user's are kept this long (0: read afresh on every view).
HOME_CHARTS_SECONDS = env_int("HOME_CHARTS_SECONDS", 120, minimum=0)
# Distinct records one person may open by break-glass in 24 hours.
BREAK_GLASS_PER_DAY = env_int("BREAK_GLASS_PER_DAY", 5, minimum=1)

# Retention schedules (casework.services.retention, `manage.py apply_retention`): closed cases
# are anonymised this many years after their last status change, reports set aside as spam are
# erased after this many days.
RETENTION_CLOSED_CASE_YEARS = env_int("RETENTION_CLOSED_CASE_YEARS", 5, minimum=1)
RETENTION_SPAM_REPORT_DAYS = env_int("RETENTION_SPAM_REPORT_DAYS", 90, minimum=1)
# A background job's file (an export) waits this many days for its download, then is erased.
RETENTION_JOB_FILE_DAYS = env_int("RETENTION_JOB_FILE_DAYS", 7, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "casework.logging.RequestIdFilter"},
        "scrub": {"()": "casework.logging.ScrubPersonalDataFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        # The request id first: the scrubber reduces the request a record carries to a string.
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "scrub"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    },
    "loggers": {
        # Django's request logger prints request bodies' context on errors: scrubbed like the rest.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# The audit trail's external copy (casework/models/audit_copy.py): every committed audit event as
# one JSON line, to a file (AUDIT_COPY_FILE, appended to; best on another disk or host) or to
# syslog (AUDIT_COPY_SYSLOG: /dev/log, or host:port over UDP). Required in production
# (`check --deploy`, casework.E001); `manage.py verify_audit --against FILE` compares.
AUDIT_COPY_FILE = env_str("AUDIT_COPY_FILE", "")
AUDIT_COPY_SYSLOG = env_str("AUDIT_COPY_SYSLOG", "")
_audit_copy_handlers = []
if AUDIT_COPY_FILE:
    LOGGING["handlers"]["audit_copy_file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": AUDIT_COPY_FILE,
        "encoding": "utf-8",
        "formatter": "audit_copy",
    }
    _audit_copy_handlers.append("audit_copy_file")
if AUDIT_COPY_SYSLOG:
    LOGGING["handlers"]["audit_copy_syslog"] = {
        "()": "casework.logging.syslog_handler",
        "address": AUDIT_COPY_SYSLOG,
        "formatter": "audit_copy",
    }
    _audit_copy_handlers.append("audit_copy_syslog")
LOGGING["formatters"]["audit_copy"] = {"format": "%(message)s"}
# Its own logger, never the console's: the lines are the trail, not diagnostics.
LOGGING["loggers"]["casework.audit.copy"] = {
    "handlers": _audit_copy_handlers,
    "level": "INFO",
    "propagate": False,
}
