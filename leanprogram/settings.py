"""Settings for leanprogram, read from the environment (see README, "Configuration")."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from leanprogram.env import (
    env_bool,
    env_int,
    env_list,
    env_origins,
    env_str,
    env_url,
    url_origin,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LEANPROGRAM_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

# Without DEBUG there is no default key. Commands that sign nothing (migrate, makemigrations,
# check) still run; the web server and the Celery worker refuse to start (leanprogram/wsgi.py,
# asgi.py, celery.py), and anything that signs raises Django's "SECRET_KEY must not be empty".
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    # Only for development: a fixed key keeps sessions across restarts of `make run`.
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin, with our AdminSite (pilots.admin_base): scoped per municipality.
    "leanprogram.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "leanprogram",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "pilots",
    "training",
    "plans",
    "followup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: a policy on a stylesheet or a script file would say nothing.
    "csp.middleware.CSPMiddleware",
    # Pages go out gzipped (a fifth of their size on a phone). After WhiteNoise, which sends its
    # own precompressed static files; Django pads each response against BREACH ("Heal The Breach")
    # and masks the CSRF token per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "leanprogram.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before the idle timeout, which may log the person out on the way in.
    "leanprogram.security.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "leanprogram.middleware.IdleTimeoutMiddleware",
    # After the idle timeout has ended what it ends, before anything that serves a page: a
    # session still owing its second factor goes nowhere else (leanprogram.two_factor).
    "leanprogram.two_factor.TwoFactorMiddleware",
    "leanprogram.middleware.HtmxLoginRedirectMiddleware",
    "leanprogram.middleware.DraftSavedMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leanprogram.urls"
WSGI_APPLICATION = "leanprogram.wsgi.application"

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
                "leanprogram.context_processors.navigation",
                "leanprogram.context_processors.session",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI; an SQLite file under var/ when DATABASE_URL is unset.
_database_url = env_url("DATABASE_URL", schemes={"postgres", "postgresql", "pgsql", "sqlite"})
if not _database_url:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database_url = f"sqlite:///{VAR_DIR / 'leanprogram.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        _database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    )
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# DATABASE_PGBOUNCER=1: the database is reached through PgBouncer in transaction mode, where a
# server connection is ours for one transaction only: no server-side cursors (`.iterator()`
# would keep one open across transactions) and no prepared statements (psycopg prepares a
# query it has run five times; PgBouncer before 1.21 cannot follow them).
if env_bool("DATABASE_PGBOUNCER", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
# DATABASE_POOL=1: each process keeps a psycopg pool of DATABASE_POOL_MAX_SIZE connections
# (README, "Scaling out"). Django's pool replaces persistent connections, so CONN_MAX_AGE is 0.
if env_bool("DATABASE_POOL", False):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOL=1 needs PostgreSQL (a postgres:// DATABASE_URL).")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2, minimum=0),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10, minimum=1),
        # A request waits this long for a free connection, then fails rather than hang.
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "pilots.auth.PersonBackend",
]

# Sessions: an absolute lifetime and an idle timeout, both in seconds.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 60 * 60, minimum=60)
# How often a board in the wall-screen view (logged in, or through a screen link) fetches itself.
BOARD_REFRESH_SECONDS = env_int("BOARD_REFRESH_SECONDS", 60, minimum=5)
PASSWORD_RESET_TIMEOUT = 3 * 3600
# How long an invitation to create a login stays open; sending it again starts the time anew.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14, minimum=1)

# Login throttling by username and client address together, so a stranger who guesses a
# username from elsewhere cannot lock its owner out; the lock lifts by itself after
# AXES_COOLOFF_MINUTES, and a completed password reset or change lifts it at once. The same
# backend guards the admin's login (it authenticates through AUTHENTICATION_BACKENDS too).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "leanprogram.login.lockout_response"
# How many reverse proxies in front of the site append to X-Forwarded-For: the client address
# is the one the outermost of them saw (leanprogram.login.client_ip_address). 0 reads
# REMOTE_ADDR only, and the header, which anyone can send, is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "leanprogram.login.client_ip_address"
AXES_VERBOSE = False

# A second factor (an authenticator app) for administrators, staff users, lean coordinators and
# lean guides (leanprogram.two_factor). On unless DEBUG: the demo's logins (`make run`, lean-demo)
# must work without a phone, and a developer can still turn it on to try it. Production, where
# DEBUG is off, has it unless someone turns it off on purpose.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = "leanprogram"

# Language and time: bokmål first, Norwegian time, ISO weeks in the interface.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("nn", _("Norwegian Nynorsk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
FORMAT_MODULE_PATH = ["leanprogram.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# WhiteNoise warns at start when the folder is missing; the default one under var/ is ours to make.
if "STATIC_ROOT" not in os.environ:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: SMTP in production; tests and development use Django's locmem, console or file backends.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "leanprogram <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The public address of the site, for links in e-mails sent by Celery (no request there).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Celery: Redis when REDIS_URL is set; otherwise Kombu's filesystem transport under var/, so a
# worker and beat run on a laptop with no server at all.
REDIS_URL = env_url("REDIS_URL", schemes={"redis", "rediss"})
BROKER_SOCKET_TIMEOUT_SECONDS = 2
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Claims on reminder rows expire after 10 minutes; the broker must redeliver an unacked
        # message later than every retry of a send task finishes.
        "visibility_timeout": 3600,
        # A frozen Redis still accepts connections and then never answers: without these a
        # publish from a web request waits forever. Above the worker's 1 s BRPOP timeout, so
        # an idle worker's blocking read never times out.
        "socket_connect_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
        "socket_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Kombu puts its broadcast (control) files in ./control unless told otherwise.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # Kombu does not create its folders, and a fresh checkout has none: without them the first
    # task queued (a test, `make run`) would fail.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_SOCKET_TIMEOUT_SECONDS
# Tasks are queued from web requests after commit: against a broker that is down, try twice
# briefly and give up (the caller logs it) rather than hold the request for Celery's default
# four tries.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A fixed interval, not a local-time crontab: the sweep itself works out what is due in
# Europe/Oslo, so summer time changes neither double nor skip a reminder.
REMINDER_SWEEP_SECONDS = env_int("REMINDER_SWEEP_SECONDS", 300, minimum=10)
CELERY_BEAT_SCHEDULE = {
    "reminder-sweep": {
        "task": "followup.tasks.sweep_reminders",
        "schedule": REMINDER_SWEEP_SECONDS,
        "options": {"expires": REMINDER_SWEEP_SECONDS},
    },
    # Daily; the rules compare dates months apart, so the hour does not matter.
    "apply-retention": {
        "task": "leanprogram.privacy.tasks.apply_retention",
        "schedule": 24 * 3600,
        "options": {"expires": 12 * 3600},
    },
}

# Privacy: what the retention task keeps beyond the per-programme settings (on Programme).
# Login and lock-out logs (django-axes, with IP addresses) are deleted after this many days.
AXES_LOG_RETENTION_DAYS = env_int("AXES_LOG_RETENTION_DAYS", 90, minimum=1)
# Expired sessions are deleted this many days after they expired (0: at the next run).
EXPIRED_SESSION_RETENTION_DAYS = env_int("EXPIRED_SESSION_RETENTION_DAYS", 0, minimum=0)

# Security: production defaults; DEBUG relaxes what would block plain-HTTP development.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Not a Django setting: sent by leanprogram.security.SecurityHeadersMiddleware, with the
# Permissions-Policy and, to logged-in people, Cache-Control: no-store.
SECURE_CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# Every cookie Secure (off only for plain-HTTP development), HttpOnly and SameSite=Lax. The CSRF
# token reaches scripts through the page (the hidden field, <body data-hx-headers>), never the
# cookie. The one exception is DraftSavedMiddleware's lean_draft_saved (a random token with no
# meaning outside the browser), which drafts.js reads and deletes, so it cannot be HttpOnly.
# Django's message cookie follows the SESSION_COOKIE_* flags.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content Security Policy (django-csp): scripts and styles from our own static files only, no
# inline <script>, style="" or on*= handlers anywhere (tests/test_security_headers.py scans the
# templates), no eval (htmx runs with allowEval off: <meta name="htmx-config"> in base.html).
# Inline SVG (the logo, the charts) needs nothing; img-src allows data: for the empty favicon.
# form-action also limits where a form's POST may be redirected (browsers check the redirect):
# the logout form's POST ends at the identity provider after an OIDC login, so the issuer's origin
# is added in the OIDC block below; another origin (a provider whose end-session endpoint lives
# elsewhere) goes in CSP_EXTRA_FORM_ACTION (comma-separated, e.g. https://login.kommune.no).
CSP_EXTRA_FORM_ACTION = env_origins("CSP_EXTRA_FORM_ACTION", allow_http=DEBUG)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF, *CSP_EXTRA_FORM_ACTION],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # django-axes logs every successful login at INFO; failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
        # At DEBUG a template's missing variable is logged with the whole context, names and
        # addresses included: never, whatever LOG_LEVEL says.
        "django.template": {"level": "INFO"},
        # fpdf2 subsets the PDF reports' font with fontTools, which logs every table it prunes.
        "fontTools": {"level": "WARNING"},
    },
}

# --- Reminders (followup app) -------------------------------------------------------------------
# A claim on a reminder row that no send task has finished within this time is taken again by the
# next sweep: a worker that died holding it cannot keep the reminder back for longer.
REMINDER_CLAIM_TIMEOUT_SECONDS = env_int("REMINDER_CLAIM_TIMEOUT_SECONDS", 600, minimum=60)
if REMINDER_CLAIM_TIMEOUT_SECONDS > 600:
    raise ImproperlyConfigured("REMINDER_CLAIM_TIMEOUT_SECONDS must be at most 600 (10 minutes).")
# Tries per reminder when the SMTP server fails, and the first wait; each wait doubles. The row
# waits in the database (not as an ETA message), and all waits together stay below the Redis
# visibility timeout so no retry ever outlives a broker redelivery window.
REMINDER_SEND_ATTEMPTS = env_int("REMINDER_SEND_ATTEMPTS", 4, minimum=1)
REMINDER_RETRY_BASE_SECONDS = env_int("REMINDER_RETRY_BASE_SECONDS", 300, minimum=1)
if REMINDER_RETRY_BASE_SECONDS * (2 ** (REMINDER_SEND_ATTEMPTS - 1) - 1) >= 3600:
    raise ImproperlyConfigured(
        "REMINDER_SEND_ATTEMPTS and REMINDER_RETRY_BASE_SECONDS: all retries together must take "
        "less than an hour (the broker's visibility timeout)."
    )
# The queue the send tasks go to; empty means Celery's default queue.
REMINDER_TASK_QUEUE = env_str("REMINDER_TASK_QUEUE") or None

# --- OIDC: login through the municipality's identity provider (pilots/oidc.py) ------------------
# Off while OIDC_ISSUER is unset. The provider is found by discovery from the issuer
# (`<issuer>/.well-known/openid-configuration`); register `<SITE_URL>/oidc/callback/` as its
# redirect URI and `<SITE_URL>/accounts/login/` as its post-logout redirect URI.
OIDC_ISSUER = (env_url("OIDC_ISSUER", schemes={"https", "http"}) or "").rstrip("/")
OIDC_ENABLED = bool(OIDC_ISSUER)
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
if OIDC_ENABLED and not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be.")
if OIDC_ISSUER.startswith("http://") and not DEBUG:
    raise ImproperlyConfigured("OIDC_ISSUER must be an https:// URL when DEBUG is off.")
OIDC_RP_SCOPES = " ".join(env_list("OIDC_SCOPES", ["openid", "email", "profile"]))
# The name on the button, "Log in with <name>"; empty: "Log in with your work account".
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME")
# The claim holding the person's work e-mail. `email` counts only with `email_verified` true;
# for Microsoft Entra ID use `preferred_username` (or `upn`), which the tenant itself sets.
OIDC_EMAIL_CLAIM = env_str("OIDC_EMAIL_CLAIM", "email")
# Only people of this municipality (its short name) log in through the provider; empty: anyone
# whose e-mail matches exactly one person.
OIDC_MUNICIPALITY = env_str("OIDC_MUNICIPALITY")
# Make a person (in OIDC_MUNICIPALITY) for an e-mail that matches nobody. Off: such a login is
# refused and nothing is made.
OIDC_CREATE_PERSONS = env_bool("OIDC_CREATE_PERSONS", False)
if OIDC_CREATE_PERSONS and not OIDC_MUNICIPALITY:
    raise ImproperlyConfigured("OIDC_CREATE_PERSONS needs OIDC_MUNICIPALITY, where they are made.")
# The provider asks for a second factor itself, so leanprogram's own is not asked for again
# after a login through it (leanprogram's two-factor step reads this).
OIDC_ENFORCES_MFA = env_bool("OIDC_ENFORCES_MFA", False)
# `all`: the password form works for everyone; `superusers-only`: only for break-glass
# administrators (superusers), everyone else logs in through the provider.
LOCAL_LOGIN = env_str("LOCAL_LOGIN", "all")
if LOCAL_LOGIN not in {"all", "superusers-only"}:
    raise ImproperlyConfigured(f"LOCAL_LOGIN must be all or superusers-only; got {LOCAL_LOGIN!r}.")
if LOCAL_LOGIN == "superusers-only" and not OIDC_ENABLED:
    raise ImproperlyConfigured("LOCAL_LOGIN=superusers-only needs OIDC_ISSUER.")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
# For mozilla-django-oidc: PKCE, nonce and state on every login; our views and backend do the rest.
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
AUTHENTICATION_BACKENDS += ["pilots.oidc.PersonOIDCBackend"]
# Logging out after an OIDC login answers the logout form's POST with a redirect to the provider
# (views_oidc.logout_view); the Content-Security-Policy's form-action must let it through.
if OIDC_ENABLED:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(url_origin(OIDC_ISSUER))
