# layerscope: `make run` opens the built-in demo, `make test` runs every test.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench corpus clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/layerscope $(ARGS)

test: $(STAMP)
	$(PY) -m ruff check dissect tui tests bench tools
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check dissect tui tests bench tools
	$(PY) -m ruff format --check dissect tui tests bench tools

format: $(STAMP)
	$(PY) -m ruff format dissect tui tests bench tools

bench: $(STAMP)
	$(PY) bench/bench_decode.py

corpus: $(STAMP)
	$(PY) tools/corpus_check.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
