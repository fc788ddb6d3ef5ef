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

# Typecheck and lint are independent and each runs on one core: side by side
# they take the time of the longer one. Lint runs in the background; a
# typecheck failure stops it before exiting.
lint() { npm run --silent lint; }
lint_pid=""
if want lint; then
  step lint lint &
  lint_pid=$!
  # The whole tree (npm, nx, eslint), found through /proc: only what this script started.
  kill_tree() { local c; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do kill_tree "$c"; done; kill "$1" 2>/dev/null || true; }
  trap '[ -z "$lint_pid" ] || kill_tree "$lint_pid"' EXIT
fi
step typecheck typecheck   # everything, tests and test helpers included (tsc -b, strict)
if [ -n "$lint_pid" ]; then
  rc=0
  wait "$lint_pid" || rc=$?
  lint_pid=""
  [ "$rc" = 0 ] || exit "$rc"
fi

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
  step host-tools ensure_host_tools
  step kubectl ensure_kubectl
  step docker ensure_docker
  step images ensure_images
  step cni ensure_cni
  step etcd ensure_etcd
  run_vitest e2e --config e2e/vitest.config.ts
  # One minute of the chaos suite (docs/reliability.md, "Chaos suite"), counted like a test stage; its summary line is repeated.
  say "run  chaos (1 minute)"
  if bash scripts/chaos.sh --minutes 1 2>&1 | tee "$MK8S_LOGS/chaos.log"; then
    say "ok   chaos: $(grep '^chaos: seed' "$MK8S_LOGS/chaos.log" | tail -n 1)"
  else
    say "FAIL chaos: $(grep '^chaos: seed' "$MK8S_LOGS/chaos.log" | tail -n 1) (log: $MK8S_LOGS/chaos.log)" >&2
    failed=1
  fi
fi

# One closing line in the plain "N passed, N failed, N skipped" form, summed
# over the stages that ran. A skipped test fails the run: a suite whose tool
# is missing fails and names it (see packages/testing's requireTool), so a
# skip means a test was switched off. Deselect a whole stage on the command
# line instead.
node -e '
  const fs = require("fs"), dir = process.argv[1];
  let p = 0, f = 0, s = 0;
  for (const file of fs.readdirSync(dir)) {
    const r = JSON.parse(fs.readFileSync(dir + "/" + file, "utf8"));
    p += r.numPassedTests; s += r.numPendingTests + (r.numTodoTests || 0);
    // A failed test counts once; a file that failed before any test ran (an import, a beforeAll) counts once too.
    f += r.numFailedTests;
    for (const t of r.testResults || []) if (t.status === "failed" && !(t.assertionResults || []).some((a) => a.status === "failed")) f += 1;
  }
  console.log(`mk8s tests: ${p} passed, ${f} failed, ${s} skipped`);
  process.exitCode = s > 0 ? 3 : 0;
' "$results" || { say "FAIL: tests were skipped (a skip hides a missing tool or a switched-off test)" >&2; failed=1; }

if [ "$failed" != 0 ]; then say "tests failed"; exit 1; fi
say "all stages passed: ${stages[*]}"
