# Every target creates (or reuses) .venv itself: a fresh machine needs only Python 3.11.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FEED_DATE ?= 2026-11-25
export PYTHONPATH := $(CURDIR)/plugins:$(CURDIR)
export SODA_CORE_TELEMETRY_ENABLED := false

.PHONY: demo test test-server test-celery compose-check bench fuzz up down ui lint venv clean browser

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip check
	touch $@

demo: venv  ## simulate day FEED_DATE and run the whole pipeline on it, then print the summary
	bash scripts/demo.sh $(FEED_DATE)

# Two workers, one per core, each with a world of its own; a module's (or class's) tests stay on one worker.
PYTEST_WORKERS ?= -n 2 --dist loadscope

# The pages' browser tests drive Debian's chromium (tests/support/browser.py names the same path); never a download.
CHROMIUM := /usr/bin/chromium

browser:  ## Debian's chromium for the pages' browser tests: apt installs it when root and it is missing; never fails
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) \
	    >/dev/null 2>&1 || true; \
	fi; \
	[ -x $(CHROMIUM) ] || echo "make browser: no chromium at $(CHROMIUM); the browser tests will skip"

test: venv browser  ## every test: unit, integration (real Postgres, moto, mocks) and end-to-end DAG runs
	$(PY) -m pytest $(PYTEST_WORKERS)

test-server: venv  ## the same suite against the Postgres server on 127.0.0.1:5432
	WAREHOUSE_URI=postgresql://postgres@127.0.0.1:5432/test $(PY) -m pytest $(PYTEST_WORKERS)

test-celery: venv  ## (opt-in) a day on CeleryExecutor, 2 workers; needs Redis :6379 and PostgreSQL :5432 on 127.0.0.1
	CELERY_TEST=1 $(PY) -m pytest -s tests/e2e/test_celery_executor.py

compose-check: venv  ## (opt-in; needs a Docker host) the compose stack for real, 3 Celery workers, one run, down -v
	$(PY) scripts/compose_check.py

bench: venv  ## speed and memory of the ingest fast path and the whole day
	$(PY) -m sandbox.bench

fuzz: venv  ## the corruption fuzzer: every fault operator at every intensity, pairs, and 30 normal days
	$(PY) -m sandbox.fuzz $(FUZZ_ARGS)

up: venv  ## start the simulated world in the background and write .world.env
	$(PY) -m sandbox world up

down: venv  ## stop it
	$(PY) -m sandbox world down

ui: up  ## the same world plus Airflow's UI, scheduler, DAG processor, triggerer; Ctrl-C stops them (the world stays)
	exec bash scripts/ui.sh

lint: venv
	$(VENV)/bin/ruff check dags plugins sandbox tests

# Every world a target creates: the persistent one (make up), make demo's, make bench's.
WORLDS := .world .world-demo .world-bench .world-fuzz

clean: venv  ## stop and remove every world and Airflow home the targets create
	for world in $(WORLDS); do $(PY) -m sandbox world down --name $$world; done
	rm -rf $(WORLDS) $(addsuffix .env,$(WORLDS)) .airflow .airflow-demo
