# Targets read like the README: run, test, bench, fuzz, build-lambda, demo.
SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
export GONOSUMDB := github.com/CycloneDX/sbom-utility
# Test harnesses find the emulators here (installed by `make tools`).
export SBOMCAT_TOOLS := $(TOOLS)

.PHONY: all build test test-short tools fuzz bench clean

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

test-short:
	$(GO) test -short ./...

clean:
	rm -rf $(TOOLS) bin
