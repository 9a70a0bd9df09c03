#!/usr/bin/env bash
# Builds everything into build/ (assumes scripts/setup.sh has installed the dependencies):
#   build/gst-plugin/libgsttsvision.so   the GStreamer plugin (meson)
#   build/libtsvisionhost.so             the Node host it loads on first use (meson)
#   build/tsvision/                      the runtime folder the plugin uses from the build tree:
#       runtime/tsvision-runtime.cjs     ts-runtime + elements, bundled by esbuild
#       runtime/tsvision-api.cjs         what hooks get for `import … from 'tsvision'` (a copy of
#                                        dist/tsvision-api.cjs, scripts/build-api.sh)
#       runtime/tsvision_pixels.node     the N-API pixel addon (cmake-js)
#       libtsvisionhost.so, libnode.so.108, node_modules -> links
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '[build] %s\n' "$*" >&2; }

if [[ ! -f build/build.ninja ]]; then
  log "meson setup build"
  meson setup build . --buildtype=release >/dev/null
fi
log "meson compile"
meson compile -C build >/dev/null

log "pixel addon (cmake-js)"
bash scripts/build-addon.sh >/dev/null

log "runtime bundle (esbuild)"
mkdir -p build/tsvision/runtime
ESBUILD=(node_modules/.bin/esbuild --bundle --platform=node --format=cjs --target=node18 --log-level=warning
  --external:onnxruntime-node --external:esbuild --external:*.node --main-fields=module,main)
"${ESBUILD[@]}" ts-runtime/src/host.ts --sourcemap --outfile=build/tsvision/runtime/tsvision-runtime.cjs
bash scripts/build-api.sh
cp dist/tsvision-api.cjs build/tsvision/runtime/tsvision-api.cjs

ln -sfn ../libtsvisionhost.so build/tsvision/libtsvisionhost.so
ln -sfn "$ROOT/.deps/node/usr/lib/x86_64-linux-gnu/libnode.so.108" build/tsvision/libnode.so.108
ln -sfn ../../node_modules build/tsvision/node_modules
log "done: GST_PLUGIN_PATH=$ROOT/build/gst-plugin"
