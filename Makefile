# Two commands: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
TEST_WORKERS ?= auto

.PHONY: run test install lint format bench clean

$(STAMP): requirements/dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "casework needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.lock
	touch $(STAMP)

install: $(STAMP)

# The demo: invented data in demo.sqlite3 (unless DATABASE_URL says otherwise).
run: $(STAMP)
	CASEWORK_DEMO=$${CASEWORK_DEMO:-1} \
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/demo.sqlite3} \
	$(PY) manage.py demo_serve

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Security lint: no finding of medium severity or worse in the application's code.
	$(VENV)/bin/bandit --quiet --recursive casework --exclude casework/migrations --severity-level medium
	@# The layers (contracts in pyproject.toml): each imports only those below it, no cycles.
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	@# pytest exits 5 when it collected no tests: that is a failure, said plainly (make itself
	@# turns any failing recipe into its own exit status 2).
	@# pytest-xdist: one worker per core (TEST_WORKERS=0 runs the suite in this process).
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS) || { status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure"; fi; \
	  exit $$status; }

# The matcher against a plain baseline and splink (splink lives in its own virtualenv: it is not
# part of the app), plus the benchmarks of bench/README.md that need no database.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: requirements/bench.lock
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/bench.lock
	touch $@

bench: $(STAMP) $(BENCH_VENV)/.installed
	$(PY) bench/linklists_eval.py --splink-python $(BENCH_VENV)/bin/python

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .venv-bench demo.sqlite3 .demo-password .demo-secret-key private-media staticfiles

# Load benchmark: 50 caseworkers under locust against gunicorn + PostgreSQL (bench/staff_load.py
# says how to make the seeded database it needs). Options in LOAD_ARGS, e.g.
# LOAD_ARGS="--template casework_bench100k_pristine --database casework_load --duration 120".
.PHONY: load
load: $(STAMP)
	$(PY) bench/staff_load.py $(LOAD_ARGS)
