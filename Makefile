# The two quick-start commands (README): `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
export SEQLABS_DATA ?= $(abspath ../shared/data)

$(BIN)/autograder: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

setup: $(BIN)/autograder  ## create .venv with the pinned dependencies

demo: setup  ## build every lab, grade the built solution and release notebooks (fast profile, embedded data)
	SEQLABS_DATA= SEQLABS_PROFILE=fast $(BIN)/autograder demo

browser:  ## Debian's headless Chromium for tests/browser, installed when missing and allowed (root + apt-get); else says what is skipped
	@bash tests/browser/install_chromium.sh

# Three xdist workers on two cores keep both busy while a worker waits (a browser page, a cluster, a kernel
# starting); one OpenMP/MKL thread per process, or the oversubscribed threads spin (docs/benchmarks.md,
# "Round 3, third sitting": -n 3 with default threads did 16 % more CPU work than -n 2).
test: setup browser  ## the whole test suite, long tests and browser tests included (what CI runs)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 SEQLABS_PROFILE=fast $(BIN)/python -m pytest -n 3 --dist loadgroup --no-loadscope-reorder

.PHONY: setup demo test browser
