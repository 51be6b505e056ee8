# Temperature course: two commands do everything, and each creates the environment it needs.
#   make book   build the HTML book into _build/html (first run also creates .venv: ~3 min)
#   make test   run every test: package, notebooks (nbval), book build, course checks
#   make serve  build, then serve the book on http://127.0.0.1:8000
#   make bench  print the benchmark figures
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: env book serve test bench notebooks clean

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

serve: book
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html 8000

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

clean:
	rm -rf _build .pytest_cache .hypothesis
