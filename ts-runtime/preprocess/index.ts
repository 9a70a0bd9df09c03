/**
 * Loader and typed wrapper of the native pixel preprocessing addon (`tsvision_pixels.node`, built by
 * `scripts/build-addon.sh`). Works both from the TypeScript sources (vitest, ESM) and bundled by esbuild into a
 * CJS file living in build/tsvision/runtime/ next to the addon.
 *
 * Lookup order:
 *   1. env TSVISION_PIXELS_ADDON (a path to the .node file);
 *   2. `tsvision_pixels.node` next to this module (the bundled runtime in build/tsvision/runtime/);
 *   3. `build/tsvision/runtime/tsvision_pixels.node` under the repository root, found by walking up from this
 *      module's directory (and from the current working directory) to the first directory holding one.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameLayout, PixelAddon, PreprocessResult, PreprocessSpec } from './spec.js';

export type {
  ColorMatrix,
  ColorRange,
  FrameLayout,
  InputTransform,
  PixelAddon,
  PixelFormat,
  PreprocessResult,
  PreprocessSpec,
  ResizeMode,
  YuvCoefficients,
} from './spec.js';
export { yuvCoefficients } from './spec.js';
export { preprocessReference, preprocessGeometry } from './reference.js';

export const PIXEL_ADDON_FILE = 'tsvision_pixels.node';
const REPO_RELATIVE = path.join('build', 'tsvision', 'runtime', PIXEL_ADDON_FILE);

/** Directory of this module, in ESM (import.meta.url) and in an esbuild CJS bundle (__dirname). */
function moduleDir(): string | undefined {
  // In a CJS bundle esbuild leaves `import.meta` empty ({}), so import.meta.url is undefined there.
  const url = (import.meta as { url?: string }).url;
  if (typeof url === 'string' && url.startsWith('file:')) return path.dirname(fileURLToPath(url));
  if (typeof __dirname === 'string') return __dirname;
  return undefined;
}

/** Candidate paths of the addon, in lookup order (existing or not). */
export function pixelAddonCandidates(): string[] {
  const out: string[] = [];
  const env = process.env.TSVISION_PIXELS_ADDON;
  if (env) out.push(path.resolve(env));
  const here = moduleDir();
  const starts: string[] = [];
  if (here) {
    out.push(path.join(here, PIXEL_ADDON_FILE));
    starts.push(here);
  }
  starts.push(process.cwd());
  for (const start of starts) {
    let dir = start;
    for (;;) {
      out.push(path.join(dir, REPO_RELATIVE));
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return [...new Set(out)];
}

let cached: PixelAddon | undefined;

/** Locates and loads the native addon (once); throws an Error listing the searched paths when it is missing. */
export function loadPixelAddon(): PixelAddon {
  if (cached) return cached;
  const candidates = pixelAddonCandidates();
  const envPath = process.env.TSVISION_PIXELS_ADDON;
  const found = candidates.find((p) => existsSync(p));
  if (envPath && found !== path.resolve(envPath)) {
    throw new Error(`TSVISION_PIXELS_ADDON=${envPath}: file not found`);
  }
  if (!found) {
    throw new Error(
      `tsvision pixel addon (${PIXEL_ADDON_FILE}) not found; run \`bash scripts/build-addon.sh\`. Searched:\n  ${candidates.join('\n  ')}`,
    );
  }
  // createRequire needs an absolute path or file URL; the addon path itself serves (require() of a .node is
  // resolved absolutely, so the base only matters for relative specifiers).
  const req = createRequire(found);
  const addon = req(found) as PixelAddon;
  if (typeof addon.preprocess !== 'function') throw new Error(`${found} is not the tsvision pixel addon`);
  cached = addon;
  return addon;
}

/**
 * Native preprocessing (see spec.ts for the exact semantics): crop to `spec.roi`, resize, pad and normalise
 * `frame` into a 3 x spec.height x spec.width float tensor. Pass a preallocated `out` (>= 3*W*H floats) to
 * avoid an allocation per frame; with the `paddingKey` of the previous result into the same `out` (nothing else
 * having written to it), padding that is already there is not written again. Throws TypeError on malformed
 * frames/specs.
 */
export function preprocess(frame: FrameLayout, spec: PreprocessSpec, out?: Float32Array, paddingKey?: string): PreprocessResult {
  return loadPixelAddon().preprocess(frame, spec, out, paddingKey);
}
