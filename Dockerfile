# One image for the web process and the workers.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 STATIC_ROOT=/app/static ATLAS_DATA_DIR=/data
WORKDIR /app
# Every package from the lock, pinned with hashes, nothing else; torch's CPU build (2.13.0+cpu) comes from
# PyTorch's CPU index.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps --extra-index-url https://download.pytorch.org/whl/cpu \
    -r requirements.lock && pip check
COPY pyproject.toml ./
COPY atlas/ atlas/
COPY teams/ teams/
COPY maps/ maps/
COPY embeddings/ embeddings/
COPY workers/ workers/
COPY tables/ tables/
COPY embedding/ embedding/
COPY words/ words/
RUN pip install --no-cache-dir --no-deps --no-build-isolation . && pip check
COPY manage.py ./
COPY templates/ templates/
COPY --from=frontend /app/frontend/dist frontend/dist
RUN DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost python manage.py collectstatic --noinput
VOLUME /data
EXPOSE 8000
CMD ["gunicorn", "atlas.wsgi", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--threads", "8", "--access-logfile", "-", "--logger-class", "atlas.weblog.AccessLogger"]
