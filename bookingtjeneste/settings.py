"""Settings for Bookingtjeneste: one module, everything read from the environment.

Unset DATABASE_URL -> SQLite (the embedded default); unset REDIS_URL -> Celery tasks run
in-process. A provider without credentials runs in console mode (see notifications/, payments/).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# The default key only exists so that `make run` and the tests work out of the box;
# `check --deploy` flags it (security.W009) and production sets SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-key-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "accounts",
    "bookings",
    "payments",
    "notifications",
    "privacy",
    "calendars",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bookingtjeneste.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses pages and API responses (WhiteNoise above serves static files pre-compressed).
    # Before every middleware that reads or changes the body. BREACH: the CSRF token is masked
    # anew per request and Django's gzip adds random padding bytes, so HTML stays compressed.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bookingtjeneste.middleware.RejectNulBytesMiddleware",
    "bookingtjeneste.unavailable.DatabaseUnavailableMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "privacy.middleware.ConsentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.RequireMFAForStaffMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bookingtjeneste.urls"
WSGI_APPLICATION = "bookingtjeneste.wsgi.application"
ASGI_APPLICATION = "bookingtjeneste.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "bookingtjeneste.context_processors.site",
            ],
            # The project package is no installed app; its one tag library, the NOK filter.
            "libraries": {"money": "bookingtjeneste.templatetags.money"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers, which is what makes the overlap check
    # inside booking_create safe on SQLite (PostgreSQL uses an exclusion constraint).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction mode a server connection changes hands between
    # transactions, so no server-side cursors (QuerySet.iterator). Prepared statements are
    # already off: Django's psycopg backend binds client-side unless told otherwise.
    if env("DATABASE_POOL_MODE", default="session") == "transaction":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="bt"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Oslo"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Every periodic job, in this one place. Periodic work claims rows from the database (due_at
# columns), never far-future ETA tasks. Entries name tasks by their registered names.
CELERY_BEAT_SCHEDULE = {
    "bookings-expire-holds": {
        "task": "bookings.tasks.expire_payment_holds",
        "schedule": timedelta(minutes=1),
    },
    "notifications-relay": {
        "task": "notifications.tasks.relay_outbox",
        "schedule": timedelta(minutes=1),
    },
    # Every retention rule, contact-form copies included (rule `contact_messages`, set by the
    # DPO): they have no entry of their own.
    "privacy-nightly-sweep": {
        "task": "privacy.tasks.run_retention_sweep",
        "schedule": crontab(hour=3, minute=15),
    },
    # Payments whose webhook never came, refunds stuck at the provider.
    "payments-sweep-open-payments": {
        "task": "payments.tasks.sweep_open_payments",
        "schedule": timedelta(minutes=5),
    },
    # Signed head of the audit trail: rows removed after it can be no older than this.
    "privacy-audit-checkpoint": {
        "task": "privacy.tasks.audit_checkpoint_task",
        "schedule": timedelta(hours=1),
    },
    # Calendar sync: relay due pushes, pull calendars that are due, renew expiring channels.
    "calendars-periodic": {
        "task": "calendars.tasks.calendar_periodic",
        "schedule": timedelta(minutes=1),
    },
    # The DPO's daily digest of open requests and deadlines.
    "privacy-dpo-digest": {
        "task": "privacy.tasks.privacy_dpo_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    # Safety net: processor erasures whose task was lost or gave up are dispatched again.
    "privacy-propagation-resume": {
        "task": "privacy.tasks.privacy_propagation_resume",
        "schedule": timedelta(hours=1),
    },
    # Resumes a material policy-change notification that did not finish.
    "privacy-policy-change-notify": {
        "task": "privacy.tasks.policy_change_notify_pending",
        "schedule": timedelta(minutes=10),
    },
    # Each supplier's daily agenda e-mail at its own local hour (and two catch-up hours).
    "notifications-supplier-agendas": {
        "task": "notifications.tasks.supplier_agendas_due",
        "schedule": crontab(minute=5),
    },
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: Django's hook after every password change, used to end the account's API tokens.
    {"NAME": "accounts.password_hooks.RevokeApiTokensOnPasswordChange"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Bookingtjeneste] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Bookingtjeneste"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
# Single sign-on sign-up asks for the 18+ confirmation and the consent choices too (policy §12).
SOCIALACCOUNT_FORMS = {"signup": "accounts.forms.SocialSignupForm"}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_ONLY = False


def _openid_connect_apps() -> list[dict]:
    """Single sign-on providers, each enabled only when its client id is configured."""
    apps = []
    if env("OIDC_WORDPRESS_CLIENT_ID", default=""):
        apps.append(
            {
                "provider_id": "wordpress",
                "name": "WordPress",
                "client_id": env("OIDC_WORDPRESS_CLIENT_ID"),
                "secret": env("OIDC_WORDPRESS_CLIENT_SECRET", default=""),
                "settings": {"server_url": env("OIDC_WORDPRESS_SERVER_URL")},
            }
        )
    if env("VIPPS_LOGIN_CLIENT_ID", default=""):
        apps.append(
            {
                "provider_id": "vipps",
                "name": "Vipps",
                "client_id": env("VIPPS_LOGIN_CLIENT_ID"),
                "secret": env("VIPPS_LOGIN_CLIENT_SECRET", default=""),
                "settings": {
                    "server_url": env(
                        "VIPPS_LOGIN_SERVER_URL",
                        default="https://api.vipps.no/access-management-1.0/access/",
                    ),
                    "token_auth_method": "client_secret_basic",
                },
            }
        )
    return apps


SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"APPS": _openid_connect_apps(), "OAUTH_PKCE_ENABLED": True}
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
CURRENCY = "NOK"
# Minutes a pending_payment booking holds its slot before the periodic task releases it.
BOOKING_HOLD_MINUTES = env.int("BOOKING_HOLD_MINUTES", default=15)
PHONENUMBER_DEFAULT_REGION = "NO"
PHONENUMBER_DB_FORMAT = "E164"
# Phone verification sends SMS only to these country calling codes (SMS pumping: bots
# requesting codes to premium-rate numbers abroad). Comma-separated, e.g. "47,46,45".
PHONE_ALLOWED_COUNTRY_CODES = env.list("PHONE_ALLOWED_COUNTRY_CODES", cast=int, default=[47])

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT_OVERRIDE", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files after collectstatic in production; plain files otherwise.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_MANIFEST_STRICT = False

# --- E-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Bookingtjeneste <post@bookingtjeneste.no>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Django's and allauth's own mails go through the outbox too: retried, consent-checked, redacted.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="notifications.backends.OutboxEmailBackend")
DPO_EMAIL = env("DPO_EMAIL", default="post@bookingtjeneste.no")

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies of ours append to X-Forwarded-For in front of the app (0: none, the socket
# peer is the client). bookingtjeneste.client_ip reads it; DRF and allauth are told the same.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(self), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        # Pages whose form is answered by a redirect elsewhere (the pay form, "Connect Google
        # Calendar") add exactly that origin on their own response: bookingtjeneste/csp.py.
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bookingtjeneste.api.exception_handler",
    # DRF's anon and user rates checked together in one Redis round trip.
    "DEFAULT_THROTTLE_CLASSES": ["bookingtjeneste.throttling.ApiRateThrottle"],
    # Without it DRF keys anonymous throttles on the whole, client-written X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="600/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
# Longest time a cached slots answer is served without a write to the supplier's calendar
# (bookings.slot_cache); 0 turns the cache off. Off without Redis: a process-local cache would
# not hear another process's writes.
SLOTS_CACHE_SECONDS = env.int("SLOTS_CACHE_SECONDS", default=30 if REDIS_URL else 0)
SPECTACULAR_SETTINGS = {
    "TITLE": "Bookingtjeneste API",
    "DESCRIPTION": "Suppliers, services, free slots, bookings and privacy choices.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page loads Swagger UI from our own static files: no third-party host, ever.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's default online validator badge loads an image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Providers (console mode when credentials are missing) ----------------------------------
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_VERIFY_SERVICE_SID = env("TWILIO_VERIFY_SERVICE_SID", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_URL = env("TWILIO_API_URL", default="")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_URL = env("STRIPE_API_URL", default="")
BREVO_API_KEY = env("BREVO_API_KEY", default="")
BREVO_WEBHOOK_TOKEN = env("BREVO_WEBHOOK_TOKEN", default="")
BREVO_API_URL = env("BREVO_API_URL", default="")
GOOGLE_OAUTH_CLIENT_ID = env("GOOGLE_OAUTH_CLIENT_ID", default="")
GOOGLE_OAUTH_CLIENT_SECRET = env("GOOGLE_OAUTH_CLIENT_SECRET", default="")
GOOGLE_CALENDAR_API_URL = env("GOOGLE_CALENDAR_API_URL", default="")
# Calendar sync (calendars/): token encryption key(s), comma-separated Fernet keys, newest
# first; empty → derived from SECRET_KEY (HKDF). Test/staging override for the token endpoint.
CALENDAR_TOKEN_KEY = env("CALENDAR_TOKEN_KEY", default="")
GOOGLE_OAUTH_TOKEN_URL = env("GOOGLE_OAUTH_TOKEN_URL", default="")
VIPPS_CLIENT_ID = env("VIPPS_CLIENT_ID", default="")
VIPPS_CLIENT_SECRET = env("VIPPS_CLIENT_SECRET", default="")
VIPPS_SUBSCRIPTION_KEY = env("VIPPS_SUBSCRIPTION_KEY", default="")
VIPPS_MERCHANT_SERIAL_NUMBER = env("VIPPS_MERCHANT_SERIAL_NUMBER", default="")
VIPPS_WEBHOOK_SECRET = env("VIPPS_WEBHOOK_SECRET", default="")
VIPPS_API_URL = env("VIPPS_API_URL", default="")
MOLLIE_API_KEY = env("MOLLIE_API_KEY", default="")
MOLLIE_API_URL = env("MOLLIE_API_URL", default="")

# --- Privacy (privacy/): consent ledger, cookie banner tags, contact form, marketing ---------
# Tag ids: empty = that tag is never rendered. The script URLs exist so that tests (and staging)
# can point the tags at a local server; production keeps Google's/Meta's hosts.
GOOGLE_ANALYTICS_ID = env("GOOGLE_ANALYTICS_ID", default="")
GOOGLE_ADS_ID = env("GOOGLE_ADS_ID", default="")
GOOGLE_TAG_SCRIPT_URL = env(
    "GOOGLE_TAG_SCRIPT_URL", default="https://www.googletagmanager.com/gtag/js"
)
META_PIXEL_ID = env("META_PIXEL_ID", default="")
META_PIXEL_SCRIPT_URL = env(
    "META_PIXEL_SCRIPT_URL", default="https://connect.facebook.net/en_US/fbevents.js"
)
CONSENT_COOKIE_NAME = "bt_consent_id"
CONTACT_EMAIL = env("CONTACT_EMAIL", default=DPO_EMAIL)
# Audit-trail checkpoints (privacy/audit.py): HMAC key kept out of the database (empty → derived
# from SECRET_KEY), and an optional append-only file the signed heads are also written to.
AUDIT_ANCHOR_KEY = env("AUDIT_ANCHOR_KEY", default="")
AUDIT_ANCHOR_LOG = env("AUDIT_ANCHOR_LOG", default="")
BREVO_MARKETING_LIST_ID = env.int("BREVO_MARKETING_LIST_ID", default=0)
# Marketing Act §15 existing-customer exception: a booking within this many days.
MARKETING_EXISTING_CUSTOMER_DAYS = env.int("MARKETING_EXISTING_CUSTOMER_DAYS", default=365)
# Consent changes per user/visitor (API, privacy centre, cookie banner).
CONSENT_CHANGE_RATE = env("CONSENT_CHANGE_RATE", default="60/min")

# --- Logging: JSON lines, personal data redacted before anything is written -----------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "bookingtjeneste.logging.RedactPersonalDataFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
