# Two commands for a fresh machine with Python 3.11 and Node 20: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
FRONTEND_STAMP := frontend/dist/.built
FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json

.PHONY: run test install frontend chromium lint typecheck bench backup restore clean

run: install frontend
	@$(PY) -m atlas.stack serve

test: install frontend chromium lint
	@$(PY) -m atlas.stack exec -- $(PY) -m pytest $(PYTEST_ARGS)

install: $(STAMP)

# torch goes first and alone: `torch==2.13.0` takes the CPU wheel; anything that pulled torch in by
# itself would bring a multi-GB CUDA build.
$(STAMP): pyproject.toml clients/python/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Atlas needs Python 3.11 (found %d.%d)" % sys.version_info[:2])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) install --quiet -e 'clients/python[progress]'
	touch $@

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
	rm -rf $(VENV) frontend/node_modules frontend/dist
