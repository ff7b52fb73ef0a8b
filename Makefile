# FlowEngine SDK — one entry point for building, checking and testing.
#
#   make test        every check that exists (what .ci/run calls)
#   make demo        the main job (arrives with the sandbox and the core)
#   make help        the list of targets
#
# Tools are installed on demand into the repository, nothing global:
#   .venv/               Python tools pinned in tools/requirements.txt  (make venv)
#   tools/node_modules/  npm tools pinned in tools/package-lock.json    (make node-tools)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
NPM    ?= npm
CARGO  ?= cargo
SPEC   ?= openapi/flowengine.yaml

VENV       := .venv
VENV_BIN   := $(VENV)/bin
VENV_STAMP := $(VENV)/.requirements.stamp
NODE_STAMP := tools/node_modules/.package-lock.stamp

# Redocly phones home unless told not to.
export REDOCLY_TELEMETRY := off

# ---------------------------------------------------------------------------
# make test: the steps, in order. Each step is an ordinary target below.
# To add a suite, write its target and append it here, e.g.
#   TEST_STEPS += test-codegen   # make codegen-check: committed files are fresh
#   TEST_STEPS += test-fuzz      # schemathesis against the sandbox (.venv/bin/st)
#   TEST_STEPS += test-python test-node test-swift
# The steps run one after the other in this order, even under make -j.
# ---------------------------------------------------------------------------
TEST_STEPS := test-spec
TEST_STEPS += test-codegen
TEST_STEPS += test-rust
TEST_STEPS += test-fuzz
TEST_STEPS += test-python
TEST_STEPS += test-node
TEST_STEPS += test-mcp
TEST_STEPS += test-swift

.PHONY: help venv node-tools tools lint-spec build test $(TEST_STEPS) \
        demo demo-rust codegen codegen-check bench lint clean-tools

help:
	@echo "FlowEngine SDK targets:"
	@echo "  test           run every check, in order: $(TEST_STEPS)"
	@echo "  lint-spec      redocly lint (redocly.yaml) + openapi-spec-validator on $(SPEC)"
	@echo "  build          cargo build --workspace"
	@echo "  lint           lint-spec + cargo clippy --workspace"
	@echo "  demo           the tour with fe: deploy, logs, secret, domain, chat, usage against a local sandbox"
	@echo "  demo-rust      the same tour through the Rust core's examples"
	@echo "  codegen        regenerate each language's typed surface from the spec"
	@echo "  codegen-check  fail when a committed generated file is stale"
	@echo "  bench          every benchmark: core SSE and pack (criterion), deploy RSS, Node and Python against their anchors"
	@echo "  venv           .venv with tools/requirements.txt (reruns when it changes)"
	@echo "  node-tools     npm ci in tools/ (reruns when package*.json change)"
	@echo "  clean-tools    remove .venv and tools/node_modules"

# --- tool installs -----------------------------------------------------------

venv: $(VENV_STAMP)

$(VENV_STAMP): tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_BIN)/python -m pip install --disable-pip-version-check --quiet -r tools/requirements.txt
	@touch $@
	@echo "venv: $(VENV) ready ($$($(VENV_BIN)/python --version))"

node-tools: $(NODE_STAMP)

$(NODE_STAMP): tools/package.json tools/package-lock.json
	cd tools && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@
	@echo "node-tools: tools/node_modules ready (@redocly/cli $$(node -p "require('./tools/node_modules/@redocly/cli/package.json').version"))"

tools: venv node-tools

clean-tools:
	rm -rf $(VENV) tools/node_modules

# --- checks ------------------------------------------------------------------

lint-spec: venv node-tools
	@SPEC=$(SPEC) REDOCLY=tools/node_modules/.bin/redocly REDOCLY_CONFIG=redocly.yaml \
	    SPEC_VALIDATOR=$(VENV_BIN)/openapi-spec-validator scripts/lint-spec.sh

lint: lint-spec
	$(CARGO) clippy --workspace

build:
	$(CARGO) build --workspace

# --- make test and its steps -------------------------------------------------

test:
	@for step in $(TEST_STEPS); do \
	    echo "==> make $$step"; \
	    $(MAKE) $$step || { echo "make test: FAILED at $$step"; exit 1; }; \
	done; \
	echo "make test: all $(words $(TEST_STEPS)) steps passed ($(TEST_STEPS))"

# The spec's own checks, with their figures (documented operations, schemas, examples).
test-spec: lint-spec
	@# The contract test's figures on success; its whole output on failure.
	@out="$$(mktemp)"; if $(CARGO) test -q -p flowengine-codegen --test spec_contract -- --nocapture >"$$out" 2>&1; then \
	    grep -oE "[0-9]+/[0-9]+ documented operations|[0-9]+ operations complete.*examples|[0-9]+ public methods" "$$out"; rm -f "$$out"; \
	else cat "$$out"; rm -f "$$out"; echo "spec contract: FAILED"; exit 1; fi

test-codegen: codegen-check

# schemathesis (pinned in tools/requirements.txt) against a sandbox on a free port.
test-fuzz: venv
	VENV=$(VENV) scripts/sandbox-fuzz.sh

# The Python package: pip install ./bindings/python (maturin), pytest (both
# clients replay the scenarios), mypy --strict on examples/python.
test-python: venv
	VENV=$(VENV) bash bindings/python/test.sh

# Swift: tree-sitter syntax check of every .swift file, the scenarios through
# uniffi's Python bindings of the same cdylib (the C ABI Swift calls), and a
# check that every operation has its Swift method.
test-swift: venv
	VENV=$(VENV) bash bindings/swift/test.sh

# The Node package: npm ci (builds the addon), tsc --strict, node --test.
test-node:
	bash bindings/node/test.sh

# flowengine-mcp driven over stdio by the Python `mcp` client.
test-mcp:
	VENV=$(VENV) bash crates/mcp/test.sh

# cargo-nextest when installed (doctests then run through cargo test --doc,
# which nextest does not cover); plain cargo test otherwise.
test-rust:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	    echo "$(CARGO) nextest run --workspace"; \
	    $(CARGO) nextest run --workspace --no-tests=warn --status-level fail; \
	    echo "$(CARGO) test --workspace --doc"; \
	    $(CARGO) test --workspace --doc; \
	else \
	    echo "$(CARGO) test --workspace (cargo-nextest not installed)"; \
	    $(CARGO) test --workspace; \
	fi
	@# The core's tour (every example's task against an in-process sandbox) must keep working.
	@out="$$(mktemp)"; if $(CARGO) run -q -p flowengine --example tour >"$$out" 2>&1; then \
	    echo "rust tour: ok ($$(wc -l <"$$out") lines; make demo-rust shows them)"; rm -f "$$out"; \
	else cat "$$out"; rm -f "$$out"; echo "rust tour: FAILED"; exit 1; fi

# --- the main job, generated files, benchmarks ---------------------------------

demo:
	bash crates/cli/tour.sh

# The same tour in Rust, through the core's examples.
demo-rust:
	$(CARGO) run -q -p flowengine --example tour

codegen:
	$(CARGO) run -q -p flowengine-codegen -- write

codegen-check:
	$(CARGO) run -q -p flowengine-codegen -- check

# Benchmarks (not part of make test): SSE parse throughput against
# eventsource-stream, pack against `tar czf`, peak RSS of pack + upload.
bench:
	$(CARGO) bench -p flowengine --bench sse
	$(CARGO) bench -p flowengine --bench pack
	scripts/bench-deploy.sh
	bash bindings/node/bench/run.sh
	VENV=$(VENV) bash bindings/python/bench/run.sh
