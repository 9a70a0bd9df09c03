#!/usr/bin/env bash
# meson install hook: copies the JavaScript runtime next to libtsvisionhost.so so that an installed
# plugin works without the repository: runtime/ (bundle + pixel addon), the npm packages the runtime
# loads at run time, and libnode.so.108 when it came from .deps (not from Debian's libnode108).
set -euo pipefail
runtime_dir=${DESTDIR:-}$1
libnode_libdir=$2
src=$MESON_SOURCE_ROOT
build=$MESON_BUILD_ROOT
# The JavaScript bundle and the pixel addon come from `npm run build` (scripts/build.sh).
bundle_dir=$build/tsvision/runtime
[[ -f $bundle_dir/tsvision-runtime.cjs ]] || bundle_dir=$src/build/tsvision/runtime
if [[ ! -f $bundle_dir/tsvision-runtime.cjs || ! -f $bundle_dir/tsvision_pixels.node ]]; then
  echo "install-runtime: no runtime bundle in $bundle_dir; run \`npm run build\` first" >&2
  exit 1
fi
mkdir -p "$runtime_dir/runtime" "$runtime_dir/node_modules"
cp -a "$bundle_dir/." "$runtime_dir/runtime/"
for pkg in onnxruntime-node onnxruntime-common esbuild @esbuild/linux-x64; do
  mkdir -p "$runtime_dir/node_modules/$(dirname "$pkg")"
  rm -rf "$runtime_dir/node_modules/$pkg"
  cp -a "$src/node_modules/$pkg" "$runtime_dir/node_modules/$pkg"
done
if [[ $libnode_libdir != /usr/lib* ]]; then
  cp -L "$libnode_libdir/libnode.so.108" "$runtime_dir/libnode.so.108"
fi
echo "tsvision runtime installed in $runtime_dir"
