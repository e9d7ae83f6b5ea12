# Two commands for people: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Development defaults; the environment overrides any of them.
export DEBUG ?= 1
export CELERY_TASK_ALWAYS_EAGER ?= 0

.PHONY: install run test test-fast lint migrate messages bench bench-all bench-pages bench-fuzz bench-lighthouse css \
	frontend frontend-dev screenshots audit clean

install: $(STAMP)

$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

# Settings create the folders they need under var/ (SQLite, the filesystem broker).
migrate: install
	$(PY) manage.py migrate --noinput

# Web on http://127.0.0.1:8000 plus a real Celery worker and beat; Ctrl-C stops all three.
run: migrate
	$(PY) manage.py load_demo
	@echo "Serving http://127.0.0.1:8000 (log in as koordinator / lean-demo). Ctrl-C stops everything."
	@bash -c 'trap "trap - TERM; kill 0" INT TERM EXIT; \
		$(VENV)/bin/celery -A leanprogram worker --loglevel=INFO --concurrency=2 & \
		$(VENV)/bin/celery -A leanprogram beat --loglevel=INFO & \
		$(PY) manage.py runserver 127.0.0.1:8000 --noreload & \
		wait -n'

# The whole suite: what .ci/run calls.
test: install
	$(PY) -m pytest -n $${PYTEST_WORKERS:-auto} --durations=25 $(PYTEST_ARGS)

# The quick loop while working: everything but the real-browser and real-worker tests.
test-fast: install
	$(PY) -m pytest -n $${PYTEST_WORKERS:-auto} -m "not browser and not integration" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

messages: install
	$(PY) manage.py makemessages --no-obsolete --add-location file -l nb -l nn -l en \
		--ignore .venv --ignore var --ignore tests --ignore 'static/vendor/*' --ignore frontend
	$(PY) manage.py compilemessages --ignore .venv

# The pages and the reminder sweep on a generated data set in PostgreSQL (DATABASE_URL's server),
# under gunicorn with DEBUG=0, as ratios to a bare view: benchmarks/national.py. SCALE=national
# (356 municipalities, generated into BENCH_DATABASE=leanprogram_bench when missing) or small.
SCALE ?= national
bench: install
	SCALE=$(SCALE) $(PY) -m benchmarks.national

# Everything measured, the browser and fuzz benchmarks too.
bench-all: bench bench-pages bench-fuzz bench-lighthouse

bench-pages: install
	$(PY) -m pytest -p no:xdist benchmarks -q -s

# The form fuzzer with 10,000 generated posts (`make test` posts a few hundred of the same kind).
bench-fuzz: install
	LEAN_FUZZ_POSTS=$${LEAN_FUZZ_POSTS:-10000} $(PY) -m pytest -p no:xdist tests/test_fuzz_forms.py -q -s

# Known vulnerabilities in requirements.lock, with pip-audit from its own virtualenv (var/audit,
# made on first use: its dependencies stay out of the app's). Needs the vulnerability services
# on the network, so it is not part of .ci/run; exits 2, saying so, when it could check nothing.
AUDIT_VENV := var/audit
PIP_AUDIT_VERSION := 2.10.1

audit:
	test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && \
		$(AUDIT_VENV)/bin/pip install --quiet pip-audit==$(PIP_AUDIT_VERSION); }
	$(AUDIT_VENV)/bin/python .ci/pip_audit.py $(AUDIT_VENV)/bin/pip-audit requirements.lock

# Lighthouse (mobile) on the key pages under gunicorn with DEBUG=0: benchmarks/results/lighthouse.json.
bench-lighthouse: install frontend-dev
	$(PY) -m benchmarks.lighthouse

# The front-end tools (frontend/package.json). Only `make css`, `make bench`, the Nu HTML checker and
# the OIDC tests' provider (frontend/oidc/) need them, and so Node; `make install`, `make run` and
# `make test` do not (tests needing them skip, except in CI, where .ci/run installs them). npm ci
# is exact to package-lock.json and runs no install scripts (frontend/.npmrc).
frontend:
	cd frontend && npm ci --omit=dev

frontend-dev:
	cd frontend && npm ci

# The one stylesheet every page links: purged Bootstrap + static/css/*.css, minified, committed.
# Run it after changing static/css/ or the classes templates use; tests/test_static_build.py tells.
css: install frontend
	CRISPY_TEMPLATES="$$($(PY) -c 'import crispy_bootstrap5, pathlib; print(pathlib.Path(crispy_bootstrap5.__file__).parent / "templates")')" \
		node frontend/build.mjs

# docs/screenshots/*.png for the README: the demo under gunicorn, Playwright with Debian's Chromium.
screenshots: install
	$(PY) -m benchmarks.screenshots

clean:
	rm -rf $(VENV) var frontend/node_modules
