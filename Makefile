# Targets read like the README: run, test, bench, fuzz, build-lambda, demo.
SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
export GONOSUMDB := github.com/CycloneDX/sbom-utility
# Test harnesses find the emulators here (installed by `make tools`).
export SBOMCAT_TOOLS := $(TOOLS)

.PHONY: all build run test test-short tools fuzz fuzz-long bench bench-compare clean

all: build

build:
	$(GO) build ./...

# The service on embedded defaults (SQLite under ./.sbomd, API on 127.0.0.1:4566).
run:
	$(GO) run ./cmd/sbomd

# Emulators the integration tests start on loopback ports (npm registry only; no Docker):
# dynalite (DynamoDB) and fauxqs (SQS). Tests find them under $$SBOMCAT_TOOLS/node_modules.
NPM_TOOLS := dynalite@4.0.0 fauxqs@1.9.2
tools: $(TOOLS)/.installed

$(TOOLS)/.installed: Makefile
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-audit --no-fund --loglevel=error $(NPM_TOOLS) >/dev/null
	touch $@

test: tools
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...

# Short bounded fuzzing of every fuzz target (CI); fuzz-long for a soak.
FUZZTIME ?= 20s
FUZZ_TARGETS := ./formats:FuzzDetect ./formats:FuzzEngineAgreesWithOracle ./formats:FuzzSchemaMutations ./validator:FuzzValidateObject
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
	  $(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME); done

fuzz-long:
	$(MAKE) fuzz FUZZTIME=10m

# Benchmarks on generated 50 MB SBOMs: MB/s and allocations.
bench:
	$(GO) test ./formats ./validator -run '^$$' -bench . -benchtime 3x

# Whole-process comparison with CycloneDX's sbom-utility and a bare encoding/json.Valid pass.
bench-compare:
	./scripts/bench-compare.sh

test-short:
	$(GO) test -short ./...

clean:
	rm -rf $(TOOLS) bin
