# installer-sbom — see README.md.
GO        ?= go
BIN       ?= bin/installer-sbom
FUZZTIME  ?= 3m
FIXTURES  ?= .fixtures
# Registry packages the tests read besides the rules' proofs (see
# internal/testenv/prefetch); fetched by make deps into ~/.cache/installer-sbom.
PREFETCH  := npm:node-notifier@10.0.1 npm:google-closure-compiler-java@20240317.0.0
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The oracles and tools the tests use, as "command:debian-package".
TOOLS     := msiinfo:msitools msiextract:msitools msibuild:msitools wixl:wixl gcab:gcab cabextract:cabextract \
             7zz:7zip llvm-lipo:llvm osslsigncode:osslsigncode objcopy:binutils \
             monodis:mono-utils makensis:nsis dmg2img:dmg2img bzip2:bzip2 mkapfs:apfsprogs
# Packages checked by name: unrelated Windows binaries that the fingerprint
# tests must not misidentify, and GNU time for make bench (`command -v time`
# finds the shell keyword, not /usr/bin/time).
DATA_PKGS := libz-mingw-w64 libwine time
# Release and CI checkers, pinned, built from the module proxy by make deps
# into .tools/ (goreleaser 2.18 needs Go 1.27; 2.17 is the newest that
# builds with this Go).
TOOLDIR   := $(CURDIR)/.tools
GORELEASER_MOD := github.com/goreleaser/goreleaser/v2@v2.17.0
ACTIONLINT_MOD := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

.PHONY: all build test deps vet demo bench fuzz corpus accuracy hostile release-check clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/installer-sbom

# deps installs, with apt-get, whatever the tests need and the machine lacks,
# and fetches the Go modules (including the CPython builds the tests read).
deps:
	@missing=""; \
	for t in $(TOOLS); do cmd=$${t%%:*}; pkg=$${t##*:}; \
	  command -v $$cmd >/dev/null 2>&1 || ls /usr/bin/$$cmd-[0-9]* >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	for p in $(DATA_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$(echo $$missing | tr ' ' '\n' | sort -u) >/dev/null; \
	fi
	$(GO) mod download
	$(GO) mod download github.com/kluctl/go-embed-python@v0.0.0-3.11.11-20241219-1 \
	                   github.com/kluctl/go-embed-python@v0.0.0-3.14.6-20260610-1
	@# the real binaries the rules are proven on, and the packages other tests read
	$(GO) run ./internal/testenv/prefetch $(PREFETCH)
	@# goreleaser and actionlint for release-check (built once; minutes the first time)
	@test -x $(TOOLDIR)/goreleaser || GOFLAGS= GOBIN=$(TOOLDIR) $(GO) install $(GORELEASER_MOD)
	@test -x $(TOOLDIR)/actionlint || GOFLAGS= GOBIN=$(TOOLDIR) $(GO) install $(ACTIONLINT_MOD)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# test: everything that must pass before a commit; under 10 minutes on 2 cores.
test: deps vet release-check
	$(GO) test -timeout 9m ./...

# release-check: the release configuration and the CI recipe are valid.
release-check:
	$(TOOLDIR)/goreleaser check -q
	$(TOOLDIR)/actionlint .github/workflows/*.yml

# demo: build an embeddable-zip installer from the real CPython 3.11.11
# Windows build and print its SBOM.
demo:
	@$(MAKE) -s --no-print-directory build >&2
	@$(GO) run ./fixtures/cmd/mkfixtures -what embed -out $(FIXTURES) >/dev/null
	@SOURCE_DATE_EPOCH=$${SOURCE_DATE_EPOCH:-1734566400} ./$(BIN) compose $(FIXTURES)/python-3.11.11-embed-amd64.zip \
	  --name "Python embeddable package" --version 3.11.11 --supplier "Organization: Python Software Foundation" \
	  --creator "Organization: installer-sbom demo"

# bench: throughput and memory next to the reference tools (see README).
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	@for s in bench/*.sh; do [ "$$s" = bench/corpus.sh ] && continue; echo "== $$s"; bash "$$s" || exit 1; done

# fuzz: every Fuzz target for FUZZTIME each (FUZZTIME=10m make fuzz).
fuzz:
	@for f in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
	  pkg=./$$(dirname $$f); \
	  for name in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | sed 's/^func //'); do \
	    echo "== $$pkg $$name ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 100x $$pkg || exit 1; \
	  done; done

# hostile: every hostile class of fixtures/hostile (issue 14), generated into
# a temporary directory, through the built binary under a watchdog on RSS,
# CPU time and wall time, twice and with --workers 16 (output must match).
hostile: build
	$(GO) run ./fixtures/hostile/cmd/runhostile -bin $(BIN)

# corpus: real installers built from the CPython trees of two releases,
# inspected and composed end to end (long; not part of make test).
corpus: deps build
	bash bench/corpus.sh

# accuracy: score the fingerprint rules against real third-party binaries
# (fixtures/corpus/accuracy.json; fetched from npm and Debian, ~490 MB,
# cached; not part of make test).
accuracy:
	$(GO) test -tags accuracy -count=1 -v -run TestAccuracy -timeout 30m ./internal/accuracy

clean:
	rm -rf bin $(FIXTURES) .bench .corpus
