# Build and test the survey report. `make` alone lists the targets.

COUNTRY ?= JP
PYTHON  ?= python3
VENV    ?= .venv
JOBS    ?= 2
FORCE   ?=

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PY        := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed
NAMES     := $(sort $(basename $(notdir $(wildcard notebooks/*.ipynb))))
INPUTS    := $(wildcard data/*) $(wildcard src/helpers/*.py)
STAMPS    := $(NAMES:%=build/$(COUNTRY)/%.stamp)
# Executed notebooks checked by nbval: the committed ones, plus other countries' if built.
NB_TESTED := $(wildcard notebooks/*.ipynb reports/*/notebooks/*.ipynb)
PYTEST_NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help env report report-all test lab bench clean distclean _always

## List the targets and the variables they use
help:
	@echo "Usage: make TARGET [COUNTRY=$(COUNTRY)] [JOBS=$(JOBS)] [FORCE=1] [PYTHON=$(PYTHON)] [VENV=$(VENV)]"
	@echo
	@awk '/^## /{desc=substr($$0,4); next} /^[a-z][a-z-]*:/{if(desc){split($$0,t,":"); printf "  %-12s %s\n", t[1], desc}} {desc=""}' $(MAKEFILE_LIST)

## Create the environment (.venv/) from environment.yml, only when missing or outdated
env: $(ENV_STAMP)

$(ENV_STAMP): environment.yml pyproject.toml scripts/setup_env.py
	$(PYTHON) scripts/setup_env.py --prefix $(VENV) --python $(PYTHON)

## Build the report for COUNTRY: run the notebooks whose inputs changed (FORCE=1: all)
report: build/$(COUNTRY)/report.done

# `report` itself has no recipe, so `make -q report` answers whether the report is current.
# report.done is touched after the runner succeeded with every stale notebook at once.
build/$(COUNTRY)/report.done: $(STAMPS) $(wildcard notebooks/*.ipynb) $(INPUTS) $(ENV_STAMP) $(if $(FORCE),_always)
	$(if $(strip $(STALE)),$(PY) -m helpers.build --country $(COUNTRY) --jobs $(JOBS) $(STALE),@echo "report for $(COUNTRY) is up to date")
	@touch $@

# One stamp per notebook and country, touched by the runner only after a successful run.
# An out-of-date stamp only adds its notebook to STALE, so that `report` runs the runner
# once, with every stale notebook (run concurrently by the runner).
build/$(COUNTRY)/%.stamp: notebooks/%.ipynb $(INPUTS) $(ENV_STAMP) $(if $(FORCE),_always)
	$(eval STALE += $*)

_always:

## Build the report for every country of data/survey.yml
report-all: $(ENV_STAMP)
	@set -e; for c in $$($(PY) -m helpers.build --list-countries); do \
		$(MAKE) --no-print-directory report COUNTRY=$$c; done

## Run the unit tests, then check every executed notebook with nbval (strict)
test: $(ENV_STAMP)
	$(VENV)/bin/pytest -n $(JOBS) --dist loadfile $(PYTEST_NBVAL) tests $(NB_TESTED)

## Start JupyterLab in the environment (kernel python3 = the environment's Python)
lab: $(ENV_STAMP)
	JUPYTER_PREFER_ENV_PATH=1 $(VENV)/bin/jupyter lab --ServerApp.root_dir=. \
		$$([ "$$(id -u)" = 0 ] && echo --allow-root)

## Time a full rebuild, a no-op `make report` and one papermill command per notebook
bench: $(ENV_STAMP)
	$(PY) scripts/bench.py --jobs $(JOBS)

## Remove build/ (stamps, staging, failed runs): the next `make report` runs everything
clean:
	rm -rf build

## Remove build/ and the environment
distclean: clean
	rm -rf $(VENV)

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
