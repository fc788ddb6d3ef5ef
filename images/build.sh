#!/usr/bin/env bash
# Builds the local images mk8s and its examples use, since no registry is
# reachable (docs/images.md). An image is rebuilt only when absent or when
# its recipe (this folder) changed, which is recorded in the image label
# io.mk8s.recipe.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
recipe=$(cat "$here/build.sh" "$here/pause/pause.c" | sha256sum | cut -c1-16)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

fresh() { # fresh IMAGE: true when the image exists and was built from this recipe
  [ "$(docker image inspect -f '{{ index .Config.Labels "io.mk8s.recipe" }}' "$1" 2>/dev/null)" = "$recipe" ]
}

# A statically linked busybox: Debian's busybox-static (replaces a dynamic busybox).
busybox_bin() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && ldd "$b" 2>&1 | grep -q 'not a dynamic executable'; then echo "$b"; return 0; fi
  done
  command -v apt-get >/dev/null || return 1
  echo "installing busybox-static" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >&2 ||
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >&2; } || return 1
  echo /bin/busybox
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if fresh busybox:latest; then
  echo "busybox:latest is up to date"
else
  bb=$(busybox_bin) || { echo "need a static busybox: apt-get install busybox-static"; exit 1; }
  root="$work/busybox"
  mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,root,var/www,home}
  chmod 1777 "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
  echo '<html><body>mk8s busybox httpd</body></html>' >"$root/var/www/index.html"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["sh"]' \
    --change "LABEL io.mk8s.recipe=$recipe" \
    - busybox:latest >/dev/null
  echo "built busybox:latest ($("$bb" --list | wc -l) applets)"
fi

if fresh mk8s/pause:latest; then
  echo "mk8s/pause:latest is up to date"
else
  root="$work/pause"
  mkdir -p "$root"
  if command -v gcc >/dev/null && gcc -Os -static -s -o "$root/pause" "$here/pause/pause.c" 2>"$work/gcc.log"; then
    entry='["/pause"]'
    how="static C binary"
  else
    # No C toolchain: a busybox shell that waits and exits on TERM does the same job.
    bb=$(busybox_bin) || { echo "need gcc or a static busybox to build the pause image"; exit 1; }
    mkdir -p "$root/bin"
    cp "$bb" "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    ln -s busybox "$root/bin/sleep"
    entry='["/bin/sh","-c","trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"]'
    how="busybox sh (gcc unavailable: $(head -c 200 "$work/gcc.log" 2>/dev/null))"
  fi
  tar -C "$root" -c . | docker import \
    --change "ENTRYPOINT $entry" \
    --change "LABEL io.mk8s.recipe=$recipe" \
    - mk8s/pause:latest >/dev/null
  echo "built mk8s/pause:latest ($how)"
fi
