# Targets every demo shares.  A demo's Makefile sets DEMO_KEYSPACE and RUN, then:
#
#     include ../../src/demokit/demo.mk
#
# The database follows the project rule: SCYLLA_HOSTS -> that cluster; else Docker
# when an engine answers; else a background scylla_lite (data kept between runs).

# absolute: the `test` target runs from the repository root
PYTHON ?= $(if $(wildcard ../../.venv/bin/python),$(abspath ../../.venv/bin/python),python3)
SEED_ARGS ?= --count 50

.PHONY: help db-up db-down seed run clean test

help:                           ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

db-up:                          ## Start the database (or reuse it) and show where it is
	$(PYTHON) -m demokit db-up

db-down:                        ## Stop the database started by db-up
	$(PYTHON) -m demokit db-down

seed: db-up                     ## Load sample data (SEED_ARGS="--feed file.csv" for real data)
	$(PYTHON) seed.py $(SEED_ARGS)

run: seed                       ## Seed, then start the demo
	$(RUN)

clean:                          ## Stop the database and delete its data
	$(PYTHON) -m demokit db-down --wipe

test:                           ## Run this demo's part of the spec
	cd ../.. && $(PYTHON) -m pytest spec/ -m "demo" -k "$(notdir $(CURDIR))"
