# layerscope: `make run` opens the built-in demo, `make test` runs every test.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BUILT  := $(VENV)/.built
ENGINE := setup.py dissect/engine.py dissect/_compiled.py \
          $(addprefix dissect/streams/,analysis.py conversation.py datagrams.py pdus.py table.py) \
          $(wildcard dissect/protocols/*.py)

.PHONY: run test test-pure build lint format bench corpus clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The compiled engine (dissect/engine.py, setup.py), rebuilt in place when its source
# changed. Strict: a Cython or C compiler error fails the build (a user's pip install
# without a compiler falls back to the pure-Python engine instead).
# --build-lib . rather than --inplace: --inplace compares sources with build/lib, so after
# the editable install (which builds elsewhere) it would compile again.
$(BUILT): $(STAMP) $(ENGINE)
	LAYERSCOPE_BUILD=strict $(PY) setup.py -q build_ext --build-lib .
	touch $(BUILT)

# Byte code of the Python modules, written even where PYTHONDONTWRITEBYTECODE is set (an
# editable install writes none, and compiling ~40 modules on every start costs a tenth of a
# second of each command); up-to-date files are skipped, so this is quick.
build: $(BUILT)
	@$(PY) -m compileall -q dissect tui >/dev/null

run: build
	$(VENV)/bin/layerscope $(ARGS)

# LAYERSCOPE_CORE=compiled: the suite runs on the compiled engine or fails at import.
test: $(BUILT)
	$(PY) -m ruff check dissect tui tests bench tools
	LAYERSCOPE_CORE=compiled $(PY) -m pytest -n 2 $(PYTEST_ARGS)

test-pure: $(STAMP)  # every test on the engine's source, compiled or not
	LAYERSCOPE_CORE=pure $(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check dissect tui tests bench tools
	$(PY) -m ruff format --check dissect tui tests bench tools

format: $(STAMP)
	$(PY) -m ruff format dissect tui tests bench tools

bench: build
	$(PY) bench/bench_decode.py

corpus: $(BUILT)
	$(PY) tools/corpus_check.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
	find dissect \( -name '*.so' -o -name '*.c' \) -delete  # the compiled engine, its C
	rm -f dissect/_compiled.json
