# Targets read like the README: run, test, bench, fuzz, build-lambda, demo.
SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
export GONOSUMDB := github.com/CycloneDX/sbom-utility
# Test harnesses find the emulators here (installed by `make tools`).
export SBOMCAT_TOOLS := $(TOOLS)

.PHONY: all build test test-short tools fuzz fuzz-long bench bench-compare clean

all: build

build:
	$(GO) build ./...

# Emulators the integration tests start on loopback ports (npm registry only; no Docker).
tools: $(TOOLS)/node_modules/dynalite/cli.js

$(TOOLS)/node_modules/dynalite/cli.js:
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-audit --no-fund --loglevel=error dynalite@4.0.0 >/dev/null

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
