#!/usr/bin/env bash
# Runs every suite of `make test` and ends with one plain line,
# "N passed, N failed", summing all of them. Exits non-zero if any failed.
# Reports land in out/reports, screenshots in out/screenshots.
set -uo pipefail
cd "$(dirname "$0")/.."

out=out
reports=$out/reports
rm -rf "$reports" && mkdir -p "$reports" "$out/screenshots"
export SLUICEGATE_BIN=$PWD/build/bin/sluicegate
export DESKTOP_TAGS=desktop,production,webkit2_41
FUZZTIME=${FUZZTIME:-10s}

total_p=0 total_f=0 total_s=0
summary=()

record() { # suite passed failed skipped
  total_p=$((total_p + $2)) total_f=$((total_f + $3)) total_s=$((total_s + $4))
  summary+=("$(printf '%-22s %4d passed, %d failed, %d skipped' "$1" "$2" "$3" "$4")")
}

# step NAME CMD...: a check that is one test; its log is shown on failure.
step() {
  local name=$1; shift
  echo "==> $name"
  if "$@" >"$reports/$name.log" 2>&1; then
    record "$name" 1 0 0
  else
    echo "FAILED: $name" | tee -a "$reports/steps.failures" >&2
    tail -n 60 "$reports/$name.log" >&2
    record "$name" 0 1 0
  fi
}

# counted NAME KIND REPORT CMD...: a runner whose report is counted.
counted() {
  local name=$1 kind=$2 report=$3; shift 3
  echo "==> $name"
  "$@"
  local rc=$?
  # The failing tests' names and output go to stderr now and again, as
  # short lines, after the summary: CI shows only the end of the log.
  read -r p f s < <(node scripts/count.mjs "$kind" "$report" 2> >(tee "$reports/$name.failures" >&2))
  # A runner that failed without a failing test (compile error, crash)
  # is still a failure.
  if ((rc != 0 && f == 0)); then f=1; echo "FAILED: $name exited $rc" | tee -a "$reports/steps.failures" >&2; fi
  record "$name" "$p" "$f" "$s"
}

gofmt_check() {
  local bad
  bad=$(find . -name '*.go' -not -path '*/node_modules/*' -not -path './.git/*' -print0 | xargs -0 gofmt -l)
  [[ -z "$bad" ]] || { echo "gofmt would change:"; echo "$bad"; return 1; }
}

step gofmt gofmt_check
step go-vet go vet ./...
step go-vet-desktop go vet -tags "$DESKTOP_TAGS" ./...
counted go-test go "$reports/go-test.json" \
  bash -c "go test -race -json ./... > '$reports/go-test.json'"
# fuzz PKG TARGET: FUZZTIME of fuzzing one target. Go 1.26's fuzz
# coordinator can fail a target at the -fuzztime boundary with a bare
# "context deadline exceeded" and no failing input (golang/go#75804, fixed
# in Go 1.27); such a run is repeated once. A real finding always prints
# "Failing input written to" and fails at once.
fuzz() {
  local pkg=$1 target=$2 log
  log=$(mktemp)
  for attempt in 1 2; do
    if go test -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
      cat "$log"; rm -f "$log"; return 0
    fi
    cat "$log"
    if ! grep -q 'context deadline exceeded' "$log" || grep -q 'Failing input written' "$log"; then
      rm -f "$log"; return 1
    fi
    echo "(attempt $attempt ended in the fuzz coordinator's deadline race, golang/go#75804, with no failing input)"
  done
  rm -f "$log"
  return 1
}

if grep -q 'func FuzzSpliceModel' proxy/*_test.go 2>/dev/null; then
  step fuzz-splice fuzz ./proxy FuzzSpliceModel
fi
step fuzz-route fuzz ./proxy FuzzRouteTable
step fuzz-translate-o2a fuzz ./translate FuzzOpenAIToAnthropicStream
step fuzz-translate-a2o fuzz ./translate FuzzAnthropicToOpenAIStream
step fuzz-translate-fast fuzz ./translate FuzzFastPathsMatchDecoder
step fuzz-logentry-json fuzz ./model FuzzLogEntryAppendJSON
step fuzz-capture fuzz ./storage FuzzDecodeCapture
step fuzz-log-record fuzz ./storage FuzzDecodeRecord
step fuzz-live-frame fuzz ./live FuzzDecodeFrame
step fuzz-live-valid fuzz ./live FuzzValidJSON
# The dashboard's API types are generated from api/openapi.json; a stale
# copy fails here.
step api-types bash -c "cd frontend && npm run -s check:types"
counted frontend-unit vitest "$reports/vitest.json" \
  bash -c "cd frontend && npx vitest run --reporter=default --reporter=json --outputFile.json='../$reports/vitest.json'"
step build make --no-print-directory build
step build-headless make --no-print-directory build-headless
step package make --no-print-directory package
# The .deb (fields, files, validators, dpkg -i and its window under Xvfb)
# and the headless binary (no GTK/WebKit linked; serve, check, logs).
counted packages go "$reports/packages.json" \
  bash -c "go test -tags pkg -count=1 -json -timeout 5m ./pkgtest > '$reports/packages.json'"
# The dashboard's end-to-end suite runs against the headless build: serve
# must need nothing that only the desktop build has.
counted e2e-dashboard playwright "$reports/playwright.json" \
  bash -c "cd e2e && SLUICEGATE_BIN='$PWD/build/bin/sluicegate-headless' npx playwright test"
counted desktop-smoke go "$reports/desktop-smoke.json" \
  bash -c "go test -tags smoke -count=1 -json -timeout 10m ./smoke > '$reports/desktop-smoke.json'"
# Claude Code itself (pinned in e2e/package-lock.json) against the built
# binary and a fake OpenAI-compatible provider (issue 12).
counted clients go "$reports/clients.json" bash -c "go test -tags clients -count=1 -json -timeout 5m ./clients > '$reports/clients.json'"

echo
echo "Summary"
printf '  %s\n' "${summary[@]}"
if ((total_f > 0)); then
  echo "Failed:"
  cat "$reports"/*.failures 2>/dev/null | grep -E '^(--- FAIL|FAILED|    )' | cut -c1-300 | head -n 40
fi
echo "$total_p passed, $total_f failed"
((total_f == 0))
