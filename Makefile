VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-postgres install install-dev lint format bench clean

$(PY):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv

install: $(PY)
	$(UV) pip install -q -p $(PY) -e .

install-dev: $(PY)
	$(UV) pip install -q -p $(PY) -e '.[dev]'

demo: install
	$(VENV)/bin/aitickets db upgrade
	$(VENV)/bin/aitickets seed --if-empty
	$(VENV)/bin/aitickets serve --host $(HOST) --port $(PORT)

test: install-dev
	$(PY) -m pytest -q

test-postgres: install-dev
	$(PY) -m pytest -q -m postgres

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install-dev
	$(PY) bench/door.py
	$(PY) bench/startup.py

clean:
	rm -rf $(VENV) data .pytest_cache
