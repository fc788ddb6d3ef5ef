#!/usr/bin/env bash
# Brings up an mk8s cluster on this machine: installs what is missing
# (npm dependencies, build, Docker engine, local images), then `mk8s up`.
# Arguments go to `mk8s up` (e.g. --nodes 3). Safe to run again.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$MK8S_ROOT"

bootstrap
step docker ensure_docker
step images ensure_images
# kubectl is how users drive the cluster; without one the cluster still runs.
ensure_kubectl >"$MK8S_LOGS/kubectl.log" 2>&1 && say "ok   kubectl ($(tail -n 1 "$MK8S_LOGS/kubectl.log"))" ||
  say "warning: no kubectl 1.31-1.33: $(tail -n 1 "$MK8S_LOGS/kubectl.log")"
say "mk8s up $*"
exec node apps/mk8s/bin/mk8s.mjs up "$@"
