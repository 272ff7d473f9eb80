# ShopOps. `make run` starts a local demo; `make test` runs the whole suite. Both set up .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev demo-passwords lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime

install-dev: $(VENV)/.dev

run: export WECHAT_API_BASE ?= http://$(HOST):$(PORT)/sandbox/api
run: install
	@$(MANAGE) migrate --noinput -v0
	@$(MANAGE) setup_schedules
	@$(MANAGE) demo_setup --url http://$(HOST):$(PORT)
	@echo "Starting the web server and the background worker (Ctrl-C stops both)..."
	@HOST=$(HOST) PORT=$(PORT) bash bin/serve

demo-passwords: install
	@$(MANAGE) demo_setup --reset-passwords --url http://$(HOST):$(PORT)

test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Refresh the zh_Hans catalog after changing user-visible text (needs GNU gettext), then translate and compile.
messages: install-dev
	$(MANAGE) makemessages --locale zh_Hans --no-obsolete --no-location --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'test-artifacts/*' --ignore 'var/*'
	$(MANAGE) compilemessages --locale zh_Hans --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
