# layerscope: `make run` opens the built-in demo, `make test` runs every test.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BUILT  := $(VENV)/.built
CORE   := setup.py $(wildcard dissect/*.py dissect/*.pxd dissect/protocols/*.py dissect/protocols/*.pxd)

.PHONY: run test test-pure build lint format bench corpus clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The optional compiled core (setup.py, dissect/_compiled.py): rebuilt in place, only the
# modules whose sources changed. Without Cython or a C compiler the core stays pure Python.
# --build-lib . rather than --inplace: --inplace compares sources with build/lib, so after
# the editable install (which builds elsewhere) it would compile every module again.
$(BUILT): $(STAMP) $(CORE)
	$(PY) setup.py -q build_ext --build-lib .
	touch $(BUILT)

build: $(BUILT)

run: $(BUILT)
	$(VENV)/bin/layerscope $(ARGS)

test: $(BUILT)
	$(PY) -m ruff check dissect tui tests bench tools
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

test-pure: $(STAMP)  # every test on the pure-Python core, compiled modules or not
	LAYERSCOPE_CORE=pure $(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check dissect tui tests bench tools
	$(PY) -m ruff format --check dissect tui tests bench tools

format: $(STAMP)
	$(PY) -m ruff format dissect tui tests bench tools

bench: $(BUILT)
	$(PY) bench/bench_decode.py

corpus: $(BUILT)
	$(PY) tools/corpus_check.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
	find dissect \( -name '*.so' -o -name '*.c' \) -delete  # the compiled core, its C
	rm -f dissect/_compiled.json
