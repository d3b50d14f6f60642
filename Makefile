# Two commands for a fresh machine with Python 3.11 and Node 20: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
FRONTEND_STAMP := frontend/dist/.built
FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json

.PHONY: run test install lock frontend chromium lint typecheck bench fuzz backup restore clean

run: install frontend
	@$(PY) -m atlas.stack serve

test: install frontend chromium lint
	cd frontend && npm test
	@$(PY) -m atlas.stack exec -- $(PY) -m pytest $(PYTEST_ARGS)

# The API fuzzing of make test, long: FUZZ_EXAMPLES cases per operation (make test runs 25).
FUZZ_EXAMPLES ?= 1000
fuzz: install
	@ATLAS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m atlas.stack exec -- $(PY) -m pytest tests/integration/test_api_fuzz.py

install: $(STAMP)

# Every Python package comes from requirements.lock: pinned, with hashes, nothing else (--no-deps), so a
# release upstream cannot change what a fresh clone installs. The lock pins torch's CPU build
# (2.13.0+cpu); anything looser would bring a multi-GB CUDA build. Then Atlas and its client, in place.
LOCK := requirements.lock
$(STAMP): $(LOCK) pyproject.toml clients/python/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Atlas needs Python 3.11 (found %d.%d)" % sys.version_info[:2])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e . -e clients/python
	$(PIP) check
	touch $@

# Refresh requirements.lock on purpose (README, "Upgrading dependencies"): resolve pyproject.toml and
# requirements.in again to the newest releases for Python 3.11 on Linux x86_64, then `make test` is the gate.
# `make lock LOCK_UPGRADE=` keeps every pin it can (after a dependency is added to pyproject.toml);
# `make lock LOCK_UPGRADE='--upgrade-package django'` moves one package only.
UV_VERSION := 0.13.9
LOCK_UPGRADE ?= --upgrade
TORCH_WHEELS ?= $(or $(PIP_FIND_LINKS),https://download.pytorch.org/whl/torch/)
lock:
	test -x .venv-lock/bin/uv || { $(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install --quiet uv==$(UV_VERSION); }
	.venv-lock/bin/uv pip compile pyproject.toml clients/python/pyproject.toml requirements.in \
	  --all-extras --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_36 \
	  --find-links $(TORCH_WHEELS) --index-strategy unsafe-best-match --custom-compile-command 'make lock' $(LOCK_UPGRADE) \
	  -o $(LOCK)

frontend: $(FRONTEND_STAMP)

$(FRONTEND_STAMP): $(FRONTEND_SOURCES)
	cd frontend && npm ci --no-audit --no-fund && npm run build
	touch $@

# Browser tests drive Debian's Chromium; install it when it is missing (needs root, as CI runs).
chromium:
	@command -v /usr/bin/chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	cd frontend && npm run typecheck

typecheck: lint

bench: install
	@$(PY) -m atlas.stack exec -- $(PY) -m benchmarks.run

# make backup FILE=atlas.tar / make restore FILE=atlas.tar (the app's database and uploaded files).
backup: install
	@test -n "$(FILE)" || { echo "usage: make backup FILE=atlas-backup.tar"; exit 2; }
	@$(PY) -m atlas.stack manage backup "$(FILE)"

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=atlas-backup.tar"; exit 2; }
	@$(PY) -m atlas.stack manage restore "$(FILE)"

clean:
	rm -rf $(VENV) .venv-lock frontend/node_modules frontend/dist
