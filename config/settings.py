"""Settings for development and the demo. Production: config.settings_production; the tests:
config.settings_test.

Importing this module changes nothing on disk (config.home.prepare does, when a process
starts). Nothing here reads a setting at import time of an app; every value comes from the
environment with a safe default for a single-machine pilot.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from config.home import stored_secret_key, var_dir
from config.storage import documents_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = var_dir()
IKAZE_HOME = VAR_DIR.parent

# Read, never written, here: config.home.prepare() makes the key and the folders.
SECRET_KEY = stored_secret_key(VAR_DIR)
DEBUG = os.environ.get("IKAZE_DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    h
    for h in os.environ.get("IKAZE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("IKAZE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "ikaze.core",
    "ikaze.accounts",
    "ikaze.audit",
    "ikaze.agreements",
    "ikaze.people",
    "ikaze.intake",
    "ikaze.vetting",
    "ikaze.documents",
    "ikaze.movements",
    "ikaze.reception",
    "ikaze.support",
    "ikaze.privacy",
    "ikaze.protection",
    "ikaze.reports",
    "config",  # the composition root: `ikaze demo` wires every app (config/management)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, so static files keep their cache lifetimes.
    "ikaze.core.middleware.NoStoreMiddleware",
    # Before anything reads a body (sessions, CSRF, views): 413 for a body over the limit.
    "ikaze.core.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Every read of a monitor is logged (SAFEGUARDS C1): outside ActorMiddleware, so it sees the
    # actor of a session or a token once the response is made.
    "ikaze.audit.middleware.ReadAuditMiddleware",
    "ikaze.accounts.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ikaze.accounts.context.shell",
            ],
        },
    }
]

# --- database ------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "ikaze.sqlite3"
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            # Keep the connection (and its PRAGMAs) across requests, as for PostgreSQL.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                # IMMEDIATE: a writer takes the lock when its transaction begins, which also
                # serialises the audit chain (audit/services.py).
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                # cache_size: up to 128 MiB of pages per connection (the default 2 MiB makes
                # a bulk import into a registry of a million people re-read its indexes from
                # the OS for every row); it grows only as pages are read.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; "
                    "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;"
                ),
            },
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's (with the fast path: the user read with their memberships in one query).
    "ikaze.accounts.backends.ModelBackend",
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
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = int(os.environ.get("IKAZE_LOGIN_FAILURE_LIMIT", "5"))
# Issue 9 item 9: failures count per (username, client) together, so nobody can lock a named
# officer out from elsewhere; the cool-off grows with each lock-out (ikaze/accounts/lockout.py).
AXES_COOLOFF_TIME = "ikaze.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ikaze.accounts.views.locked_out"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Ikaze"

# Django's database sessions (ikaze/accounts/sessions.py).
SESSION_ENGINE = "ikaze.accounts.sessions"
# The signed-in request's fast path (docs/adr/0013-request-fast-path.md): "0" for Django's
# own session store, backend and ORM reads.
IKAZE_FAST_REQUEST_PATH = os.environ.get("IKAZE_FAST_REQUEST_PATH", "1") != "0"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

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
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- i18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("rw", "Ikinyarwanda")]
LOCALE_PATHS = [BASE_DIR / "ikaze" / "locale"]
# Date and number formats for Kinyarwanda, which Django does not ship (ikaze/locale/rw/formats.py).
FORMAT_MODULE_PATH = ["ikaze.locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
IKAZE_RECEIVING_TIME_ZONE = os.environ.get("IKAZE_RECEIVING_TIME_ZONE", "Africa/Kigali")
# SAFEGUARDS F2/F3 (ikaze/vetting/lateness.py): a fact recorded more than this many days after
# it took effect is flagged to the monitor; a notice's service recorded more than this many
# hours after it happened needs a second officer's confirmation before it counts.
IKAZE_LATE_FACT_DAYS = int(os.environ.get("IKAZE_LATE_FACT_DAYS", "7"))
IKAZE_LATE_SERVICE_HOURS = int(os.environ.get("IKAZE_LATE_SERVICE_HOURS", "48"))
# SAFEGUARDS C3: the public statistics hide any group smaller than this (at least 5; a check
# refuses less). ikaze/reports/disclosure.py, ADR 0029.
IKAZE_DISCLOSURE_THRESHOLD = int(os.environ.get("IKAZE_DISCLOSURE_THRESHOLD", "5"))

# --- static and files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# whitenoise serves from finders in development; an existing (even empty) root keeps it quiet
# (config.home.prepare makes it).
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Uploaded documents (ADR 0017): var/documents under IKAZE_HOME, or an S3-compatible
    # bucket with IKAZE_DOCUMENT_STORAGE=s3 (config/storage.py lists the variables).
    "documents": documents_storage(os.environ, VAR_DIR),
}
# The largest document accepted (bytes); also bounded by IKAZE_UPLOAD_MAX_BYTES, the body limit.
IKAZE_DOCUMENT_MAX_BYTES = int(os.environ.get("IKAZE_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
WHITENOISE_USE_FINDERS = True
# The largest body of a form or an API call (a manifest: IKAZE_UPLOAD_MAX_BYTES); bigger ones
# are answered 413 before they are read (ikaze.core.middleware.RequestLimitsMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The audit checkpoints' Ed25519 key (ikaze.audit.signing, ADR 0007): IKAZE_AUDIT_SIGNING_KEY,
# or this file (default var/audit-signing.key, created on first use outside production).
IKAZE_AUDIT_KEY_FILE = os.environ.get("IKAZE_AUDIT_KEY_FILE", "")
# The state Ikaze runs in: an export to anyone elsewhere needs a legal basis (SAFEGUARDS D2).
IKAZE_RECEIVING_STATE = os.environ.get("IKAZE_RECEIVING_STATE", "RW").upper()
# Retention per data category, in days (SAFEGUARDS D4; ikaze.privacy.retention, `ikaze privacy
# purge`). The defaults keep B7's five years of monitoring after a final decision and more.
IKAZE_RETENTION_DAYS = {
    "sensitive_data": int(os.environ.get("IKAZE_RETENTION_SENSITIVE_DAYS", str(10 * 365))),
    "request_detail": int(os.environ.get("IKAZE_RETENTION_REQUEST_DAYS", str(3 * 365))),
}
# The master keys of sensitive values (ikaze.privacy.keyring, ADR 0027): IKAZE_DATA_KEYS
# (with IKAZE_DATA_KEY_ACTIVE), or this file (default var/data-keys.json, created on first use
# outside production).
IKAZE_DATA_KEY_FILE = os.environ.get("IKAZE_DATA_KEY_FILE", "")
# A signed checkpoint every this many events (0: only `ikaze audit checkpoint` and exports).
IKAZE_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("IKAZE_AUDIT_CHECKPOINT_EVERY", "1000"))
IKAZE_UPLOAD_MAX_BYTES = int(os.environ.get("IKAZE_UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
# The wall-clock limit of one manifest import (docs/intake-format.md, ADR 0015).
IKAZE_INTAKE_MAX_SECONDS = int(os.environ.get("IKAZE_INTAKE_MAX_SECONDS", "1200"))

# Support payments (issue 14). Providers by name (ikaze.support.providers.base.provider_for);
# the demo points MoMo at its local simulator. eKash limits: 2,000,000 RWF per transfer and a
# daily limit per payee; a sender holds a batch for a lease it renews while it works.
IKAZE_PAYMENT_PROVIDERS: dict[str, dict[str, object]] = {
    "momo": {
        "base_url": os.environ.get("IKAZE_MOMO_URL", "http://127.0.0.1:8765"),
        "api_user": os.environ.get("IKAZE_MOMO_API_USER", "ikaze"),
        "api_key": os.environ.get("IKAZE_MOMO_API_KEY", "ikaze-local"),
        "subscription_key": os.environ.get("IKAZE_MOMO_SUBSCRIPTION_KEY", "ikaze-local"),
        "target_environment": os.environ.get("IKAZE_MOMO_ENVIRONMENT", "sandbox"),
        "timeout": float(os.environ.get("IKAZE_MOMO_TIMEOUT", "10")),
    },
}
IKAZE_SUPPORT_TRANSFER_LIMIT_MINOR = int(os.environ.get("IKAZE_SUPPORT_TRANSFER_LIMIT", "2000000"))
IKAZE_SUPPORT_DAILY_PAYEE_LIMIT_MINOR = int(
    os.environ.get("IKAZE_SUPPORT_DAILY_PAYEE_LIMIT", "4000000")
)
IKAZE_SUPPORT_LEASE_SECONDS = float(os.environ.get("IKAZE_SUPPORT_LEASE_SECONDS", "120"))
IKAZE_SUPPORT_SEND_WORKERS = int(os.environ.get("IKAZE_SUPPORT_SEND_WORKERS", "16"))

# --- jobs ----------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("IKAZE_LOG_LEVEL", "WARNING")},
}

# Lock-out is per (username, address) on purpose: per address alone would lock a whole office
# behind one NAT out because of one person; per username alone lets anyone lock a named officer
# out (issue 9 item 9).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
