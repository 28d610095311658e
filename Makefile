# make demo : create/refresh .venv, install hashlease, run the demo on the bundled market snapshot
# make test : create/refresh .venv, install hashlease with its test tools, run the tests
# make bench: create/refresh .venv, run the benchmarks and print a table
# make fuzz : run the fuzz tests of user files and server answers with 20x the examples CI runs

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench fuzz venv clean libreoffice poppler node

venv: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv (needs root)"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[all,test,bench]'
	@touch $(STAMP)

# LibreOffice Calc is the tests' spreadsheet oracle (Debian's headless build); installed once, as root.
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
	  echo "installing Debian's libreoffice-calc-nogui (the tests' spreadsheet oracle)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    libreoffice-calc-nogui >/dev/null; }

# poppler's pdftotext reads the PDF LibreOffice renders of the About sheet (its text lines' boxes); as root.
poppler:
	@command -v pdftotext >/dev/null 2>&1 || { \
	  echo "installing Debian's poppler-utils (pdftotext, for the rendering test)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    poppler-utils >/dev/null; }

# Node.js and npm run real Pyodide (npm's pyodide) for the xlwings Lite install test; installed once, as root.
# Where they cannot be installed, that test is reported skipped with the reason.
node:
	@{ command -v node && command -v npm; } >/dev/null 2>&1 || { \
	  echo "installing Debian's nodejs and npm (the xlwings Lite test runs real Pyodide under Node)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    nodejs npm >/dev/null; } || echo "could not install nodejs and npm (needs root): the Pyodide tests will be skipped"; }

demo: $(STAMP)
	$(BIN)/hashlease demo --output out/demo.xlsx

test: $(STAMP) libreoffice poppler node
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# HASHLEASE_FUZZ_EXAMPLES=N runs N/100 x the CI examples (CI: a few hundred in total)
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	HASHLEASE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/test_fuzz_scenarios.py tests/test_fuzz_inputs.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
