#!/usr/bin/env bash
# The project's test command (README, .ci/run). From a machine that has never
# seen mk8s: installs what is missing, then runs lint, typecheck, unit,
# integration and e2e tests. Exits non-zero on any failure.
#
#   scripts/test.sh            everything
#   scripts/test.sh unit e2e   only the named stages (lint, unit, e2e; unit
#                              includes the integration tests)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$MK8S_ROOT"

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(lint unit e2e)
want() { local s; for s in "${stages[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

results="$MK8S_HOME/test-results"
rm -rf "$results" && mkdir -p "$results"
failed=0

bootstrap   # deps + build (production code only)
step typecheck typecheck   # everything, tests and test helpers included (tsc -b, strict)

lint() { npm run --silent lint; }
want lint && step lint lint

# vitest prints its own summary to the terminal; the JSON report feeds ours.
run_vitest() { # run_vitest NAME ARGS...
  local name="$1"; shift
  say "run  $name tests"
  if vitest run "$@" --reporter=default --reporter=json --outputFile.json="$results/$name.json"; then
    say "ok   $name tests"
  else
    say "FAIL $name tests" >&2
    failed=1
  fi
}

want unit && run_vitest unit-and-integration

if want e2e; then
  step docker ensure_docker
  step images ensure_images
  step cni ensure_cni
  step etcd ensure_etcd
  run_vitest e2e --config e2e/vitest.config.ts
fi

# One closing line in the plain "N passed, N failed" form, summed over stages.
node -e '
  const fs = require("fs"), dir = process.argv[1];
  let p = 0, f = 0, s = 0;
  for (const file of fs.readdirSync(dir)) {
    const r = JSON.parse(fs.readFileSync(dir + "/" + file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests > 0 ? r.numFailedTests : r.numFailedTestSuites; s += r.numPendingTests + (r.numTodoTests || 0);
  }
  console.log(`mk8s tests: ${p} passed, ${f} failed, ${s} skipped`);
' "$results"

if [ "$failed" != 0 ]; then say "tests failed"; exit 1; fi
say "all stages passed: ${stages[*]}"
