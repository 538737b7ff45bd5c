"""Settings for the essay archive, read from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    # Values already in the environment win over the file.
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# Everything the archive writes (SQLite file, Whoosh index) lives under one git-ignored folder.
DATA_DIR = Path(env.str("DATA_DIR", default="") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "haystack",
    "csp",
    "axes",
    "reversion",
]
# `search` goes before `haystack` so its rebuild_index (build aside, then swap) wins.
INSTALLED_APPS = DJANGO_APPS + ["search"] + THIRD_PARTY_APPS + ["archive"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "archive.site_url.SiteUrlMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Changes a request makes are kept in the history under its user (archive/history/).
    "archive.history.recording.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: tells a curator when a save could not reach the search index.
    "search.middleware.IndexNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into a 429 page.
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
                "archive.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'archive.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while a curator or the importer writes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered citations, browse counts and the essay page's related-essays block (issue 7).
# Per process by default; CACHE_URL=dbcache://archive_cache (after `manage.py createcachetable`)
# or rediscache://host:6379/1 shares one cache between workers (docs/production.md).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://archive")}
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 5000)

HAYSTACK_CONNECTIONS = {
    "default": env.search_url("SEARCH_URL", default=f"whoosh://{DATA_DIR / 'whoosh_index'}"),
}
# whoosh:// and simple:// select the archive's own engines (search/backends/: Whoosh with our
# analyzer, searcher pool, facets and snippets; the simple engine searching the database); any
# other engine (elasticsearch, solr) is used as given (docs/production.md lists what each offers).
ARCHIVE_ENGINES = {
    "haystack.backends.whoosh_backend.WhooshEngine": "search.backends.whoosh.ArchiveWhooshEngine",
    "haystack.backends.simple_backend.SimpleEngine": "search.backends.simple.ArchiveSimpleEngine",
}
HAYSTACK_CONNECTIONS["default"]["ENGINE"] = ARCHIVE_ENGINES.get(
    HAYSTACK_CONNECTIONS["default"]["ENGINE"], HAYSTACK_CONNECTIONS["default"]["ENGINE"]
)
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False  # one indexed model: the narrowing query is pure cost
HAYSTACK_CONNECTIONS["default"].setdefault("INCLUDE_SPELLING", True)  # "did you mean …"
# Seconds a curator's save waits for another writer's lock before queuing its change.
HAYSTACK_CONNECTIONS["default"].setdefault(
    "LOCK_TIMEOUT", env.float("SEARCH_LOCK_TIMEOUT", default=2.0)
)
# The index keeper (search/keeper.py): a thread in each web process that applies queued changes
# every SEARCH_KEEPER_POLL seconds and rebuilds a damaged index on its own.
SEARCH_KEEPER = env.bool("SEARCH_KEEPER", default=True)
SEARCH_KEEPER_POLL = env.float("SEARCH_KEEPER_POLL", default=1.0)
HAYSTACK_SIGNAL_PROCESSOR = "search.signals.QueuedSignalProcessor"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise as they are.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "staticfiles")))
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

# History (archive/history/): every version is kept until `manage.py prune_history` removes those
# older than HISTORY_KEEP_DAYS, always keeping each object's HISTORY_KEEP_VERSIONS latest ones.
HISTORY_KEEP_DAYS = env.int("HISTORY_KEEP_DAYS", default=0)  # 0: keep every version for ever
HISTORY_KEEP_VERSIONS = env.int("HISTORY_KEEP_VERSIONS", default=10)

# The site's name, and the public base URL of permanent links, citations, feeds and OAI-PMH
# identifiers. Production sets SITE_URL (`check --deploy` warns without it); unset, links follow
# the address each request came to (archive/site_url.py), and outside a request (a management
# command) the HOST:PORT the development server is given.
SITE_NAME = env.str("SITE_NAME", default="The Essay Archive")
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
LOCAL_SITE_URL = f"http://{env.str('HOST', default='127.0.0.1')}:{env.int('PORT', default=8000)}"

# OAI-PMH (archive/oai.py): the address Identify gives harvesters to write to, and the records
# per ListRecords/ListIdentifiers page. Sitemaps: URLs per sitemap file (50,000 at most).
# Production sets OAI_ADMIN_EMAIL (`check --deploy` warns without it); the default names the
# site's host, or localhost.localdomain (the OAI-PMH schema wants a dotted domain).
_HOST = urlsplit(SITE_URL or LOCAL_SITE_URL).hostname or ""
OAI_ADMIN_EMAIL = env.str("OAI_ADMIN_EMAIL", default="") or (
    f"archive@{_HOST if '.' in _HOST and not _HOST[0].isdigit() else 'localhost.localdomain'}"
)
OAI_PAGE_SIZE = env.int("OAI_PAGE_SIZE", default=100)
SITEMAP_LIMIT = env.int("SITEMAP_LIMIT", default=50_000)

# The admin's essay upload takes up to 100 essays with a sidecar each (archive/importing/
# uploads.py says so with a clear message); Django's own limit, 100 files, would answer a batch
# of 60 essays and their sidecars with a bare 400.
DATA_UPLOAD_MAX_NUMBER_FILES = 250

# Security: secure by default, relaxed only by DEBUG for local development over plain HTTP.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Production defaults to a site that is HTTPS-only, subdomains included, and preload-ready;
# a domain with plain-HTTP subdomains turns the last two off (docs/production.md).
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere (JSON-LD is data, not script). Django's admin works under
# this policy as it is: its scripts are files, and its few inline values are data attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Curator logins: after AXES_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair is locked out for AXES_COOLOFF_MINUTES (a 429 page); a right password resets it.
AUTHENTICATION_BACKENDS = [
    "config.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's own console handler (DEBUG only) printed every line a second time beside
        # the root's: its records go to the root's handler alone.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
