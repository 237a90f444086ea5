# Family Data Rights Desk. `make run` sets everything up and starts the stack; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := run
PYTHON310 := $(shell scripts/find-python310)
APP := .venv/.installed
RASA := .venv-rasa/.installed
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa imports the custom NLU components in bot/components/ by module path from the repository root.
export PYTHONPATH := $(CURDIR)

.PHONY: run install model lint typecheck kb-validate rasa-validate rasa-test pytest test check bench lock audit clean

$(APP): requirements/app.txt pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 is required" >&2; exit 1; }
	test -x .venv/bin/python || $(PYTHON310) -m venv .venv
	.venv/bin/python -m pip install --quiet --require-hashes -r requirements/app.txt
	.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(RASA): requirements/rasa.txt
	@test -n "$(PYTHON310)" || { echo "Python 3.10 is required" >&2; exit 1; }
	test -x .venv-rasa/bin/python || $(PYTHON310) -m venv .venv-rasa
	.venv-rasa/bin/python -m pip install --quiet --require-hashes -r requirements/rasa.txt
	touch $@

install: $(APP) $(RASA)

## run: set up both environments, migrate, train if bot/ changed, start everything (Ctrl-C stops it all)
run: install
	.venv/bin/rightsdesk run

## model: train the Rasa model for the current bot/ (no-op when it exists)
model: install
	.venv/bin/rightsdesk train

lint: $(APP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: $(APP)
	.venv/bin/mypy

kb-validate: $(APP)
	.venv/bin/rightsdesk kb validate

rasa-validate: $(RASA)
	.venv-rasa/bin/rasa data validate --domain bot/domain --data bot/data --config bot/config.yml --fail-on-warnings

## rasa-test: the test stories in both languages against the trained model
rasa-test: model
	rm -rf results/core
	.venv-rasa/bin/rasa test core --model "$$(.venv/bin/rightsdesk train --print-path)" --stories bot/tests \
	  --endpoints bot/endpoints.yml --out results/core --fail-on-prediction-errors --no-plot --e2e

pytest: model
	.venv/bin/python -m pytest -q -p no:cacheprovider

## test: everything; exits non-zero on any failure
test: lint typecheck kb-validate rasa-validate rasa-test pytest

## check: the quick loop while working: lint, types, and the unit and integration tests (not the end-to-end ones,
## so no Rasa model is needed; a few minutes on 2 cores). `make test` remains what must pass before a merge.
check: lint typecheck
	.venv/bin/python -m pytest -q -p no:cacheprovider -m "not e2e"

## bench: every benchmark in bench/ (see BENCHMARKS.md)
bench: model
	.venv/bin/python bench/run_all.py

LOCK_TOOLS := .lock-tools
PIP_COMPILE := $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --no-header --no-annotate --strip-extras \
  --no-emit-index-url --no-emit-find-links

## lock: re-pin both environments after changing a requirement on purpose: the versions installed now, with the
## sha256 of every file of each (pip-tools, in a throwaway environment), so `make install` can --require-hashes
lock:
	rm -rf $(LOCK_TOOLS) && $(PYTHON310) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install --quiet pip-tools==7.6.2
	.venv/bin/pip freeze --exclude-editable | grep -v '^rightsdesk' > $(LOCK_TOOLS)/app.in
	.venv-rasa/bin/pip freeze --exclude-editable | grep -v '^rightsdesk' > $(LOCK_TOOLS)/rasa.in
	$(PIP_COMPILE) -o $(LOCK_TOOLS)/app.txt $(LOCK_TOOLS)/app.in
	$(PIP_COMPILE) -o $(LOCK_TOOLS)/rasa.txt $(LOCK_TOOLS)/rasa.in
	(echo "# Everything but Rasa (.venv). Every transitive version pinned, with the sha256 of every file PyPI has for it;"; \
	 echo "# installed with --require-hashes. Regenerate with \`make lock\`."; cat $(LOCK_TOOLS)/app.txt) > requirements/app.txt
	(echo "# Rasa alone, in its own environment (.venv-rasa). Every transitive version pinned, with hashes;"; \
	 echo "# installed with --require-hashes. Regenerate with \`make lock\`."; cat $(LOCK_TOOLS)/rasa.txt) > requirements/rasa.txt
	rm -rf $(LOCK_TOOLS)

AUDIT_TOOLS := .audit-tools
## audit: known vulnerabilities in both pinned environments (pip-audit). Needs PyPI's JSON API or OSV, which a
## closed network lacks, so it is not part of `make test`: run it where the package index allows it.
audit:
	test -x $(AUDIT_TOOLS)/bin/pip-audit || { $(PYTHON310) -m venv $(AUDIT_TOOLS) && $(AUDIT_TOOLS)/bin/pip install --quiet pip-audit==2.10.1; }
	$(AUDIT_TOOLS)/bin/pip-audit --no-deps --disable-pip --require-hashes -r requirements/app.txt
	$(AUDIT_TOOLS)/bin/pip-audit --no-deps --disable-pip --require-hashes -r requirements/rasa.txt

clean:
	rm -rf var results models .pytest_cache .mypy_cache .ruff_cache .lock-tools .audit-tools
