# Sluicegate. `make run` and `make test` are the two commands a newcomer
# needs; each installs what it is missing first (see scripts/deps.sh).

SHELL       := /bin/bash
VERSION     ?= 0.1.0
BIN         := build/bin/sluicegate
# desktop+production are Wails' build tags for a real window; webkit2_41
# links WebKitGTK 4.1 (the one newer distributions ship).
DESKTOP_TAGS := desktop,production,webkit2_41
LDFLAGS     := -s -w -X main.version=$(VERSION)
ADDR        ?= 127.0.0.1:8750

FRONTEND_SRC := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
                frontend/index.html frontend/package.json frontend/vite.config.ts frontend/tsconfig.json

.PHONY: all deps deps-test frontend build run serve test bench clean

all: build

## deps: install missing system packages and npm modules (lockfile).
deps:
	@scripts/deps.sh
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
	rm -rf build/bin out frontend/dist/assets frontend/dist/index.html
