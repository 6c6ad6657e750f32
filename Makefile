# The two commands on a fresh machine: `make up` (the whole system locally) and `make test` (everything CI runs).
SHELL := /bin/bash
# Recursive on purpose: looked up again at each use, so it finds the uv that `install-uv` has just installed. pip puts
# uv's binary in the interpreter's scripts folder, which need not be on PATH (pyenv makes a shim only on rehash).
UV ?= $(shell command -v uv 2>/dev/null || python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PYTEST_ARGS ?=

MINUTES ?= 30

.PHONY: up test soak soak-model lint bench docs install install-uv clean help

help:
	@echo "make up      start Kafka, PostgreSQL, the mail catcher and all four services (+ demo data)"
	@echo "make test    run every test against a real Kafka and PostgreSQL"
	@echo "make soak    the mixed-fault soak for MINUTES minutes (default 30; SOAK_SEED replays; SOAK_REVERT=reschedule-reconfirm must fail)"
	@echo "make soak-model  random runs of the model-based test for MINUTES minutes"
	@echo "make lint    ruff + mypy"
	@echo "make bench   benchmarks with side-by-side baselines"
	@echo "make docs    regenerate the events catalogue and AsyncAPI documents"

install-uv:
	@[ -x "$(UV)" ] || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

# The portal's browser assets (Designsystemet, htmx, Inter) from npm, exactly as its committed lockfile says.
install: install-uv
	@$(UV) sync --all-packages --frozen --quiet 2>/dev/null || $(UV) sync --all-packages --quiet
	@cd services/portal/web && npm ci --no-audit --no-fund --silent

up: install
	$(UV) run outreach-up $(ARGS)

# One pytest session per suite, each with its own Kafka and PostgreSQL: a service's suite runs that service alone
# (the others are played by its tests); tests/faults, tests/flows and tests/security each run the whole system.
# Sessions sharing a broker would let one suite's long-lived services join another's consumer groups.
# The flows mostly wait (mails, visits starting in a minute, a browser), so they run beside the other suites; the
# faults kill processes and judge recovery by deadlines, so they run alone at the end (tests/run_suites.py).
# The soak (three minutes of mixed faults on its own cluster) ends the main lane: the flows lane is the longer, and
# the soak judges by its checker after a quiet period, not by deadlines, so it bears running beside the flows.
SUITES ?= shared/tests dev/tests services/booking services/ambassadors services/training services/notify services/portal \
	tests/security tests/model tests/test_*.py tests/soak
BESIDE_SUITES ?= tests/flows
LAST_SUITES ?= tests/faults

test: install
	@$(UV) run python tests/run_suites.py --beside "$(BESIDE_SUITES)" --last "$(LAST_SUITES)" \
		--pytest-args "$(PYTEST_ARGS)" $(SUITES)

# The mixed-fault soak (tests/soak): the workload at a steady rate while a seeded, printed fault schedule plays, then
# the outsider's checker; `make test` runs three minutes of it at the end of its main lane.
soak: install
	SOAK_MINUTES=$(MINUTES) $(UV) run pytest tests/soak/test_soak.py -s -p no:cacheprovider $(PYTEST_ARGS)

# Random runs of the model-based test until MINUTES are up; a failure prints its shrunk steps as code.
soak-model: install
	MODEL_SOAK_MINUTES=$(MINUTES) MODEL_EXAMPLES=10 $(UV) run pytest tests/model/test_system_model.py -k random -p no:cacheprovider \
		$(PYTEST_ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run mypy shared/outreach_shared dev/outreach_dev services/booking/src services/ambassadors/src services/training/src services/notify/src services/portal/src

bench: install
	$(UV) run python tests/bench/run.py $(ARGS)

docs: install
	$(UV) run python -m outreach_shared.docs

clean:
	rm -rf .local .pytest_cache .mypy_cache .ruff_cache
