"""Kanalkoll settings: one file, read from the environment (django-environ).

Embedded defaults give a zero-setup laptop install: SQLite and the Celery filesystem
broker under var/. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY,
ALLOWED_HOSTS and EMAIL_URL, and turns DEBUG off.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("KANALKOLL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# A local .env (git-ignored; `make install` writes a random per-checkout SECRET_KEY into
# it) fills in what the real environment does not set.
env.read_env(env.str("KANALKOLL_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Development mode (make run sets it): a built-in SECRET_KEY and the demo data are allowed.
KANALKOLL_DEV = env.bool("KANALKOLL_DEV", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not KANALKOLL_DEV:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.admin.KanalkollAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_celery_beat",
    "config.apps.AxesConfig",  # django-axes, named in Swedish
    "csp",
    "core",
    "organisation",
    "notifications",
    "accounts",
    "dataprotection",
    "activityplans",
    "moderation",
    "archive",
    "identity",
    "retention",
    "disclosure",
    "internalcontrol",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Swedish unless the person chose otherwise; not Accept-Language (config/language.py).
    "config.language.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into config.lockout's page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "notifications.context_processors.unread",
                "organisation.context_processors.signed_in",
                "archive.context.navigation",
                "disclosure.context.nav",
                "identity.context.sign_in",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kanalkoll.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (web, worker, beat) wait for the lock instead of failing: a
    # transaction takes the write lock when it begins (no deadlocked upgrade from a read
    # lock), and WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles a query whose estimated cost is high, which the
    # register's compliance filters reach with a large kommun (issue 15 measured the
    # filter at 1.8 s with JIT and 0.27 s without). The app's queries are short OLTP
    # queries (an index, a page of rows), never the long analytic scans JIT pays off
    # for, so the app's connections turn it off (bench/README.md). PG_JIT=1 keeps it.
    if not env.bool("PG_JIT", default=False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off"]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisation.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every sign-in before the password is (config/lockout.py); local
# passwords, then the kommun's identity provider (identity.backends).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "identity.backends.LocalPasswordBackend",
    "identity.backends.KommunOIDCBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "todo"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "sv"  # the default for everyone, whatever the browser asks for
LANGUAGES = [("sv", _("Svenska")), ("en", _("Engelska"))]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"  # fixed: half-year periods and deadlines are Swedish time
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    # Development: each e-mail printed readably on the console (config/mail.py).
    EMAIL_CONFIG["EMAIL_BACKEND"] = "config.mail.ReadableConsoleBackend"
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may wait for the server (connect and every reply): a mail
# server that never answers fails the send, which is retried later like any other.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kanalkoll@kommun.example")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Security: production values come from the environment; `check --deploy` is clean
# when DEBUG is off and HTTPS is terminated by the kommun's proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The health check answers plain HTTP too: a load balancer's or a container's probe
# asks the app directly, not through the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): the app's own origin only, no inline script or
# style (templates keep both in static/), no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's icons are data: SVGs in its CSS
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}


# Comments from Meta's Webhooks for Pages and Instagram (moderation.intake), on when
# META_APP_SECRET and META_VERIFY_TOKEN are set; otherwise /api/v1/meta/webhook answers
# 404. The callback URL to register with Meta is <site>/api/v1/meta/webhook.
META_APP_ID = env.str("META_APP_ID", default="")
META_APP_SECRET = env.str("META_APP_SECRET", default="")
META_VERIFY_TOKEN = env.str("META_VERIFY_TOKEN", default="")
META_GRAPH_URL = env.str("META_GRAPH_URL", default="https://graph.facebook.com/v21.0")
# Mastodon notifications polled for accounts whose page id is set: "<page id>=<token>"
# pairs separated by commas (a read-only token of the kommun's own account).
MASTODON_TOKENS = {
    page: token
    for page, _sep, token in (
        pair.strip().partition("=")
        for pair in env.str("MASTODON_TOKENS", default="").split(",")
        if pair.strip()
    )
}

# Sign-in through the kommun's identity provider (OpenID Connect: Entra ID, ADFS), on
# when OIDC_ISSUER and OIDC_RP_CLIENT_ID are set (identity/). Authorization code flow
# with PKCE (S256) and a nonce; the provider's endpoints come from its discovery
# document. The redirect URI to register is <site>/oidc/callback/.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid profile email")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_UNIT_CLAIM = env.str("OIDC_UNIT_CLAIM", default="department")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)  # seconds per request to the provider
OIDC_DISCOVERY_TTL = env.int("OIDC_DISCOVERY_TTL", default=3600)  # seconds
OIDC_STATE_MAX_AGE = env.int("OIDC_STATE_MAX_AGE", default=600)  # seconds to finish signing in
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"


def oidc_form_action(issuer):
    """The form-action sources with the provider's origin: signing out (a form) goes on
    to the provider's end_session_endpoint, and browsers check redirects of a form too."""
    from urllib.parse import urlsplit

    parts = urlsplit(issuer)
    return ["'self'", f"{parts.scheme}://{parts.netloc}"] if parts.netloc else ["'self'"]


if OIDC_ISSUER:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = oidc_form_action(OIDC_ISSUER)

# Sign-in throttling (django-axes): five failed sign-ins for one user name from one
# address lock that pair out for 15 minutes from the last failure; a successful sign-in
# clears the count. Colleagues behind the same address, and the same user elsewhere,
# can still sign in. Lockouts and failures are logged (loggers "axes.*") with the user
# name and address, never the password.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_ip"
AXES_SENSITIVE_PARAMETERS = []  # the log names who and from where; passwords stay masked
# The client's address is the connection's (REMOTE_ADDR) unless the app runs behind
# proxies that append to X-Forwarded-For: then set this to their number (the kommun's
# proxy alone: 1), and the address is taken that many entries from the header's right
# end, where the nearest trusted proxy wrote it. Left at 0 the header is ignored, as
# anyone can send it.
KANALKOLL_TRUSTED_PROXIES = env.int("KANALKOLL_TRUSTED_PROXIES", default=0)

# The cache: the public register's page and JSON per version and filter
# (accounts.conditional). Production sets CACHE_URL to Redis (redis://host:6379/1), shared
# by every web process; the zero-setup default is each process's memory. Whatever the
# backend, an entry is keyed by the register's version, read from the database, so that a
# stale entry is never served.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://kanalkoll")}
# In front of a shared cache (Redis), each process keeps the register's bodies it served
# last in its own memory ("local", looked at first): a hit then costs the version's query
# and no round trip to Redis. Its keys name the version too, so it is never stale; it is
# bounded (MAX_ENTRIES, a page or JSON body is 50–150 kB) and an old version's entries
# are culled as new ones come. With the default in-process cache there is no second tier.
if CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache":
    CACHES["local"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "kanalkoll-local",
        "OPTIONS": {"MAX_ENTRIES": 200},
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: Redis in production and CI; the filesystem transport as the zero-setup default.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
# PDF rendering and page capture run on their own queue, so that a half-year run does
# not hold up notifications; `make run` starts one worker for both queues.
CELERY_TASK_ROUTES = {
    "archive.tasks.*": {"queue": "pdf"},
    "internalcontrol.tasks.*": {"queue": "pdf"},
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request never waits for a broker that is down: publishing fails fast and the
# outbox sweep delivers later. enqueue() (config/celery.py) makes one attempt with this
# socket timeout (seconds); after a failure it tries again only after RETRY_AFTER seconds.
CELERY_TASK_PUBLISH_RETRY = False
KANALKOLL_BROKER_PUBLISH_TIMEOUT = env.float("KANALKOLL_BROKER_PUBLISH_TIMEOUT", default=0.5)
KANALKOLL_BROKER_RETRY_AFTER = env.float("KANALKOLL_BROKER_RETRY_AFTER", default=30)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat answers `ping` over the broker's remote control (celerybeat@host) while its
# scheduler ticks: /healthz checks that exactly one beat runs (config/health.py).
CELERY_BEAT_ENABLE_REMOTE_CONTROL = True

# Kommun-level behaviour that later issues configure.
KANALKOLL_REGISTER_PAGE_SIZE = 100
# Who may fetch the register's OpenAPI description from a browser (CORS): Sveriges
# dataportal's pages. "*" allows any origin.
KANALKOLL_OPENAPI_CORS_ORIGINS = env.list(
    "KANALKOLL_OPENAPI_CORS_ORIGINS",
    default=["https://dataportal.se", "https://www.dataportal.se", "https://admin.dataportal.se"],
)
# Which sites may show the embeddable list (/register/inbaddad/) in an iframe: CSP
# frame-ancestors sources for that page only (every other page refuses framing). The
# page has no forms and no script, so the default allows any site; a kommun may name
# its own, e.g. "https://www.ekdala.se".
KANALKOLL_EMBED_FRAME_ANCESTORS = env.list("KANALKOLL_EMBED_FRAME_ANCESTORS", default=["*"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "mozilla_django_oidc": {
            "level": "WARNING"
        },  # failed sign-ins and lockouts, whatever LOG_LEVEL
    },
}

# Archive snapshots: which hosts the automatic capture may visit (an account's URL must
# be on one of them, or a subdomain; only public addresses, see core/netguard.py), and
# the browser it drives.
KANALKOLL_CAPTURE_HOSTS = env.list(
    "KANALKOLL_CAPTURE_HOSTS",
    default=[
        "facebook.com",
        "instagram.com",
        "x.com",
        "twitter.com",
        "linkedin.com",
        "youtube.com",
        "tiktok.com",
        "threads.net",
        "threads.com",
    ],
)
KANALKOLL_CHROMIUM = env.str("KANALKOLL_CHROMIUM", default="/usr/bin/chromium")
KANALKOLL_CAPTURE_TIMEOUT = env.int("KANALKOLL_CAPTURE_TIMEOUT", default=30)  # seconds
KANALKOLL_CAPTURE_MAX_BYTES = env.int("KANALKOLL_CAPTURE_MAX_BYTES", default=20 * 1024 * 1024)
KANALKOLL_CAPTURE_MAX_HEIGHT = env.int("KANALKOLL_CAPTURE_MAX_HEIGHT", default=15000)  # pixels
