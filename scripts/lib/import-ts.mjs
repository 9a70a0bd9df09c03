/** Imports a TypeScript module of the repository from a plain Node script (bundled with esbuild on the fly). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './gst.mjs';

const require = createRequire(import.meta.url);

/** `inputs`, when given, receives the absolute paths of the files the module was bundled from. */
export async function importTs(relativePath, { inputs } = {}) {
  const esbuild = require(path.join(ROOT, 'node_modules', 'esbuild'));
  const result = esbuild.buildSync({
    entryPoints: [path.join(ROOT, relativePath)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    // ESM builds of packages first (jsonc-parser's UMD main requires its files dynamically).
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'error',
    metafile: inputs !== undefined,
  });
  if (inputs) inputs.push(...Object.keys(result.metafile.inputs).map((f) => path.resolve(f)));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvision-import-'));
  const file = path.join(dir, 'module.mjs');
  writeFileSync(file, result.outputFiles[0].text);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
