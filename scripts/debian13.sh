#!/usr/bin/env bash
# Debian 13 (trixie: GStreamer 1.26, Node 20 / libnode115) on this Debian 12 machine: a debootstrap
# root cached in .deps/debian13, in which this same checkout is set up and built and chosen pipeline
# tests run (test/platform/debian13.test.ts runs `test` as part of `npm test`).
#
#   bash scripts/debian13.sh ensure        create the root (or add the packages the list below gained)
#   bash scripts/debian13.sh run CMD…      run CMD in the checkout inside the root (`run bash`: a shell)
#   bash scripts/debian13.sh test [FILE…]  ensure, `scripts/setup.sh` (the README's set-up) inside the root,
#                                          then vitest on FILE… (default: test/platform/debian13-tests.txt)
#
# Inside the root the checkout sits at its own path and build-debian13/ is mounted on build/, so the
# set-up, the build scripts and every test that names build/ use the Debian 13 build while the host's
# build/ stays untouched; node_modules/ is shared (pure JavaScript plus linux-x64 binaries, which run
# on trixie's newer glibc). Every command runs in a mount namespace of its own (unshare -m): /proc,
# /dev, /sys, the checkout and ../shared are mounted only there and vanish with its last process,
# also when a run is killed, so nothing is ever left mounted on the host.
#
# Environment: TSVISION_DEBIAN13_ROOT (where the root lives, default .deps/debian13),
# TSVISION_DEBIAN13_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
SELF=$(realpath "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/.." && pwd -P)
SHARED=$(realpath -m "$ROOT/../shared")
# Where the tests look for it (ROOT/../shared, e.g. a symlink to SHARED): mounted there too.
SHARED_AS=$(realpath -s -m "$ROOT/../shared")
ROOTFS=${TSVISION_DEBIAN13_ROOT:-$ROOT/.deps/debian13}
MIRROR=${TSVISION_DEBIAN13_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
TESTS_LIST=$ROOT/test/platform/debian13-tests.txt

# The root's packages, the one list: append what a test needs. scripts/setup.sh installs the same
# build/run packages on a real Debian 13 machine; here they are installed up front so that the
# root is cached whole and the set-up inside it only checks them.
PACKAGES=(
  # GStreamer 1.26: headers, gst-launch/gst-inspect, the plugins the tests use (bad: h264parse,
  # GstAnalytics and objectdetectionoverlay; libav: H.264 decoding)
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-libav gstreamer1.0-plugins-ugly
  # Node 20: the embedding library and its headers, and `node` to run vitest and the build's scripts
  libnode-dev libnode115 nodejs
  # the build
  meson ninja-build pkg-config cmake g++ make python3 libuv1-dev libssl-dev
  # tsexport's MQTT client and the broker the MQTT tests start
  libmosquitto-dev mosquitto mosquitto-clients
  # tsexport's database output (libpq, SQLite), the PostgreSQL server and the sqlite3 tool its tests use
  libpq-dev libsqlite3-dev postgresql sqlite3
  # tsoverlay's text (Pango/Cairo) and fonts for Latin, Cyrillic and CJK
  libpango1.0-dev libcairo2-dev fonts-dejavu-core fonts-wqy-microhei
  # Python GstAnalytics producers (tests drive GStreamer from Python)
  python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 gir1.2-gst-plugins-bad-1.0
  # what scripts/setup.sh checks for (it installs debootstrap for this very root) and the tests call
  debootstrap ca-certificates file procps
)

log() { printf '[debian13] %s\n' "$*" >&2; }

packages_hash() { printf '%s\n' "$MIRROR" "${PACKAGES[@]}" | sort -u | sha256sum | cut -d' ' -f1; }

# Runs "$@" inside the root, in the checkout, in a private mount namespace (see the top).
in_root() {
  mkdir -p "$ROOT/build-debian13" "$ROOT/build"
  unshare --mount --propagation private -- "$SELF" __mounted "$@"
}

mounted() {
  mount -t proc proc "$ROOTFS/proc"
  mount --rbind /dev "$ROOTFS/dev"
  mount --rbind /sys "$ROOTFS/sys"
  mkdir -p "$ROOTFS$ROOT" "$ROOTFS$SHARED" "$ROOTFS/tmp"
  mount --bind "$ROOT" "$ROOTFS$ROOT"
  mount --bind "$ROOT/build-debian13" "$ROOTFS$ROOT/build"
  [[ -d $SHARED ]] && mount --bind "$SHARED" "$ROOTFS$SHARED"
  if [[ -d $SHARED && $SHARED_AS != "$SHARED" ]]; then
    mkdir -p "$ROOTFS$SHARED_AS"
    mount --bind "$SHARED" "$ROOTFS$SHARED_AS"
  fi
  # A fresh environment: nothing of the host's (PATH, npm_config_*, GST_PLUGIN_PATH…) leaks in.
  exec chroot "$ROOTFS" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    ${GST_DEBUG:+GST_DEBUG=$GST_DEBUG} ${CI:+CI=$CI} \
    /bin/bash -c 'cd "$0" && exec "$@"' "$ROOT" "$@"
}

install_packages() {
  # dpkg --configure -a: finishes what a killed earlier run left half-installed.
  in_root sh -c 'dpkg --configure -a && apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null' \
    sh "${PACKAGES[@]}"
}

create() {
  local tmp=$ROOTFS.new
  if [[ -e $tmp ]]; then
    log "removing the unfinished root $tmp"
    rm -rf --one-file-system "$tmp"
  fi
  log "debootstrap --variant=minbase $SUITE (a few minutes)"
  mkdir -p "$(dirname "$tmp")"
  # debootstrap mounts /proc and /sys in the new root while it works: in a namespace of its own, so a
  # killed run leaves no mounts behind.
  unshare --mount --propagation private -- debootstrap --variant=minbase "$SUITE" "$tmp" "$MIRROR" \
    > "$(dirname "$tmp")/debian13-debootstrap.log" 2>&1 || {
      tail -20 "$(dirname "$tmp")/debian13-debootstrap.log" >&2
      log "debootstrap failed (log: $(dirname "$tmp")/debian13-debootstrap.log)"
      exit 1
    }
  cat > "$tmp/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
  # No services start in the root (mosquitto's package would start its broker), no documentation.
  printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
  chmod +x "$tmp/usr/sbin/policy-rc.d"
  printf 'path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\n' \
    > "$tmp/etc/dpkg/dpkg.cfg.d/01-tsvision-nodoc"
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"
  rm -rf --one-file-system "$ROOTFS"
  mv "$tmp" "$ROOTFS"
}

ensure() {
  local hash
  hash=$(packages_hash)
  if [[ ! -x $ROOTFS/usr/bin/apt-get || ! -f $ROOTFS/.tsvision-created ]]; then
    create
    touch "$ROOTFS/.tsvision-created"
  fi
  if [[ $(cat "$ROOTFS/.tsvision-packages" 2>/dev/null) != "$hash" ]]; then
    # A changed list adds its new packages to the cached root (seconds) rather than re-creating it
    # (minutes); delete .deps/debian13 for a root from scratch.
    log "installing the root's packages"
    install_packages
    echo "$hash" > "$ROOTFS/.tsvision-packages"
  fi
}

run_tests() {
  local files=("$@")
  if ((${#files[@]} == 0)); then
    mapfile -t files < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$TESTS_LIST" | grep -v '^$')
  fi
  # The root's /tmp holds only what the last run's tests left (their temporary folders and meson builds).
  find "$ROOTFS/tmp" -mindepth 1 -xdev -delete
  log "set-up and build inside the root (build-debian13/)"
  local t0=$SECONDS
  in_root bash scripts/setup.sh
  log "set-up and build: $((SECONDS - t0)) s"
  # What the tests run against (test/platform/debian13.test.ts checks it).
  in_root sh -c 'gst-launch-1.0 --version | head -1; grep -E "TSVISION_(LIBNODE_SONAME|NODE_MAJOR_VERSION)" build/gst-plugin/config.h'
  log "vitest: ${files[*]}"
  t0=$SECONDS
  # --no-cache: vitest's results cache is in the shared node_modules/, which the host's vitest writes too.
  in_root node node_modules/vitest/vitest.mjs run --no-cache "${files[@]}"
  log "vitest: $((SECONDS - t0)) s"
}

cmd=${1:-}
shift || true
case $cmd in
  __mounted) mounted "$@" ;;
  ensure|run|test)
    [[ $(id -u) == 0 ]] || { log "needs root (debootstrap, unshare -m, chroot)"; exit 1; }
    command -v debootstrap >/dev/null || { log "debootstrap is missing: run scripts/setup.sh (or apt-get install debootstrap)"; exit 1; }
    # One user of the root at a time: creating it, installing into it and building build-debian13/.
    mkdir -p "$(dirname "$ROOTFS")"
    exec 9> "$ROOTFS.lock"
    flock 9
    t0=$SECONDS
    ensure
    log "root ready: $((SECONDS - t0)) s"
    case $cmd in
      run) in_root "${@:-bash}" ;;
      test) run_tests "$@" ;;
    esac
    ;;
  *) sed -n '2,20p' "$SELF" >&2; exit 2 ;;
esac
