# Build and test the survey report. `make` alone lists the targets.

COUNTRY ?= JP
PYTHON  ?= python3
VENV    ?= .venv
JOBS    ?= 2
FORCE   ?=

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# --- checks of the variables, before anything uses them (no shell involved) ---------
UPPER  := A B C D E F G H I J K L M N O P Q R S T U V W X Y Z
CODES  := $(foreach a,$(UPPER),$(foreach b,$(UPPER),$(a)$(b)))
DIGITS := 0 1 2 3 4 5 6 7 8 9
_jobs_rest := $(JOBS)
$(foreach d,$(DIGITS),$(eval _jobs_rest := $$(subst $(d),,$$(_jobs_rest))))
ifneq ($(filter report report-country bench,$(MAKECMDGOALS)),)
  ifneq ($(words $(COUNTRY)),1)
    $(error COUNTRY must be one country code of two capital letters (e.g. COUNTRY=KR), got "$(COUNTRY)"; `make report-all` builds every country)
  endif
  ifeq ($(filter $(CODES),$(COUNTRY)),)
    $(error COUNTRY must be a country code of two capital letters (e.g. COUNTRY=KR), got "$(COUNTRY)")
  endif
endif
ifneq ($(words $(JOBS))$(_jobs_rest),1)
  $(error JOBS must be a whole number of at least 1 (e.g. JOBS=2), got "$(JOBS)")
endif
ifeq ($(strip $(subst 0,,$(JOBS))),)
  $(error JOBS must be a whole number of at least 1 (e.g. JOBS=2), got "$(JOBS)")
endif

PY        := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed
NAMES     := $(sort $(basename $(notdir $(wildcard notebooks/*.ipynb))))
# Explicit list (as helpers.paths.DATA_FILES): a deleted data file stops make, not skipped by a wildcard.
DATA_FILES := data/survey.yml data/questions.csv data/coverage.csv data/toplines.csv data/release_claims.csv data/waves.csv data/trends.csv
INPUTS    := $(DATA_FILES) $(shell find src/helpers -name '*.py' | LC_ALL=C sort) report.toml
STAMPS    := $(NAMES:%=build/$(COUNTRY)/%.stamp)
NB_TESTED := $(wildcard reports/*/notebooks/*.ipynb)
PYTEST_NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help env lock report report-country report-all test lint lab bench clean distclean _always

## List the targets and the variables they use
help:
	@echo "Usage: make TARGET [COUNTRY=$(COUNTRY)] [JOBS=$(JOBS)] [FORCE=1] [PYTHON=$(PYTHON)] [VENV=$(VENV)]"
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

## Build the report for COUNTRY and the site: run the notebooks whose inputs changed (FORCE=1: all)
report: build/$(COUNTRY)/report.done site

## Build the report for COUNTRY only (no site)
report-country: build/$(COUNTRY)/report.done

# `report` itself has no recipe, so `make -q report` answers whether the report is current.
# Timestamps choose which notebooks to ask about; the runner then compares contents (digests).
build/$(COUNTRY)/report.done: $(STAMPS) $(wildcard notebooks/*.ipynb) $(INPUTS) $(ENV_STAMP) $(if $(FORCE),_always)
	$(if $(strip $(STALE)),$(PY) -m helpers.build --country '$(COUNTRY)' --jobs '$(JOBS)' $(if $(FORCE),,--if-changed) $(STALE),@echo "report for $(COUNTRY) is up to date")
	@touch $@

# One stamp per notebook and country, touched by the runner only after a successful run.
build/$(COUNTRY)/%.stamp: notebooks/%.ipynb $(INPUTS) $(ENV_STAMP) $(if $(FORCE),_always)
	$(eval STALE += $*)

# A data file or report.toml that is missing: say so (make would only say "No rule to make target").
$(DATA_FILES) report.toml:
	@echo "error: $@ is missing: the report cannot be built without it (git checkout $@ restores it)" >&2; exit 1

_always:

## Build the whole report: every country of data/survey.yml, then the site
report-all: $(ENV_STAMP)
	@set -euo pipefail; codes="$$($(PY) -m helpers.build --list-countries)"; \
	for c in $$codes; do $(MAKE) --no-print-directory report-country COUNTRY="$$c" JOBS='$(JOBS)'; done
	@$(MAKE) --no-print-directory site

## Run the unit tests, then check every executed notebook with nbval (strict) and its files
test: $(ENV_STAMP)
	$(VENV)/bin/pytest -n $(JOBS) --dist loadfile $(PYTEST_NBVAL) tests $(NB_TESTED)

## Check the code against the lint and format rules of pyproject.toml ([tool.ruff])
lint: $(ENV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Start JupyterLab with the project's kernel; saving normalises notebooks/, refuses reports/
lab: $(ENV_STAMP)
	JUPYTER_PREFER_ENV_PATH=1 $(VENV)/bin/jupyter lab --config=jupyter_server_config.py --ServerApp.root_dir=. \
		$$([ "$$(id -u)" = 0 ] && echo --allow-root)

## Time a full rebuild, a no-op `make report` and one papermill command per notebook
bench: $(ENV_STAMP)
	$(PY) scripts/bench.py --jobs $(JOBS) --country '$(COUNTRY)'

## Remove build/ (stamps, staging, failed runs, scratch outputs): the next `make report` runs everything
clean:
	rm -rf build

## Remove build/ and the environment (only one `make env` made)
distclean: clean
	@if [ -f "$(VENV)/.japan-us-korea-survey-env" ]; then rm -rf "$(VENV)"; \
	else echo "not removing $(VENV): it has no .japan-us-korea-survey-env marker, so make env did not make it"; fi

# ---------------------------------------------------------------------------- report site
# The site renders the committed outputs (summaries, executed notebooks, figures) of every
# country; it does not run notebooks. Its inputs are listed so that `make -q site` answers
# whether it is current.
SITE_INPUTS := $(wildcard reports/*/summary.md reports/*/notebooks/*.ipynb notebooks/*.ipynb) \
	$(shell find figures -type f 2>/dev/null) data/survey.yml \
	src/helpers/site.py $(wildcard src/helpers/site_templates/* src/helpers/site_templates/*/*)

.PHONY: site

## Build the report site reports/site/ (HTML pages of every country's summary and notebooks)
site: reports/site/index.html

reports/site/index.html: $(SITE_INPUTS) $(ENV_STAMP)
	$(PY) -m helpers.site
	@touch $@
