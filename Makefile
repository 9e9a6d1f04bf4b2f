# Targets read like the README: run, test, bench, fuzz, build-lambda, demo.
SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
export GONOSUMDB := github.com/CycloneDX/sbom-utility
# Test harnesses find the emulators here (installed by `make tools`).
export SBOMCAT_TOOLS := $(TOOLS)

.PHONY: all build run demo localstack test test-short lint tidy-check tools fuzz fuzz-long bench bench-compare bench-profiles bench-loop build-lambda clean

all: build

# first-run says, before minutes of silence, what they are: module downloads and a cold build.
# The modules are all in the cache when listing the packages the build and tests need takes no
# proxy. (-mod=readonly: the check must not write go.sum, or `make test` after `make run` would
# find go.sum untidy; `go list -m all` under -mod=mod added the whole graph's go.mod hashes.)
define first-run
	@GOFLAGS=-mod=readonly GOPROXY=off $(GO) list -deps -test ./... >/dev/null 2>&1 || \
	  echo "make $@: first run: downloading Go modules (about 420 MB) and compiling; $(1)"
endef

build:
	$(GO) build ./...

# The service on embedded defaults (SQLite under ./.sbomd, API on 127.0.0.1:4566).
run:
	$(call first-run,sbomd serves after about 2 minutes on 2 idle cores (later runs: 5 s))
	$(GO) run ./cmd/sbomd

SBOMD_ENDPOINT ?= http://127.0.0.1:4566
# The whole loop against a running sbomd (`make run` in another terminal): versioned bucket, a
# zip of SBOMs, a package version, the association, the results table.
demo:
	$(GO) run ./cmd/sbomctl demo --endpoint $(SBOMD_ENDPOINT)

# Emulators the integration tests start on loopback ports (npm registry only; no Docker):
# dynalite (DynamoDB) and fauxqs (SQS); and playwright-core, which drives Debian's Chromium in
# the console's browser test. Tests find them under $$SBOMCAT_TOOLS/node_modules.
NPM_TOOLS := dynalite@4.0.0 fauxqs@1.9.2 playwright-core@1.65.1
tools: $(TOOLS)/.installed

$(TOOLS)/.installed: Makefile
	@echo "make tools: installing $(NPM_TOOLS) from npm into $(TOOLS) (once)"
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-audit --no-fund --loglevel=error $(NPM_TOOLS) >/dev/null
	touch $@

# cfn-lint (pip's cfn-lint) checks template.yaml against CloudFormation's resource specs when
# it is installed; the Lambda emulator is a go.mod tool (aws-lambda-rie) that tests build.
test: tools lint
	$(call first-run,about 8 minutes on 2 idle cores before the tests end)
	@if command -v cfn-lint >/dev/null; then echo "cfn-lint template.yaml"; cfn-lint template.yaml; \
	  else echo "cfn-lint not on PATH: template.yaml NOT linted (pip install cfn-lint)"; fi
	$(GO) test -count=1 -timeout 15m ./...

# go.mod and go.sum must be what `go mod tidy` writes; the check changes nothing, it fails.
tidy-check:
	@$(GO) mod tidy -diff || { echo "make $@: go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result" >&2; exit 1; }

# staticcheck is pinned in go.mod (a `tool` line: v0.8.2), so it builds from the module cache
# like the rest of the module and needs no network once the modules are downloaded.
lint: tidy-check
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Short bounded fuzzing of every fuzz target (CI); fuzz-long for a soak. Counts (Nx) rather than
# durations: Go 1.26's -fuzztime=<duration> can end with "context deadline exceeded" (golang/go#75804).
FUZZTIME ?= 100000x
FUZZ_TARGETS := ./formats:FuzzDetect ./formats:FuzzEngineAgreesWithOracle ./formats:FuzzSchemaMutations \
	./formats:FuzzHandPatterns ./formats:FuzzPlainIRI \
	./validator:FuzzValidateObject ./validator:FuzzDirectory ./jobs:FuzzResolve ./convert:FuzzConvert
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
	  $(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME); done

fuzz-long:
	$(MAKE) fuzz FUZZTIME=5000000x

# Benchmarks on generated 50 MB SBOMs: MB/s and allocations.
bench:
	$(GO) test ./formats -run '^$$' -bench . -benchtime 3x
	$(GO) test ./validator -run '^$$' -bench 'ZipBomb|ManyEntries'
	$(GO) test ./console -run '^$$' -bench Views -benchtime 20x

# sbomcat against LocalStack (AWS_ENDPOINT_URL=http://localhost:4566) or per-service emulators
# (AWS_ENDPOINT_URL_S3 / _SQS / _DYNAMODB): creates the bucket, queue + DLQ and table, then runs
# sbomd (API) and sbomworker (long-poll runner) against them.
localstack:
	./deploy/localstack/run.sh

# Whole-loop figures through a built sbomd process.
bench-loop:
	$(GO) test ./cmd/sbomd -run '^$$' -bench Loop -benchtime 20x

# Lambda bootstraps for `sam build` (provided.al2023, arm64).
LAMBDAS := sbomapi-lambda sbomworker-lambda sbomreaper-lambda
build-lambda:
	@set -e; for f in $(LAMBDAS); do mkdir -p bin/$$f; \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o bin/$$f/bootstrap ./cmd/$$f; \
	  echo bin/$$f/bootstrap; done

# Whole-process comparison with CycloneDX's sbom-utility and a bare encoding/json.Valid pass.
bench-compare:
	./scripts/bench-compare.sh

bench-profiles:
	./scripts/bench-profiles.sh

test-short:
	$(GO) test -short ./...

clean:
	rm -rf $(TOOLS) bin
