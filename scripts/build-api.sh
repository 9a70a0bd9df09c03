#!/usr/bin/env bash
# Builds the runtime helpers that hooks import (`import { nms, iou } from 'tsvision'`, ts-runtime/src/public.ts)
# into dist/tsvision-api.cjs, the file package.json's "exports" names: what plain `node` gets in a hook project
# that installed this package. Run by scripts/build.sh (which also copies it next to the runtime bundle, where the
# hook loader points `tsvision` at) and by `npm pack` (the "prepack" script), so the tarball always ships a fresh copy.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x node_modules/.bin/esbuild ]]; then
  echo "build-api.sh: node_modules/.bin/esbuild is missing (run scripts/setup.sh first)" >&2
  exit 1
fi
mkdir -p dist
node_modules/.bin/esbuild ts-runtime/src/public.ts --bundle --platform=node --format=cjs --target=node18 \
  --log-level=warning --outfile=dist/tsvision-api.cjs
