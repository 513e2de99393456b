# Sluicegate. `make run` and `make test` are the two commands a newcomer
# needs; each installs what it is missing first (see scripts/deps.sh).

SHELL       := /bin/bash
VERSION     ?= 0.1.0
BIN         := build/bin/sluicegate
HEADLESS_BIN := build/bin/sluicegate-headless
# desktop+production are Wails' build tags for a real window; webkit2_41
# links WebKitGTK 4.1 (the one newer distributions ship).
DESKTOP_TAGS := desktop,production,webkit2_41
LDFLAGS     := -s -w -X main.version=$(VERSION)
ADDR        ?= 127.0.0.1:8750
# nfpm builds the .deb; `go run` fetches this exact version once through
# the Go module proxy (verified against the Go checksum database) and
# caches the built tool.
NFPM        := go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
# Every file in the .deb gets the last commit's time, so two builds of
# one commit differ only where the binary does.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

FRONTEND_SRC := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
                frontend/index.html frontend/package.json frontend/vite.config.ts frontend/tsconfig.json

.PHONY: all deps deps-test deps-headless frontend build build-headless package version run serve test bench clean

all: build

## deps: install missing system packages and npm modules (lockfile).
deps:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory frontend/node_modules/.installed

deps-headless:
	@scripts/deps.sh --headless
	@$(MAKE) --no-print-directory frontend/node_modules/.installed

deps-test:
	@scripts/deps.sh --test
	@$(MAKE) --no-print-directory frontend/node_modules/.installed e2e/node_modules/.installed

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

# Playwright drives Debian's /usr/bin/chromium: it must never download one.
e2e/node_modules/.installed: e2e/package-lock.json
	cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	@touch $@

## frontend: build the dashboard into frontend/dist (embedded in the binary).
frontend: frontend/dist/index.html

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SRC)
	cd frontend && npm run build

## build: the desktop binary (also runs `serve`).
build: deps frontend
	CGO_ENABLED=1 go build -buildvcs=false -tags $(DESKTOP_TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) .

## build-headless: `serve`, `check` and `logs` only, no GTK/WebKit linked
## (for servers and containers; the build needs only Go, Node and a C compiler).
build-headless: deps-headless frontend
	CGO_ENABLED=1 go build -buildvcs=false -ldflags "$(LDFLAGS)" -o $(HEADLESS_BIN) .

## package: the .deb of the desktop app in build/package/ (see packaging/).
package: build
	rm -rf build/package
	go run ./packaging/icons -src build/appicon.png -out build/package/icons
	VERSION=$(VERSION) GOARCH=$$(go env GOARCH) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) \
	  $(NFPM) package --config packaging/nfpm.yaml --packager deb --target build/package/
	@ls -l build/package/*.deb

## version: print the version the builds and the .deb get.
version:
	@echo $(VERSION)

## run: build, then open the desktop app.
run: build
	./$(BIN) --addr $(ADDR)

## serve: build, then run headless (dashboard at http://$(ADDR)/).
serve: build
	./$(BIN) serve --addr $(ADDR)

## test: every suite; ends with one "N passed, N failed" line.
test: deps-test
	@scripts/test.sh

## bench: proxy overhead benchmarks against a baseline (see bench/README.md).
bench:
	go run ./bench

clean:
	rm -rf build/bin build/package out frontend/dist/assets frontend/dist/index.html
