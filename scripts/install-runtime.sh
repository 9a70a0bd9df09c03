#!/usr/bin/env bash
# meson install hook: copies the JavaScript runtime next to libtsvisionhost.so so that an installed
# plugin works without the repository: runtime/ (bundle + pixel addon), the npm packages the runtime
# loads at run time — with only this platform's native binaries (onnxruntime-node ships those of
# five platforms, 357 MB installed; this one's are 45 MB) — and libnode when it came from .deps
# (not from Debian's libnode package).
# Usage (from meson.build): install-runtime.sh RUNTIME_DIR LIBNODE_FILE NODE_PLATFORM NODE_ARCH
#   NODE_PLATFORM/NODE_ARCH: Node's process.platform/process.arch names (linux, x64/arm64).
set -euo pipefail
runtime_dir=${DESTDIR:-}$1
libnode_file=$2
platform=$3
arch=$4
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

# copy_package NAME [PATH…]: node_modules/NAME, without its bin/ unless PATH… (relative to the
# package) names what of it to keep.
copy_package() {
  local pkg=$1 from=$src/node_modules/$1 to=$runtime_dir/node_modules/$1
  shift
  if [[ ! -f $from/package.json ]]; then
    echo "install-runtime: $from is missing; run \`npm run build\` first" >&2
    exit 1
  fi
  rm -rf "$to"
  mkdir -p "$to"
  (cd "$from" && find . -mindepth 1 -maxdepth 1 ! -name bin -exec cp -a {} "$to/" \;)
  for keep in "$@"; do
    if [[ ! -e $from/$keep ]]; then
      echo "install-runtime: $from/$keep is missing (no $pkg binaries for $platform-$arch?)" >&2
      exit 1
    fi
    mkdir -p "$to/$(dirname "$keep")"
    cp -a "$from/$keep" "$to/$keep"
  done
}
# onnxruntime-node loads bin/napi-v*/<platform>/<arch>/onnxruntime_binding.node.
ort_bins=()
for d in "$src"/node_modules/onnxruntime-node/bin/napi-v*/"$platform/$arch"; do
  [[ -d $d ]] && ort_bins+=("${d#"$src/node_modules/onnxruntime-node/"}")
done
((${#ort_bins[@]})) || ort_bins=("bin/napi-v*/$platform/$arch")
copy_package onnxruntime-node "${ort_bins[@]}"
copy_package onnxruntime-common
copy_package esbuild bin
copy_package "@esbuild/$platform-$arch" bin

libnode=$(basename "$libnode_file")
case $(realpath "$libnode_file") in
  /usr/lib/*) rm -f "$runtime_dir/$libnode" ;; # the system's: found by its soname
  *) cp -L "$libnode_file" "$runtime_dir/$libnode" ;;
esac
echo "tsvision runtime installed in $runtime_dir ($(du -sh "$runtime_dir" | cut -f1))"
