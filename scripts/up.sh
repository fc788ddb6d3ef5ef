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
say "mk8s up $*"
exec node apps/mk8s/bin/mk8s.mjs up "$@"
