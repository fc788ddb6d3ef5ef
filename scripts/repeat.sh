#!/usr/bin/env bash
# Runs one e2e suite N times in a row and prints one line per run plus a
# summary: the proof that a suite which once hung or flaked is now stable
# (docs/reliability.md, Repeated runs). Not part of scripts/test.sh: run it
# once when a suite's stability is in question.
#
#   scripts/repeat.sh 20 packages/runtime-docker/src/docker-runtime.e2e.test.ts
#
# Each run has a hard limit (REPEAT_TIMEOUT seconds, default 600): a hang
# counts as a failure and the loop goes on.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$MK8S_ROOT"

[ $# -ge 2 ] || die "usage: scripts/repeat.sh N SUITE_FILE [VITEST_ARGS...]"
n="$1"; shift
[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got \"$n\""
limit="${REPEAT_TIMEOUT:-600}"

bootstrap
step docker ensure_docker
step images ensure_images

out="$MK8S_HOME/repeat"
mkdir -p "$out"
passed=0 failed=0 total=0 slowest=0
for i in $(seq 1 "$n"); do
  t0=$(date +%s.%N)
  log="$out/run-$i.log"
  if timeout --kill-after=10 "$limit" vitest run --config e2e/vitest.config.ts "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); verdict=ok
  else
    failed=$((failed + 1)); verdict="FAIL (exit $?; log: $log)"
  fi
  d=$(_elapsed "$t0")
  total=$(awk -v a="$total" -v b="$d" 'BEGIN { print a + b }')
  slowest=$(awk -v a="$slowest" -v b="$d" 'BEGIN { print (b > a) ? b : a }')
  say "run $i/$n: $verdict in ${d}s"
done
say "repeat: $passed of $n runs passed, $failed failed; mean $(awk -v t="$total" -v n="$n" 'BEGIN { printf "%.1f", t / n }')s, slowest ${slowest}s"
[ "$failed" = 0 ]
