#!/usr/bin/env bash
# Builds the Node-API pixel preprocessing addon (ts-runtime/native) offline with cmake-js and installs it as
# build/tsvision/runtime/tsvision_pixels.node.
#
# Offline: ts-runtime/native/package.json declares binary.napi_versions, which makes cmake-js take its headers
# from the node-api-headers and node-addon-api npm packages (node_modules) instead of downloading Node's headers.
# npm_config_* variables (e.g. nodedir=/usr from an .npmrc, exported by `npm run`) are cleared so they cannot
# change that. Skips the build when the installed addon is newer than every source file (FORCE=1 rebuilds).
#
# Usage: bash scripts/build-addon.sh [--force] [--debug]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/ts-runtime/native"
OUT="$ROOT/build/addon"
DEST_DIR="$ROOT/build/tsvision/runtime"
DEST="$DEST_DIR/tsvision_pixels.node"
CONFIG=Release
FORCE="${FORCE:-0}"
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --debug) CONFIG=Debug ;;
    *) echo "build-addon.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

for pkg in cmake-js node-api-headers node-addon-api; do
  if [ ! -f "$ROOT/node_modules/$pkg/package.json" ]; then
    echo "build-addon.sh: node_modules/$pkg is missing (run npm ci / scripts/setup.sh first)" >&2
    exit 1
  fi
done

if [ "$FORCE" != 1 ] && [ -f "$DEST" ] && [ "$CONFIG" = Release ]; then
  newer="$(find "$SRC/CMakeLists.txt" "$SRC/package.json" "$SRC/src" "$0" -newer "$DEST" -print -quit)"
  if [ -z "$newer" ]; then
    echo "build-addon.sh: $DEST is up to date"
    exit 0
  fi
fi

# Make the build independent of npm configuration (.npmrc nodedir, proxies, …).
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(npm_config_[A-Za-z0-9_]*\)=.*/\1/p')

JOBS="$(nproc 2>/dev/null || echo 2)"
node "$ROOT/node_modules/cmake-js/bin/cmake-js" compile \
  --directory "$SRC" --out "$OUT" --config "$CONFIG" --parallel "$JOBS" --log-level warn

BUILT="$OUT/$CONFIG/tsvision_pixels.node"
[ -f "$BUILT" ] || BUILT="$OUT/tsvision_pixels.node"
if [ ! -f "$BUILT" ]; then
  echo "build-addon.sh: build finished but tsvision_pixels.node was not found under $OUT" >&2
  exit 1
fi
mkdir -p "$DEST_DIR"
cp -f "$BUILT" "$DEST.tmp.$$"
mv -f "$DEST.tmp.$$" "$DEST"
# Smoke test: the addon must load through Node-API alone.
node -e "const a=require(process.argv[1]); if (typeof a.preprocess!=='function') process.exit(1)" "$DEST"
echo "build-addon.sh: built $DEST"
