"""Django settings, every knob read from an environment variable (see .env.example)."""

from pathlib import Path

import dj_database_url

from atlas.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "maps.apps.MapsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "atlas.urls"
WSGI_APPLICATION = "atlas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

# DATABASE_URL / REDIS_URL point at external services; `make run` and `make test` set them to the
# embedded PostgreSQL and Redis they start when the user gave none.
DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)} if DATABASE_URL else {}
REDIS_URL = env_str("REDIS_URL", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
# collectstatic's target in production images; in development WhiteNoise serves frontend/dist directly.
STATIC_ROOT = env_str("STATIC_ROOT", "") or None
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist"]
WHITENOISE_USE_FINDERS = True

# Uploaded files and other build inputs live here; it persists across restarts.
DATA_DIR = Path(env_str("ATLAS_DATA_DIR", str(BASE_DIR / "var")))
UPLOAD_DIR = DATA_DIR / "uploads"
MAX_UPLOAD_BYTES = env_int("ATLAS_MAX_UPLOAD_MB", 512) * 1024 * 1024
# Bounds on one upload's content (workers.stages.sources.Limits); each refusal names its setting.
MAX_COLUMNS = env_int("ATLAS_MAX_COLUMNS", 1000)
MAX_FIELD_BYTES = env_int("ATLAS_MAX_FIELD_BYTES", 1024 * 1024)
MAX_UNCOMPRESSED_BYTES = env_int("ATLAS_MAX_UNCOMPRESSED_MB", 2048) * 1024 * 1024
MAX_COMPRESSION_RATIO = env_float("ATLAS_MAX_COMPRESSION_RATIO", 200.0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The map build.
EMBED_MODEL = env_str("ATLAS_EMBED_MODEL", "all-MiniLM-L6-v2")
EMBED_BATCH_SIZE = env_int("ATLAS_EMBED_BATCH_SIZE", 64)
TORCH_THREADS = env_int("ATLAS_TORCH_THREADS", 0)
UMAP_NEIGHBORS = env_int("ATLAS_UMAP_NEIGHBORS", 15)
UMAP_MIN_DIST = env_float("ATLAS_UMAP_MIN_DIST", 0.05)
LAYOUT_SEED = env_int("ATLAS_LAYOUT_SEED", 42)
# Above this many rows UMAP is fitted on a sample of this size and places the rest with transform; 0: never.
LAYOUT_SAMPLE_SIZE = env_int("ATLAS_LAYOUT_SAMPLE_SIZE", 50_000)
SEARCH_EF = env_int("ATLAS_SEARCH_EF", 100)
SEARCH_MAX_K = env_int("ATLAS_SEARCH_MAX_K", 200)
WORKER_WARMUP = env_bool("ATLAS_WORKER_WARMUP", True)

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

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "builds"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker died (its message never acknowledged) goes back to the queue this many seconds after
# it was taken. It must stay above the longest build, or a live build would be handed out a second time.
# How often a build is retried when the database is unreachable (backing off 1, 2, 4 ... 60 s).
BUILD_RETRIES = env_int("ATLAS_BUILD_RETRIES", 8)
TASK_VISIBILITY_TIMEOUT = env_int("ATLAS_TASK_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": TASK_VISIBILITY_TIMEOUT,
    # Look for abandoned tasks often enough that a short timeout is honoured.
    "unacked_restore_interval": max(1, min(10, TASK_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1 if TASK_VISIBILITY_TIMEOUT < 60 else 10,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
