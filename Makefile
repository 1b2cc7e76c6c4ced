VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-postgres install install-dev lint format bench clean

$(PY):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv

# Bytecode is compiled at install time: where PYTHONDONTWRITEBYTECODE is set, Python would
# otherwise compile every module from source on each start (2.6 s instead of 0.9 s to healthy).
SOURCES := aitickets agent tools memory persistence integrations web evals

install: $(PY)
	$(UV) pip install -q -p $(PY) --compile-bytecode -e .
	$(PY) -m compileall -q $(SOURCES) > /dev/null

install-dev: $(PY)
	$(UV) pip install -q -p $(PY) --compile-bytecode -e '.[dev]'
	$(PY) -m compileall -q $(SOURCES) > /dev/null

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
