#!/usr/bin/env bash
# The chaos suite (docs/reliability.md, "Chaos suite"): a fresh 2-node mk8s
# cluster in its own temporary MK8S_HOME, a workload under load, and N
# minutes of kill -9 of one random component at a time (seeded), each
# restarted by `mk8s up`; then the invariants. The cluster is always torn
# down. Prints one summary line; exits non-zero on a violation.
#
#   scripts/chaos.sh                       3 minutes, random seed
#   scripts/chaos.sh --minutes 10 --seed 42
#   scripts/chaos.sh --out /tmp/chaos-42   report (and, on failure, the logs) there
#                                          (default .mk8s/chaos/<timestamp>/)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$MK8S_ROOT"

bootstrap            # deps + build
step docker ensure_docker
step images ensure_images

# The run makes its own MK8S_HOME (a temp folder); the one common.sh set is
# for the bootstrap logs only.
exec tsx tools/chaos/cli.ts "$@"
