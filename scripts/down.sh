#!/usr/bin/env bash
# Stops the cluster that scripts/up.sh started. Arguments go to `mk8s down`
# (e.g. --purge to remove the data folder too).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$MK8S_ROOT"

if [ ! -f apps/mk8s/dist/main.js ]; then
  say "mk8s was never built here: nothing is running"
  exit 0
fi
exec node apps/mk8s/bin/mk8s.mjs down "$@"
