# Targets every demo shares.  A demo's Makefile sets RUN (and SEED_ARGS), then:
#
#     include ../../src/demokit/demo.mk
#
# Set-up is part of every target: the first one installs the project and this demo into
# the repository's .venv (`./dev develop <demo>`, which needs only python3; `make test` adds
# the test extras), at the versions in the repository's lock (constraints.txt), and installs
# again only when a pyproject.toml or the lock changes.
# DEMO_PYTHON=/path/to/python runs the targets with that interpreter as it is, installing
# nothing (the spec's smoke tests do this).
#
# The keyspace is the one in pyproject.toml's [tool.coodie-demo] table; SCYLLA_KEYSPACE=name
# moves every target (db-up, seed, run, start) to another.  The database follows the
# project rule: SCYLLA_HOSTS -> that cluster; else Docker when an engine answers; else a
# background scylla_lite (data kept between runs).

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../..)
DEMO := $(notdir $(CURDIR))
SEED_ARGS ?= --count 50

ifdef DEMO_PYTHON
PYTHON := $(DEMO_PYTHON)
READY :=
TEST_READY :=
else
PYTHON := $(ROOT)/.venv/bin/python
READY := $(ROOT)/.venv/.ready-$(DEMO)
TEST_READY := $(ROOT)/.venv/.ready-$(DEMO)-test
endif

.PHONY: help db-up db-down seed run start clean test

help:                           ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(READY): pyproject.toml $(ROOT)/pyproject.toml $(ROOT)/constraints.txt
	$(ROOT)/dev develop -- $(DEMO)
	@touch $@

$(TEST_READY): pyproject.toml $(ROOT)/pyproject.toml $(ROOT)/constraints.txt
	$(ROOT)/dev develop -- --test $(DEMO)
	@touch $@ $(READY)

db-up: $(READY)                 ## Start the database (or reuse it), create the keyspace, say where
	$(PYTHON) -m demokit db-up --demo $(CURDIR)

db-down: $(READY)               ## Stop the database started by db-up
	$(PYTHON) -m demokit db-down

seed: db-up                     ## Load sample data (SEED_ARGS="--feed file.csv" for real data)
	$(PYTHON) seed.py $(SEED_ARGS)

run: seed                       ## Seed, then start the demo
	$(RUN)

start: $(READY)                 ## Start the demo on the data it has (no seeding)
	$(RUN)

clean: $(READY)                 ## Stop the database and delete its data
	$(PYTHON) -m demokit db-down --wipe

test: $(TEST_READY)             ## Run this demo's part of the spec (its smoke test included)
	cd $(ROOT) && $(PYTHON) -m pytest spec/ -m demo -k "$(DEMO)"
