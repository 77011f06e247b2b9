"""The portal's only settings file.

Every setting comes from an environment variable with a default that is safe for the
demo (SQLite, eager Celery, messages kept in the demo inbox). PORTAL_ENV=production
turns on the secure defaults and refuses to start without real secrets; see
docs/operations.md for the full list.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PORTAL_ENV = env("PORTAL_ENV", "demo")
if PORTAL_ENV not in {"demo", "production"}:
    raise ImproperlyConfigured("PORTAL_ENV must be 'demo' or 'production'")
PRODUCTION = PORTAL_ENV == "production"
DEBUG = env_bool("DEBUG", False)
# The demo inbox page and demo accounts exist only in the demo.
DEMO_MODE = env_bool("DEMO_MODE", not PRODUCTION)
if PRODUCTION and DEMO_MODE:
    raise ImproperlyConfigured("DEMO_MODE cannot be on in production")

VAR_DIR = Path(env("PORTAL_VAR_DIR", str(BASE_DIR / "var")))


def _demo_secret(filename: str, nbytes: int) -> str:
    """A per-checkout random secret kept in var/, so no secret is ever committed."""
    if PRODUCTION:
        raise ImproperlyConfigured(f"{filename} must be set from the environment in production")
    path = VAR_DIR / "keys" / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY") or _demo_secret("secret_key", 50)

# Keys for data encrypted at rest (AES-256-GCM). Format: "id:base64key,id:base64key";
# the first is used to encrypt, all are tried to decrypt (rotation without downtime).
OUTBOX_KEYS = env("OUTBOX_KEYS")
OUTBOX_KEY_FILE = env("OUTBOX_KEY_FILE", "" if PRODUCTION else str(VAR_DIR / "keys" / "outbox.keys"))
# The Aadhaar vault: encryption keys (rotatable) and the blind-index key (kept apart).
VAULT_KEYS = env("VAULT_KEYS")
VAULT_KEY_FILE = env("VAULT_KEY_FILE", "" if PRODUCTION else str(VAR_DIR / "keys" / "vault.keys"))
VAULT_INDEX_KEY = env("VAULT_INDEX_KEY")
VAULT_INDEX_KEY_FILE = env("VAULT_INDEX_KEY_FILE", "" if PRODUCTION else str(VAR_DIR / "keys" / "vault-index.key"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "portal.audit",
    "portal.directory",
    "portal.notify",
    "portal.vault",
    "portal.accounts",
    "portal.ddo",
    "portal.enrolment",
    "portal.cards",
    "portal.reports",
    "portal.synthetic",
    "portal.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.web.middleware.IdleSessionMiddleware",
    "portal.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.web.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.web.context.portal",
            ],
        },
    },
]

# --- Databases, cache and sessions (several web nodes: docs/deployment.md) ----------------
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 5)  # seconds; a dead server fails fast, not after minutes
# PostgreSQL's parallel workers per query (its own default is 2). Pages gain nothing from them on
# a busy server: a state-wide card name search cost 47 ms of the machine's CPU with them and
# 32 ms without, and took longer (docs/benchmarks.md, finding 19). -1: leave the server's setting.
DB_PARALLEL_WORKERS_PER_QUERY = env_int("DB_PARALLEL_WORKERS_PER_QUERY", 0)


def _database(url: str) -> dict:
    config = dj_database_url.parse(
        url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        # Persistent connections are checked before reuse, so a restarted or failed-over
        # server costs one reconnect rather than an error page.
        conn_health_checks=PRODUCTION,
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})["connect_timeout"] = DB_CONNECT_TIMEOUT
        if DB_PARALLEL_WORKERS_PER_QUERY >= 0:
            config["OPTIONS"]["options"] = f"-c max_parallel_workers_per_gather={DB_PARALLEL_WORKERS_PER_QUERY}"
    return config


DATABASES = {"default": _database(env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; a short busy timeout keeps the demo from
    # failing when the web process and an eager task write at the same moment.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# A read replica for reports and dashboards (portal/replica.py); none in the demo.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["portal.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared cache (rate limits, cached dropdowns) must be one Redis for all web nodes;
# without one each process counts on its own, which is fine only for the demo.
REDIS_URL = env("REDIS_URL")
CACHE_URL = env("CACHE_URL", REDIS_URL)
CACHE_TIMEOUT_SECONDS = float(env("CACHE_TIMEOUT_SECONDS", "2"))  # a stuck Redis must not hang every page


def _redis_cache(url: str, prefix: str = "", *, tolerant: bool = False) -> dict:
    return {
        # tolerant: pages carry on through a Redis outage without what this cache holds (portal/cache.py)
        "BACKEND": "portal.cache.TolerantRedisCache" if tolerant else "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "sects") + prefix,
        "OPTIONS": {"socket_connect_timeout": CACHE_TIMEOUT_SECONDS, "socket_timeout": CACHE_TIMEOUT_SECONDS},
    }


if CACHE_URL:
    CACHES = {"default": _redis_cache(CACHE_URL, tolerant=True)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions: "db" (the default; every node reads the same table), "cache" (Redis only: no
# database write at log-in or renewal; a Redis restart without persistence logs everyone
# out) or "cached_db" (read from Redis, written through to the database).
SESSION_STORE = env("SESSION_STORE", "db")
_SESSION_ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}
if SESSION_STORE not in _SESSION_ENGINES:
    raise ImproperlyConfigured("SESSION_STORE must be 'db', 'cache' or 'cached_db'")
SESSION_ENGINE = _SESSION_ENGINES[SESSION_STORE]
if SESSION_STORE != "db":
    session_cache_url = env("SESSION_CACHE_URL", CACHE_URL)
    if not session_cache_url:
        raise ImproperlyConfigured(f"SESSION_STORE={SESSION_STORE} needs a shared Redis: set SESSION_CACHE_URL or CACHE_URL")
    # Their own alias (and ideally their own Redis database), so clearing the cache of rate
    # limits does not log everyone out.
    CACHES["sessions"] = _redis_cache(session_cache_url, "-sessions")
    SESSION_CACHE_ALIAS = "sessions"

AUTH_USER_MODEL = "accounts.User"
# Sessions only; log-in itself goes through accounts.services.authenticate_officer (lockout, audit).
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "portal.accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Argon2id cost; the defaults are Django's. The test suite lowers them to stay fast.
ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 2)
ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 102400)  # KiB
ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 8)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "name_en", "email", "mobile")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
LOGIN_RATE_PER_IP = env_int("LOGIN_RATE_PER_IP", 30)  # attempts per 10 minutes from one address

# Thirty minutes idle ends a session. portal.web.middleware.IdleSessionMiddleware renews
# the expiry at most once a minute (a database write), not on every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "hi"
LANGUAGES = [("hi", _("Hindi")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION

# Scans, photos and PDFs: never under a public URL; served by permission-checked views.
# MEDIA_STORAGE=filesystem (default): PRIVATE_MEDIA_ROOT, a volume shared by every web node
# and worker (NFS) when there are several. MEDIA_STORAGE=s3: a private bucket on an
# S3-compatible store (MinIO, Ceph, a cloud's object store); files are read by the portal
# with its own keys and streamed through the same permission-checked views.
MEDIA_STORAGE = env("MEDIA_STORAGE", "filesystem")
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
if MEDIA_STORAGE == "filesystem":
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }
elif MEDIA_STORAGE == "s3":
    from botocore.config import Config as _BotoConfig

    if not env("S3_BUCKET"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET")
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "location": env("S3_PREFIX", "private"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,  # unset for AWS itself
            "region_name": env("S3_REGION") or None,
            # Unset keys: boto3's own chain (instance role, AWS_* variables, ~/.aws).
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "addressing_style": env("S3_ADDRESSING_STYLE") or None,  # "path" for most MinIO set-ups
            "verify": env("S3_CA_BUNDLE") or None,  # the agency's CA for an on-premises store
            "signature_version": "s3v4",
            # No ACL header: the bucket blocks public access and owns every object. No
            # public URL is ever handed out; url() would only give a 60-second signed one.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "object_parameters": (
                {"ServerSideEncryption": env("S3_SERVER_SIDE_ENCRYPTION")} if env("S3_SERVER_SIDE_ENCRYPTION") else {}
            ),
            "client_config": _BotoConfig(
                connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }
else:
    raise ImproperlyConfigured("MEDIA_STORAGE must be 'filesystem' or 's3'")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
SCAN_MAX_BYTES = env_int("SCAN_MAX_BYTES", 5 * 1024 * 1024)
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 8 * 1024 * 1024)  # before the portal shrinks it to ≤ 200 KB
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)

# Security headers. HSTS and HTTPS redirects only in production, where TLS ends at nginx.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # the scan view alone allows same-origin framing (review page)
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env_bool("BEHIND_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Client address for the audit log and rate limits: trust X-Forwarded-For only behind nginx.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if PRODUCTION else 0)

# Celery: eager (in-process) unless a worker is deployed.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", not PRODUCTION)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Safety net: anything the broker lost or a worker dropped is picked up again.
    "notify-sweep-outbox": {"task": "portal.notify.tasks.sweep_outbox", "schedule": 60.0},
    # Cards for newly verified beneficiaries, and card changes that follow family changes.
    "cards-issue-sweep": {"task": "portal.cards.tasks.issue_cards_sweep", "schedule": 300.0},
    # The same for every verified family, whatever changed it (the frequent one sees only the
    # families changed in its window): at night, when it reads the whole state undisturbed.
    "cards-issue-sweep-full": {"task": "portal.cards.tasks.issue_cards_sweep", "kwargs": {"full": True},
                               "schedule": crontab(hour=2, minute=40)},
    # Print batches a worker dropped are resumed (each resumes where it stopped).
    "cards-resume-batches": {"task": "portal.cards.tasks.resume_stalled_batches", "schedule": 600.0},
    # Freezes the figures of every fortnight that has ended and has no snapshot yet
    # (hourly, so a scheduler that was down at midnight catches up).
    "reports-freeze-fortnights": {"task": "portal.reports.tasks.freeze_due_snapshots", "schedule": crontab(minute=5)},
    # The state-wide live count behind every dashboard, counted again while people look at it
    # (portal/reports/statewide.py).
    "reports-keep-statewide-counts": {"task": "portal.reports.tasks.keep_statewide_counts", "schedule": 60.0},
    # Reminders to DDOs/TOs with old pending applications; weekly digest to district officers.
    "reports-pending-reminders": {"task": "portal.reports.tasks.send_pending_reminders",
                                  "schedule": crontab(hour=10, minute=30)},
    "reports-weekly-digest": {"task": "portal.reports.tasks.send_weekly_digests",
                              "schedule": crontab(hour=9, minute=45, day_of_week="mon")},
    # Ended sessions out of the session table (sessions live 30 minutes).
    "web-clear-expired-sessions": {"task": "portal.web.tasks.clear_expired_sessions", "schedule": crontab(minute=17)},
}

# Messages. Backends: "demo" (kept in the demo inbox), "console", "http" (SMS gateway),
# "smtp" (email through Django's mail settings), "locmem" (tests).
SMS_BACKEND = env("SMS_BACKEND", "demo" if DEMO_MODE else "http")
EMAIL_CHANNEL_BACKEND = env("EMAIL_CHANNEL_BACKEND", "demo" if DEMO_MODE else "smtp")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN")
SMS_SENDER_ID = env("SMS_SENDER_ID", "UPSECT")
SMS_DLT_ENTITY_ID = env("SMS_DLT_ENTITY_ID", "1101000000000000000")
# The agency's registered DLT template ids, JSON: {"otp": {"hi": "...", "en": "..."}, ...}
SMS_DLT_TEMPLATE_IDS = env("SMS_DLT_TEMPLATE_IDS", "{}")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP send may take: bounds how long a worker holds a claimed message (notify/delivery.py).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "no-reply@sects.up.gov.in")
SUPPORT_EMAIL = env("SUPPORT_EMAIL", "sects-support@up.gov.in")
HELPLINE = env("HELPLINE", "1800-180-0000")
STATE_CELL_ADDRESS = env(
    "STATE_CELL_ADDRESS",
    "State Cell, SACHIS, 5th Floor, Navchetna Kendra, 10 Ashok Marg, Lucknow 226001",
)

# --- State Health Cards (portal.cards) ---------------------------------------------------
# Ed25519 keys that sign the cards' QR codes: "id:base64(32-byte private seed),..." or a key
# file (one "id:base64" per line). The first signs; every key's public half stays published
# at /cards/keys/ so cards signed before a rotation still verify offline.
CARD_SIGNING_KEYS = env("CARD_SIGNING_KEYS")
CARD_SIGNING_KEY_FILE = env("CARD_SIGNING_KEY_FILE", "" if PRODUCTION else str(VAR_DIR / "keys" / "card-signing.keys"))
CARD_BATCH_PART_SIZE = env_int("CARD_BATCH_PART_SIZE", 500)  # card faces per PDF file of a print batch
CARD_ISSUE_SWEEP_LIMIT = env_int("CARD_ISSUE_SWEEP_LIMIT", 2000)  # families brought up to date per sweep run
CARD_ISSUE_SWEEP_WINDOW_MINUTES = env_int("CARD_ISSUE_SWEEP_WINDOW_MINUTES", 60)  # the 5-minute sweep's look back
CARD_VERIFY_RATE_PER_IP = env_int("CARD_VERIFY_RATE_PER_IP", 120)  # card checks per network address per hour

# --- Monitoring and reports (portal.reports) ---------------------------------------------
REMINDER_PENDING_DAYS = env_int("REMINDER_PENDING_DAYS", 15)  # remind DDOs/TOs of applications older than this
REMINDER_QUIET_HOURS = env("REMINDER_QUIET_HOURS", "21-8")  # no reminders from 21:00 to 08:00 IST
# Live monitoring figures (every scope) come from one state-wide count per period kept this
# many seconds per process (0: count every time, as the demo and the tests do, so what was
# just done shows at once).
REPORTS_LIVE_CACHE_SECONDS = env_int("REPORTS_LIVE_CACHE_SECONDS", 0 if DEMO_MODE else 120)
# The print-batch page's preview (cards ready, families without cards) is kept this many
# seconds in the shared cache (0: counted on every view; see portal/cards/preview.py).
CARD_PREVIEW_SECONDS = env_int("CARD_PREVIEW_SECONDS", 0 if DEMO_MODE else 120)

# One-time passwords.
OTP_VALID_MINUTES = 10
OTP_MAX_ATTEMPTS = 5
OTP_RESEND_SECONDS = 60
OTP_HOURLY_CAP = env_int("OTP_HOURLY_CAP", 10)
OTP_RATE_PER_IP = env_int("OTP_RATE_PER_IP", 30)  # OTPs requested from one address per hour

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
        "celery.app.trace": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},  # "no hostname" for the in-memory broker of the demo
    },
}
