# Two commands for people: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Development defaults; the environment overrides any of them.
export DEBUG ?= 1
export CELERY_TASK_ALWAYS_EAGER ?= 0

.PHONY: install run test test-fast lint migrate messages bench clean

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
	$(PY) -m pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

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
		--ignore .venv --ignore var --ignore tests --ignore 'static/vendor/*'
	$(PY) manage.py compilemessages --ignore .venv

bench: install
	$(PY) -m pytest -p no:xdist benchmarks -q -s

clean:
	rm -rf $(VENV) var
