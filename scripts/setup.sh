#!/usr/bin/env bash
# One-shot set-up for a Debian 12 machine (run as root, or with everything already installed).
# Installs what is missing and skips what is present, so a second run takes a second or two:
#   1. apt packages: GStreamer (dev, tools, base/good plugins, libav for H.264), meson, cmake, the
#      runtime libraries of Debian's libnode108 (Node 18, the embeddable runtime), libmosquitto
#      (tsexport's MQTT client) and the mosquitto broker + clients the MQTT tests run (the tests
#      start their own broker; the system service is not needed);
#   2. libnode108 + libnode-dev unpacked into .deps/node (they cannot be apt-installed next to a
#      nodesource `nodejs`), and the JS modules libnode loads from /usr/share/nodejs;
#   3. Debian's `prometheus` package unpacked into .deps/prometheus for its `promtool` (the metrics
#      test checks the endpoint's output with `promtool check metrics`; installing the package would
#      start a Prometheus service);
#   4. npm packages (`npm install`, devDependencies included: the build's esbuild, onnxruntime-node, cmake-js…
#      are devDependencies, so that a hook project installing tsvision for its types gets none of them;
#      onnxruntime-node's CUDA download skipped);
#   5. the build (`scripts/build.sh`), unless --no-build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=1
[[ "${1:-}" == "--no-build" ]] && BUILD=0

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

APT_PACKAGES=(
  gstreamer1.0-tools libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
  gstreamer1.0-plugins-ugly
  meson ninja-build pkg-config cmake g++ make python3
  libuv1 libicu72 libc-ares2 libnghttp2-14 libbrotli1 libssl3 zlib1g libuv1-dev libssl-dev
  libmosquitto-dev mosquitto mosquitto-clients
  libpango1.0-dev libcairo2-dev fonts-dejavu-core fonts-wqy-microhei
)
NODE_DEBS=(libnode108 libnode-dev node-acorn node-cjs-module-lexer node-undici node-busboy node-xtend)
NODE_PREFIX=$ROOT/.deps/node
PROMETHEUS_PREFIX=$ROOT/.deps/prometheus

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's libnode (the embeddable Node 18). Unpacked, not installed: its package conflicts with
# nodesource's `nodejs`, which is what provides `npm` on most machines.
if [[ ! -e $NODE_PREFIX/usr/lib/x86_64-linux-gnu/libnode.so.108 || ! -e $NODE_PREFIX/usr/include/node/node.h ]]; then
  log "unpacking Debian's libnode108 + libnode-dev into .deps/node"
  tmp=$(mktemp -d)
  chmod 777 "$tmp"
  (cd "$tmp" && apt-get download -qq "${NODE_DEBS[@]}" 2>/dev/null) || {
    as_root apt-get update -qq
    (cd "$tmp" && apt-get download -qq "${NODE_DEBS[@]}")
  }
  rm -rf "$NODE_PREFIX"; mkdir -p "$NODE_PREFIX"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$NODE_PREFIX"; done
  rm -rf "$tmp"
fi
# Debian's libnode loads acorn, cjs-module-lexer and undici from these absolute paths.
if [[ ! -e /usr/share/nodejs/acorn/dist/acorn.js || ! -e /usr/share/nodejs/cjs-module-lexer/lexer.js \
      || ! -e /usr/share/nodejs/undici/undici-fetch.js ]]; then
  log "installing the modules libnode loads into /usr/share/nodejs"
  as_root mkdir -p /usr/share/nodejs
  as_root cp -rn "$NODE_PREFIX"/usr/share/nodejs/. /usr/share/nodejs/
fi

# promtool (a static Go binary) from Debian's prometheus package, unpacked, not installed.
if [[ ! -x $PROMETHEUS_PREFIX/usr/bin/promtool ]]; then
  log "unpacking Debian's prometheus (for promtool) into .deps/prometheus"
  tmp=$(mktemp -d)
  chmod 777 "$tmp"
  (cd "$tmp" && apt-get download -qq prometheus 2>/dev/null) || {
    as_root apt-get update -qq
    (cd "$tmp" && apt-get download -qq prometheus)
  }
  rm -rf "$PROMETHEUS_PREFIX"; mkdir -p "$PROMETHEUS_PREFIX"
  # Only promtool: the server and its web assets are left in the package.
  dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$PROMETHEUS_PREFIX" ./usr/bin/promtool
  rm -rf "$tmp"
fi

# npm packages. The stamp makes a second run skip the install unless package-lock.json changed.
export ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL:-skip}
stamp=node_modules/.tsvision-lock-sha
lock_sha=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sha" || ! -x node_modules/.bin/esbuild ]]; then
  # `npm install` (not `npm ci`): npm 11 leaves other platforms' optional packages out of the
  # lock file, which `npm ci` then rejects; `npm install` still follows the lock file's versions.
  # --include=dev: everything the build needs is a devDependency; NODE_ENV=production or an `omit=dev`
  # npm config would otherwise leave it out.
  log "npm install"
  npm install --include=dev --no-audit --no-fund --loglevel=error
  # The lock file as npm left it (it may have rewritten it), so that the next run skips the install.
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi

if ((BUILD)); then
  bash scripts/build.sh
fi
