# Two commands for a new machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test test-fast test-deploy venv venv-dev messages lock clean bench bench-fault bench-ddo bench-enrolment bench-cards bench-reports

demo: venv
	$(PY) manage.py compile_translations
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_master_data
	$(PY) manage.py seed_demo
	@echo "Open http://127.0.0.1:8000/  (Ctrl+C stops the server)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: venv-dev
	$(PY) manage.py compile_translations
	$(PY) -m pytest

# Everything but the browser journeys: a quick loop while developing.
test-fast: venv-dev
	$(PY) manage.py compile_translations
	$(PY) -m pytest -m "not e2e"

# The deployment files and the multi-node pieces (docs/deployment.md): nginx, systemd units,
# two web nodes behind nginx, S3 media, sessions, the read replica, backup and restore.
test-deploy: venv-dev
	$(PY) -m pytest tests/deployment tests/integration/test_replica_serves_reports.py \
		portal/web/tests/test_replica_router.py portal/web/tests/test_health_readiness.py

$(VENV)/bin/activate:
	scripts/system-packages.sh demo
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.runtime: $(VENV)/bin/activate requirements.lock
	$(PIP) install -q -r requirements.lock
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	scripts/system-packages.sh test
	$(PIP) install -q -r requirements-dev.lock
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

# Refresh the Hindi catalogue after changing user-facing text (needs gettext).
# var/po.lock: scripts/add_translations.py (merging translations) takes the same lock.
messages: venv
	mkdir -p var
	flock var/po.lock $(PY) manage.py makemessages -l hi --no-obsolete --add-location file -i ".venv/*" -i "bench/*" -i "tests/*"
	$(PY) manage.py compile_translations

# The state-scale suite (docs/benchmarks.md): every important page under gunicorn + Celery
# against PostgreSQL at BENCH_SCALE; writes bench/results/suite.json and suite.md.
bench: venv-dev
	$(PY) bench/suite.py

# Load while the Celery worker, Redis and the SMS gateway are killed and restarted.
bench-fault: venv-dev
	$(PY) bench/fault.py

# One concept's benchmark each, in more depth.
bench-ddo: venv-dev
	$(PY) bench/run.py

bench-enrolment: venv-dev
	$(PY) bench/enrolment.py

bench-cards: venv-dev
	$(PY) bench/cards.py

bench-reports: venv-dev
	$(PY) bench/reports.py

clean:
	rm -rf $(VENV) var .pytest_cache
