# Build and test the survey report. `make` alone lists the targets.
#
# COUNTRY and JOBS reach the runner (python -m helpers.build) through the environment, never
# through a shell command line, and the runner checks them (one check each); the runner also
# decides what is stale (by content): this Makefile keeps no staleness of its own.

PYTHON  ?= python3
VENV    ?= .venv
COUNTRY ?=
JOBS    ?=
FORCE   ?=
export COUNTRY JOBS

SHELL := /bin/bash
.DEFAULT_GOAL := help

# --- checks of the goals and of the variables that reach a shell, before anything runs ---------
GOALS := help env lock report report-all site test lint lab bench clean distclean
$(foreach g,$(MAKECMDGOALS),$(if $(filter $(GOALS),$(g)),,\
  $(error unknown target "$(g)": the targets are $(GOALS))))
SAFE_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X \
  Y Z 0 1 2 3 4 5 6 7 8 9 / . _ - +
_rest := $(VENV)$(PYTHON)
$(foreach ch,$(SAFE_CHARS),$(eval _rest := $$(subst $(ch),,$$(_rest))))
ifneq ($(words $(VENV)) $(words $(PYTHON)) $(_rest),1 1 )
  $(error VENV and PYTHON must be paths of letters, digits and / . _ - + only, got VENV="$(VENV)" PYTHON="$(PYTHON)")
endif
ifeq ($(filter-out 0 1,$(FORCE)),)
else
  $(error FORCE must be 1 (run every notebook) or 0 / empty (run what is stale), got "$(FORCE)")
endif

PY        := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed
# The runner of this checkout, whatever `helpers` the environment has installed (a copied clone builds itself).
RUN       := PYTHONPATH="$$PWD/src" $(PY) -m helpers.build --root .
PYTEST_NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help env lock report report-all site test lint lab bench clean distclean _stale

## List the targets and the variables they use
help:
	@echo "Usage: make TARGET [COUNTRY=JP] [JOBS=2] [FORCE=1] [PYTHON=$(PYTHON)] [VENV=$(VENV)]"
	@echo
	@awk '/^## /{desc=substr($$0,4); next} /^[a-z][a-z-]*:/{if(desc){split($$0,t,":"); printf "  %-12s %s\n", t[1], desc}} {desc=""}' $(MAKEFILE_LIST)

## Create the environment (VENV, default .venv/) from requirements.lock, only when missing or outdated
env: $(ENV_STAMP)

$(ENV_STAMP): requirements.lock pyproject.toml environment.yml scripts/setup_env.py
	$(PYTHON) scripts/setup_env.py --prefix "$(VENV)" --python "$(PYTHON)"

## Regenerate requirements.lock from pyproject.toml (needs uv: pip install uv)
lock:
	$(or $(wildcard $(VENV)/bin/uv),uv) pip compile pyproject.toml --extra test --generate-hashes --universal \
		--no-emit-package japan-us-korea-survey-2025 --custom-compile-command "make lock" -o requirements.lock

# `make -q report` asks the runner (it says what is stale or unfinished); the answer is make's exit status.
ifneq ($(findstring q,$(firstword -$(MAKEFLAGS))),)
  _state := $(shell PYTHONPATH="$$PWD/src" $(PY) -m helpers.build --root . --check >&2)
  _current := $(filter 0,$(.SHELLSTATUS))
report report-all site: $(if $(_current),,_stale)
_stale: ; @:
else
## Build what is stale (every country whose outputs depend on a changed input, then the site); COUNTRY=KR narrows it, FORCE=1 runs every notebook
report: $(ENV_STAMP)
	@$(RUN) $(if $(filter 1,$(FORCE)),--force)

## Build every country and the site in one publication (FORCE=1: run every notebook)
report-all: $(ENV_STAMP)
	@COUNTRY= $(RUN) $(if $(filter 1,$(FORCE)),--force)

## Publish the site reports/site/ from the current outputs (refused while a country is stale)
site: $(ENV_STAMP)
	@$(RUN) --site
endif

## Run the unit tests, then check every executed notebook with nbval (strict) and its files
test: $(ENV_STAMP)
	@$(RUN) --check-journal
	$(VENV)/bin/pytest -n "$${JOBS:-auto}" --dist loadfile --no-loadscope-reorder $(PYTEST_NBVAL) tests reports

## Check the code against the lint and format rules of pyproject.toml ([tool.ruff])
lint: $(ENV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Start JupyterLab with the project's kernel; saving normalises notebooks/, refuses reports/ and figures/
lab: $(ENV_STAMP)
	JUPYTER_PREFER_ENV_PATH=1 PYTHONPATH="$$PWD/src" $(VENV)/bin/jupyter lab --config=jupyter_server_config.py \
		--ServerApp.root_dir=. $$([ "$$(id -u)" = 0 ] && echo --allow-root)

## Time a full rebuild, a no-op `make report` and one papermill command per notebook
bench: $(ENV_STAMP)
	PYTHONPATH="$$PWD/src" $(PY) scripts/bench.py --jobs "$${JOBS:-2}" --country "$${COUNTRY:-JP}"

## Remove build/ (records, staging, failed runs, scratch outputs): the next `make report` runs everything
clean:
	rm -rf build

## Remove build/ and the environment (only one `make env` made)
distclean: clean
	@if [ -f "$(VENV)/.japan-us-korea-survey-env" ]; then rm -rf "$(VENV)"; \
	else echo "not removing $(VENV): it has no .japan-us-korea-survey-env marker, so make env did not make it"; fi
