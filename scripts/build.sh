#!/usr/bin/env bash
# Builds everything into build/ (assumes scripts/setup.sh has installed the dependencies):
#   build/gst-plugin/libgsttsvision.so   the GStreamer plugin (meson)
#   build/libtsvisionhost.so             the Node host it loads on first use (meson)
#   build/tsvision/                      the runtime folder the plugin uses from the build tree:
#       runtime/tsvision-runtime.cjs     ts-runtime + elements, bundled by esbuild
#       runtime/tsvision-api.cjs         what hooks get for `import … from 'tsvision'` (a copy of
#                                        dist/tsvision-api.cjs, scripts/build-api.sh)
#       runtime/tsvision_pixels.node     the N-API pixel addon (cmake-js)
#       libtsvisionhost.so, node_modules, libnode.so.N (when not the system's) -> relative links,
#                                        so that a moved checkout keeps working
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
ln -sfn ../../node_modules build/tsvision/node_modules
# The libnode the host was linked with (meson chose it: the system's or .deps/node's), as the
# dynamic linker resolves it; linked here only when it is not the system's, which the plugin finds
# by its soname.
libnode=$(ldd build/libtsvisionhost.so | awk '$1 ~ /^libnode\.so/ { print $3 }')
if [[ ! -f $libnode ]]; then
  log "build/libtsvisionhost.so does not find its libnode: $(ldd build/libtsvisionhost.so | grep libnode)"
  exit 1
fi
rm -f build/tsvision/libnode.so.*
case $(realpath "$libnode") in
  /usr/lib/*) ;;
  *) ln -sfn "$(realpath --relative-to=build/tsvision "$libnode")" "build/tsvision/$(basename "$libnode")" ;;
esac
log "done: GST_PLUGIN_PATH=$ROOT/build/gst-plugin"
