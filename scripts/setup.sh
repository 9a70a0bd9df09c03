#!/usr/bin/env bash
# One-shot set-up for a Debian 12 (bookworm) or Debian 13 (trixie) machine (run as root, or with
# everything already installed). Installs what is missing and skips what is present, so a second run
# takes a second or two:
#   1. apt packages: GStreamer (dev, tools, base/good/bad plugins — bad for h264parse —, libav for
#      H.264), meson, cmake, the runtime libraries of Debian's libnode (the embeddable Node: libnode108,
#      Node 18, on Debian 12; libnode115, Node 20, on Debian 13), libmosquitto (tsexport's MQTT client)
#      and the mosquitto broker + clients the MQTT tests run (the tests start their own broker; the
#      system service is not needed), libpq + SQLite (tsexport's database output) with the PostgreSQL
#      server and the sqlite3 tool its tests use (the tests run their own server from Debian's binaries;
#      the system's cluster is not needed), gst-rtsp-server (tools/tsvision-rtsp-server) and rtspsrc's RTSP
#      support, debootstrap (for the Debian 13 root the tests build in), chromium (the
#      browser the live-view tests drive);
#   2. Debian's libnode + libnode-dev: apt-installed where nothing conflicts; unpacked into .deps/node
#      where they cannot be (next to nodesource's `nodejs`), with the JS modules libnode loads from
#      /usr/share/nodejs;
#   3. Debian's `prometheus` package (Debian 13: `promtool`) unpacked into .deps/prometheus for its `promtool` (the metrics
#      test checks the endpoint's output with `promtool check metrics`; installing the package would
#      start a Prometheus service);
#   4. Debian's `nginx` and `libnginx-mod-rtmp` unpacked into .deps/nginx (the RTMP server the streaming tests
#      push to; installing them would start an nginx service on port 80);
#   5. npm packages (`npm install`, devDependencies included: the build's esbuild, onnxruntime-node, cmake-js…
#      are devDependencies, so that a hook project installing tsvision for its types gets none of them;
#      onnxruntime-node's CUDA download skipped);
#   6. the build (`scripts/build.sh`), unless --no-build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=1
[[ "${1:-}" == "--no-build" ]] && BUILD=0

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

# The release decides the names of libnode and of the libraries it needs (Debian 13's 64-bit time_t
# transition renamed several). Other Debian-based releases are treated as Debian 12.
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
case $CODENAME in
  trixie)
    NODE_ABI=115
    NODE_LIBS=(libuv1t64 libicu76 libcares2 libnghttp2-14 libbrotli1 libssl3t64 zlib1g)
    NODE_MODULES=(node-acorn node-cjs-module-lexer node-undici node-minimatch node-brace-expansion node-balanced-match node-xtend)
    PROMTOOL_DEB=promtool ;;
  *)
    NODE_ABI=108
    NODE_LIBS=(libuv1 libicu72 libc-ares2 libnghttp2-14 libbrotli1 libssl3 zlib1g)
    NODE_MODULES=(node-acorn node-cjs-module-lexer node-undici node-busboy node-xtend)
    PROMTOOL_DEB=prometheus ;; # Debian 13 has promtool in a package of its own
esac
APT_PACKAGES=(
  gstreamer1.0-tools libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  gstreamer1.0-plugins-ugly
  meson ninja-build pkg-config cmake g++ make python3
  "${NODE_LIBS[@]}" libuv1-dev libssl-dev
  libmosquitto-dev mosquitto mosquitto-clients
  # tools/tsvision-rtsp-server (gst-rtsp-server) and rtspsrc's RTSP support: the streaming tests' camera and re-stream
  libgstrtspserver-1.0-dev gstreamer1.0-rtsp
  libpq-dev libsqlite3-dev postgresql sqlite3
  libpango1.0-dev libcairo2-dev fonts-dejavu-core fonts-wqy-microhei
  debootstrap
  chromium # headless browser the live-view tests drive (playwright-core with executablePath, no browser download)
)
NODE_DEBS=("libnode$NODE_ABI" libnode-dev "${NODE_MODULES[@]}")
NODE_PREFIX=$ROOT/.deps/node
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
PROMETHEUS_PREFIX=$ROOT/.deps/prometheus

# Debian's libnode from apt when it is installed or installs without removing anything (apt's dry
# run; a nodesource `nodejs` conflicts with it), else unpacked into .deps/node (below). meson takes
# the system's where it is installed, else .deps/node's.
node_unpacked() {
  compgen -G "$NODE_PREFIX/usr/lib/*/libnode.so.$NODE_ABI" >/dev/null && [[ -e $NODE_PREFIX/usr/include/node/node.h ]]
}
NODE_FROM=unpack
if installed "libnode$NODE_ABI" && installed libnode-dev; then
  NODE_FROM=system
elif ! node_unpacked; then
  # A machine that never ran apt-get update has no package lists to ask.
  apt-cache show "libnode$NODE_ABI" >/dev/null 2>&1 || as_root apt-get update -qq
  dry_run=$(apt-get install -s -qq "${NODE_DEBS[@]}" 2>/dev/null || true)
  if grep -q '^Inst' <<< "$dry_run" && ! grep -q '^Remv' <<< "$dry_run"; then
    NODE_FROM=system
    APT_PACKAGES+=("${NODE_DEBS[@]}")
  fi
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's libnode, unpacked where it cannot be installed: its package conflicts with nodesource's
# `nodejs`, which is what provides `npm` on most machines.
if [[ $NODE_FROM == unpack ]] && ! node_unpacked; then
  log "unpacking Debian's libnode$NODE_ABI + libnode-dev into .deps/node"
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
# Debian's libnode loads acorn, cjs-module-lexer and undici (Debian 13: minimatch too) from
# /usr/share/nodejs; apt installs them with libnode, an unpacked libnode needs them copied there.
modules_missing=0
if [[ $NODE_FROM == unpack ]]; then
  for m in "$NODE_PREFIX"/usr/share/nodejs/*; do [[ -e /usr/share/nodejs/${m##*/} ]] || modules_missing=1; done
fi
if ((modules_missing)); then
  log "installing the modules libnode loads into /usr/share/nodejs"
  as_root mkdir -p /usr/share/nodejs
  as_root cp -rn "$NODE_PREFIX"/usr/share/nodejs/. /usr/share/nodejs/
fi

# promtool (a static Go binary) from Debian's prometheus package, unpacked, not installed.
if [[ ! -x $PROMETHEUS_PREFIX/usr/bin/promtool ]]; then
  log "unpacking Debian's $PROMTOOL_DEB (for promtool) into .deps/prometheus"
  tmp=$(mktemp -d)
  chmod 777 "$tmp"
  (cd "$tmp" && apt-get download -qq "$PROMTOOL_DEB" 2>/dev/null) || {
    as_root apt-get update -qq
    (cd "$tmp" && apt-get download -qq "$PROMTOOL_DEB")
  }
  rm -rf "$PROMETHEUS_PREFIX"; mkdir -p "$PROMETHEUS_PREFIX"
  # Only promtool: the server and its web assets are left in the package.
  dpkg-deb --fsys-tarfile "$tmp/${PROMTOOL_DEB}"_*.deb | tar -x -C "$PROMETHEUS_PREFIX" ./usr/bin/promtool
  rm -rf "$tmp"
fi

# nginx with its RTMP module (the media server the streaming tests push to), from Debian's packages unpacked into
# .deps/nginx, not installed: installing `nginx` starts a system service on port 80 (and fails when that port is
# taken). The tests run the unpacked binary in the foreground with a config of their own.
NGINX_PREFIX=$ROOT/.deps/nginx
if [[ ! -x $NGINX_PREFIX/usr/sbin/nginx || ! -f $NGINX_PREFIX/usr/lib/nginx/modules/ngx_rtmp_module.so ]]; then
  log "unpacking Debian's nginx + libnginx-mod-rtmp into .deps/nginx"
  tmp=$(mktemp -d)
  chmod 777 "$tmp"
  (cd "$tmp" && apt-get download -qq nginx libnginx-mod-rtmp 2>/dev/null) || {
    as_root apt-get update -qq
    (cd "$tmp" && apt-get download -qq nginx libnginx-mod-rtmp)
  }
  rm -rf "$NGINX_PREFIX"; mkdir -p "$NGINX_PREFIX"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$NGINX_PREFIX"; done
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
