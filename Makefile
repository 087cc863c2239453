# Bookingtjeneste — the two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test bench install lint check-deploy messages clean worker beat

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the dependency pins change.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	@touch $@

install: $(VENV)/.installed

# Embedded default: DEBUG, SQLite, in-process tasks, console gateways. DATABASE_URL/REDIS_URL
# switch to PostgreSQL and Redis; with REDIS_URL a Celery worker and beat run beside the server.
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python scripts/serve.py --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/run.py

# ruff (lint and format), then the layering of the apps (import-linter contract in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

check-deploy: install
	DEBUG=0 SECRET_KEY=$$(openssl rand -hex 40 2>/dev/null || echo ci-only-$$RANDOM$$RANDOM-a-long-random-value-for-the-check) \
	ALLOWED_HOSTS=bookingtjeneste.no SITE_URL=https://bookingtjeneste.no \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Each app keeps its own catalogue (<app>/locale); the project one covers templates/ and settings.
APPS := accounts bookings payments notifications privacy calendars
messages: install
	for app in $(APPS); do (cd $$app && mkdir -p locale && ../$(BIN)/python ../manage.py makemessages -l nb -l en --no-obsolete); done
	$(BIN)/python manage.py makemessages -l nb -l en --no-obsolete $(foreach app,$(APPS),--ignore '$(app)/*') \
		--ignore '.venv/*' --ignore 'benchmarks/*' --ignore 'scripts/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*' --ignore 'benchmarks/*'

worker: install
	$(BIN)/celery -A bookingtjeneste worker --loglevel=INFO

beat: install
	$(BIN)/celery -A bookingtjeneste beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
