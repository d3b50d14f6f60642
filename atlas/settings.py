"""Django settings, every knob read from an environment variable (see .env.example)."""

from pathlib import Path

import dj_database_url

from atlas import running
from atlas.env import embed_origins, env_bool, env_float, env_int, env_list, env_str
from atlas.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

# Signs sessions, CSRF tokens and password-reset links. The default is public, so outside DEBUG a start-up
# check refuses it; `make run` makes a key of its own and keeps it in the data folder (atlas.running).
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105  (the public default the check refuses)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Django's admin, its log-in under the same rate limit as the accounts' one.
    "teams.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # The API docs page's scripts and styles, served from here (no CDN).
    "ninja",
    "teams.apps.TeamsConfig",
    "maps.apps.MapsConfig",
    "embeddings.apps.EmbeddingsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "teams.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the session user is known, before CSRF: a Bearer token replaces the user and needs no CSRF token.
    "teams.middleware.BearerTokenMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before any view reads a form: a NUL in a query string or form field is a 400, never a database error.
    "atlas.middleware.RefuseUnstorableText",
]

ROOT_URLCONF = "atlas.urls"
WSGI_APPLICATION = "atlas.wsgi.application"

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
            ]
        },
    }
]

# DATABASE_URL / REDIS_URL point at external services; `make run` and `make test` set them to the
# embedded PostgreSQL and Redis they start when the user gave none.
DATABASE_URL = env_str("DATABASE_URL", "")
# Seconds a thread keeps its database connection between requests (0: a new one per request). Opening one
# costs about 10 ms (the password exchange), most of a search's time over HTTP; a kept one is checked before
# each request reuses it.
DB_CONN_MAX_AGE = env_int("ATLAS_DB_CONN_MAX_AGE", 60)
DATABASES = (
    {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True)}
    if DATABASE_URL
    else {}
)
REDIS_URL = env_str("REDIS_URL", "")

# Counters for the rate limits live in Redis so that every web process shares them.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
# collectstatic's target in production images; in development WhiteNoise serves frontend/dist directly.
STATIC_ROOT = env_str("STATIC_ROOT", "") or None
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist"]
WHITENOISE_USE_FINDERS = True

# Uploaded files and other build inputs live here; it persists across restarts.
DATA_DIR = running.data_dir()
UPLOAD_DIR = DATA_DIR / "uploads"
MAX_UPLOAD_BYTES = env_int("ATLAS_MAX_UPLOAD_MB", 512) * 1024 * 1024
# Bounds on one upload's content (tables.sources.Limits); each refusal names its setting.
MAX_COLUMNS = env_int("ATLAS_MAX_COLUMNS", 1000)
MAX_FIELD_BYTES = env_int("ATLAS_MAX_FIELD_BYTES", 1024 * 1024)
MAX_UNCOMPRESSED_BYTES = env_int("ATLAS_MAX_UNCOMPRESSED_MB", 2048) * 1024 * 1024
MAX_COMPRESSION_RATIO = env_float("ATLAS_MAX_COMPRESSION_RATIO", 200.0)
# Rows read, checked and stored per batch when a build ingests a file: memory grows with it, not the file.
INGEST_BATCH_ROWS = env_int("ATLAS_INGEST_BATCH_ROWS", 20_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The map build.
EMBED_MODEL = env_str("ATLAS_EMBED_MODEL", "all-MiniLM-L6-v2")
EMBED_BATCH_SIZE = env_int("ATLAS_EMBED_BATCH_SIZE", 64)
TORCH_THREADS = env_int("ATLAS_TORCH_THREADS", 0)
UMAP_NEIGHBORS = env_int("ATLAS_UMAP_NEIGHBORS", 15)
UMAP_MIN_DIST = env_float("ATLAS_UMAP_MIN_DIST", 0.05)
# Distance UMAP lays the vectors out by: cosine or euclidean.
LAYOUT_METRIC = env_str("ATLAS_LAYOUT_METRIC", "cosine")
# Smallest topic HDBSCAN may find; 0: chosen from the number of rows (sqrt(rows) / 2, at least 5).
TOPIC_MIN_CLUSTER_SIZE = env_int("ATLAS_TOPIC_MIN_CLUSTER_SIZE", 0)
LAYOUT_SEED = env_int("ATLAS_LAYOUT_SEED", 42)
# Above this many rows UMAP is fitted on a sample of this size and places the rest with transform; 0: never.
LAYOUT_SAMPLE_SIZE = env_int("ATLAS_LAYOUT_SAMPLE_SIZE", 50_000)
INDEX_MEMORY_MB = env_int("ATLAS_INDEX_MEMORY_MB", 4096)
# HNSW candidates per query (hnsw.ef_search): 200 keeps recall@10 against exact search at 0.98 on a
# 100,000-row map where 100 gave 0.96 (docs/BENCHMARKS.md, "Query latency"), for about 1 ms more.
SEARCH_EF = env_int("ATLAS_SEARCH_EF", 200)
# The web process embeds search queries on this many threads (0: all cores), and remembers the last
# QUERY_CACHE_SIZE query vectors (0: none); see maps/query_vectors.py.
QUERY_THREADS = env_int("ATLAS_QUERY_THREADS", 1)
QUERY_CACHE_SIZE = env_int("ATLAS_QUERY_CACHE_SIZE", 1024)
SEARCH_MAX_K = env_int("ATLAS_SEARCH_MAX_K", 200)
# A filtered search whose filter leaves at most this many rows compares them all (exact); above it, the HNSW
# scan goes on (iteratively) until k rows pass the filter or it has read SEARCH_MAX_SCAN rows.
SEARCH_EXACT_ROWS = env_int("ATLAS_SEARCH_EXACT_ROWS", 20_000)
SEARCH_MAX_SCAN = env_int("ATLAS_SEARCH_MAX_SCAN", 200_000)
WORKER_WARMUP = env_bool("ATLAS_WORKER_WARMUP", True)
# Added to each worker process's niceness, so builds yield the CPU to web requests (workers/priority.py).
WORKER_NICE = env_int("ATLAS_WORKER_NICE", 10)
# Optional topic names from an OpenAI-compatible chat-completions API (base URL, e.g. http://localhost:11434/v1;
# empty: off). Keyword labels stay as the fallback and in each topic's keywords.
LABELLER_URL = env_str("ATLAS_LABELLER_URL", "")
LABELLER_MODEL = env_str("ATLAS_LABELLER_MODEL", "")
LABELLER_API_KEY = env_str("ATLAS_LABELLER_API_KEY", "")
LABELLER_TIMEOUT_S = env_float("ATLAS_LABELLER_TIMEOUT_S", 30.0)
# Embedding is split into chunks of this many rows, one task each, committed as each finishes.
EMBED_CHUNK_ROWS = env_int("ATLAS_EMBED_CHUNK_ROWS", 1000)
# Chunks of one build queued at a time: later builds' chunks queue among them instead of behind them all.
# It also caps how many embed workers one build keeps busy at once.
EMBED_CHUNKS_IN_FLIGHT = env_int("ATLAS_EMBED_CHUNKS_IN_FLIGHT", 4)
# Celery queues: ingest, layout, topics and index on one, embedding chunks on the other.
BUILD_QUEUE = env_str("ATLAS_BUILD_QUEUE", "builds")
EMBED_QUEUE = env_str("ATLAS_EMBED_QUEUE", "embed")

# The embedding API (/api/v1/embedding/text, /v1/embeddings): per-request limits. The Python client
# splits longer lists into requests of this size by itself.
EMBED_API_MAX_TEXTS = env_int("ATLAS_EMBED_API_MAX_TEXTS", 256)
EMBED_API_MAX_CHARS = env_int("ATLAS_EMBED_API_MAX_CHARS", 16384)
# Concurrent embedding API requests for the same model and options are run as one model call: the
# batcher waits this long after the first for others (0: every request calls the model on its own) and
# takes at most this many texts per call.
EMBED_BATCH_WAIT_MS = env_float("ATLAS_EMBED_BATCH_WAIT_MS", 0.0)
EMBED_BATCH_MAX_TEXTS = env_int("ATLAS_EMBED_BATCH_MAX_TEXTS", 256)
# The embedding API reads and fills the content-hash cache the builds use (truncate mode only).
EMBED_API_CACHE = env_bool("ATLAS_EMBED_API_CACHE", True)
# The cache keeps at most this many vectors, oldest dropped first (0: unbounded); pruned after each build
# and, from the API, at most once per ATLAS_EMBED_CACHE_PRUNE_SECONDS.
EMBED_CACHE_MAX_ROWS = env_int("ATLAS_EMBED_CACHE_MAX_ROWS", 2_000_000)
EMBED_CACHE_PRUNE_SECONDS = env_int("ATLAS_EMBED_CACHE_PRUNE_SECONDS", 300)
# /api/v1/embedding/image: the model used when a request names none, and per-request limits.
EMBED_IMAGE_MODEL = env_str("ATLAS_EMBED_IMAGE_MODEL", "nomic-embed-vision-v1.5")
EMBED_IMAGE_MAX_COUNT = env_int("ATLAS_EMBED_IMAGE_MAX_COUNT", 64)
EMBED_IMAGE_MAX_BYTES = env_int("ATLAS_EMBED_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
EMBED_IMAGE_MAX_PIXELS = env_int("ATLAS_EMBED_IMAGE_MAX_PIXELS", 40_000_000)

# Accounts. People log in with their email address (it is also their username).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Password-reset and invitation mails. The default writes each into a file of its own under <data folder>/mail,
# readable by this user only, instead of sending it: the links in them are secrets, kept out of every log.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "atlas.mail.PrivateFileBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "atlas@localhost")
# Invitations to a workspace stay valid this many days.
INVITE_DAYS = env_int("ATLAS_INVITE_DAYS", 14)

# Hardening. Cookies are Secure (sent over HTTPS only) unless DEBUG is on; `make run` serves plain HTTP on
# the loopback address and turns them off there (ATLAS_SECURE_COOKIES=false).
SECURE_COOKIES = env_bool("ATLAS_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("ATLAS_HSTS_SECONDS", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "atlas.pages.csrf_failure"
# The frontend is built into static files: no inline script runs anywhere. Styles set from scripts go
# through the CSSOM, which style-src does not govern; the map's workers come from blob: URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Origins (scheme://host[:port]) whose pages may frame a share-link page (/s/<secret>); no other page is ever
# framed. Empty: none may.
EMBED_ORIGINS = embed_origins(env_list("ATLAS_EMBED_ORIGINS", ""))
# Rate limits, hits/seconds per client address (log-in, the admin's included, sign-up, password-reset mails),
# per email address (password-reset mails) or per user (embedding API); 0/1 is off.
RATE_LIMIT_LOGIN = env_str("ATLAS_RATE_LIMIT_LOGIN", "10/300")
RATE_LIMIT_SIGNUP = env_str("ATLAS_RATE_LIMIT_SIGNUP", "10/3600")
RATE_LIMIT_PASSWORD_RESET = env_str("ATLAS_RATE_LIMIT_PASSWORD_RESET", "10/3600")
RATE_LIMIT_PASSWORD_RESET_EMAIL = env_str("ATLAS_RATE_LIMIT_PASSWORD_RESET_EMAIL", "3/3600")
RATE_LIMIT_EMBEDDING = env_str("ATLAS_RATE_LIMIT_EMBEDDING", "600/60")

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = BUILD_QUEUE
# Sending a task waits out a Redis restart (about a minute) instead of losing the build's next step.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 40, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2}
# A task keeps running while the worker reconnects to Redis; its chunk is idempotent if delivered again.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How often a build step is retried when the database is unreachable (backing off 1, 2, 4 ... 60 s), and
# how many times a chunk may be started by workers that died before it was done.
BUILD_RETRIES = env_int("ATLAS_BUILD_RETRIES", 8)
# A task whose worker died (its message never acknowledged) goes back to the queue this many seconds after
# it was taken. It must stay above the longest task, the finishing step (layout) of the largest map, or a
# live task is handed out a second time (harmless, as every step is idempotent, but wasted work).
TASK_VISIBILITY_TIMEOUT = env_int("ATLAS_TASK_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": TASK_VISIBILITY_TIMEOUT,
    # Look for abandoned tasks often enough that a short timeout is honoured.
    "unacked_restore_interval": max(1, min(10, TASK_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1 if TASK_VISIBILITY_TIMEOUT < 60 else 10,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Plain text lines, or one JSON object per line (ATLAS_LOG_FORMAT=json); both carry the build's dataset id.
LOG_FORMAT = env_str("ATLAS_LOG_FORMAT", "plain")
LOGGING = logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
