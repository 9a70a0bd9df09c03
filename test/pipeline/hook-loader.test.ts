/**
 * Hooks load what a Node program can: onnxruntime-node (the runtime's own copy), packages from
 * node_modules beside or above the hook (CommonJS, ES modules, native addons), local .ts / .cjs /
 * .json files, Node built-ins; top-level await; import.meta.url, __dirname and __filename of each
 * user file; stack traces and compile errors at the user's file:line:col; the compile cache.
 * Every hook here reports what it saw as the labels of its detections (via tsexport).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS, ROOT, gstLaunch, readJsonl, tempDir } from '../helpers/gst';

const MOBILENET = path.join(MODELS, 'mobilenet_v2_quant_nnstreamer.onnx');
const PIXELS_ADDON = path.join(ROOT, 'build', 'tsvision', 'runtime', 'tsvision_pixels.node');
const SOURCE = 'videotestsrc num-buffers=1 ! video/x-raw,width=16,height=16';

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** A package in `nodeModules`: its package.json and files. */
function writePackage(nodeModules: string, name: string, manifest: object, files: Record<string, string>): void {
  write(path.join(nodeModules, name, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...manifest }));
  for (const [file, text] of Object.entries(files)) write(path.join(nodeModules, name, file), text);
}

/** Runs `hook` in tsdetect; returns its report: the labels "key=value" of its detections. */
async function report(hook: string, cache: string, args: object = {}): Promise<Record<string, string>> {
  const out = path.join(path.dirname(cache), `report-${Date.now()}.jsonl`);
  const r = await gstLaunch(`${SOURCE} ! tsdetect module=${hook} module-args='${JSON.stringify(args)}' ! tsexport location=${out} ! fakesink`, {
    env: { TSVISION_CACHE_DIR: cache },
  });
  expect(r.code, r.output).toBe(0);
  const [frame] = readJsonl(out);
  return Object.fromEntries(frame.objects.map((o) => [o.label.slice(0, o.label.indexOf('=')), o.label.slice(o.label.indexOf('=') + 1)]));
}

const REPORT_HOOK = `
/** Reports facts as detections labelled "key=value". */
export function facts(values: Record<string, unknown>) {
  return Object.entries(values).map(([k, v], i) => ({
    box: { x: 0, y: 0, width: 1, height: 1 },
    label: k + '=' + String(v),
    classId: i,
    confidence: 1,
  }));
}
`;

describe('hook modules load like Node modules', () => {
  let dir: string;
  let hooks: string;
  let entry: string;

  beforeAll(() => {
    dir = realpathSync(tempDir('tsvision-loader-'));
    hooks = path.join(dir, 'hooks');
    entry = path.join(hooks, 'node-like.ts');
    // node_modules above the hook: a CommonJS package reading a file beside itself.
    writePackage(path.join(dir, 'node_modules'), 'cjs-pkg', { main: 'lib/index.js' }, {
      'lib/index.js': `const fs = require('fs');
const path = require('path');
exports.kind = 'cjs';
exports.dir = __dirname;
exports.data = fs.readFileSync(path.join(__dirname, 'data.txt'), 'utf8').trim();
`,
      'lib/data.txt': 'from-the-package-folder\n',
    });
    const beside = path.join(hooks, 'node_modules');
    // node_modules beside the hook: an ES module package (exports map, top-level await inside).
    writePackage(beside, 'esm-pkg', { type: 'module', exports: { '.': { import: './src/index.js', require: './nope.cjs' } } }, {
      'src/index.js': `export const kind = 'esm';
export const url = import.meta.url;
export const later = await new Promise((r) => setTimeout(() => r('tla-in-package'), 5));
`,
    });
    // A native addon (the runtime's pixel addon, copied into a package of its own).
    writePackage(beside, 'native-pkg', { main: 'index.js' }, { 'index.js': "module.exports = require('./tsvision_pixels.node');\n" });
    copyFileSync(PIXELS_ADDON, path.join(beside, 'native-pkg', 'tsvision_pixels.node'));
    // ... and a native addon among the hook's own files, imported directly.
    mkdirSync(path.join(hooks, 'native'), { recursive: true });
    copyFileSync(PIXELS_ADDON, path.join(hooks, 'native', 'pixels.node'));
    // A decoy: a hook's onnxruntime-node is the runtime's own copy, never one beside the hook.
    writePackage(beside, 'onnxruntime-node', { main: 'index.js' }, { 'index.js': 'exports.decoy = true;\n' });

    write(path.join(hooks, 'cfg.json'), JSON.stringify({ greeting: 'hello from cfg.json' }));
    write(path.join(hooks, 'report.ts'), REPORT_HOOK);
    write(
      path.join(hooks, 'lib', 'where.ts'),
      `export function where() {
  return { url: import.meta.url, filename: __filename, dirname: __dirname, metaFilename: import.meta.filename };
}
`,
    );
    write(path.join(hooks, 'lib', 'legacy.cjs'), "const path = require('node:path');\nmodule.exports = { dir: __dirname, base: path.basename(__filename) };\n");
    write(
      entry,
      `import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import fs from 'fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { DetectHook } from 'tsvision';
import { iou } from 'tsvision';
import cjsPkg from 'cjs-pkg';
import { kind as esmKind, url as esmUrl, later } from 'esm-pkg';
import native from 'native-pkg';
import * as direct from './native/pixels.node';
import cfg from './cfg.json';
import legacy from './lib/legacy.cjs';
import { where } from './lib/where';
import { facts } from './report';

const fromUrl = JSON.parse(readFileSync(new URL('./cfg.json', import.meta.url), 'utf8'));
const fromDirname = JSON.parse(fs.readFileSync(path.join(__dirname, 'cfg.json'), 'utf8'));
const require = createRequire(import.meta.url);
const tla = await new Promise((resolve) => setTimeout(() => resolve('top-level-await'), 10));
const helper = where();
let model = '';

const hook: DetectHook = {
  async setup(ctx) {
    const session = await ort.InferenceSession.create(ctx.args.model as string);
    const input = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]);
    const out = (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]];
    const scores = out.data as Float32Array;
    const best = scores.indexOf(Math.max(...scores));
    model = [session.inputNames[0], out.dims.join('x'), best, scores[best].toFixed(4)].join(':');
    await session.release();
  },
  detect() {
    return facts({
      model,
      decoy: (ort as { decoy?: boolean }).decoy === true,
      tla,
      url: import.meta.url,
      filename: __filename,
      dirname: __dirname,
      'cfg-url': fromUrl.greeting,
      'cfg-dirname': fromDirname.greeting,
      'cfg-import': cfg.greeting,
      'helper-url': helper.url,
      'helper-filename': helper.filename,
      'helper-dirname': helper.dirname,
      'helper-meta-filename': helper.metaFilename,
      'legacy-dir': legacy.dir,
      'legacy-base': legacy.base,
      'cjs-kind': cjsPkg.kind,
      'cjs-data': cjsPkg.data,
      'cjs-dir': cjsPkg.dir,
      'cjs-required-same': require('cjs-pkg') === cjsPkg,
      'esm-kind': esmKind,
      'esm-url': esmUrl,
      'esm-later': later,
      native: Object.keys(native).sort().join(','),
      'native-direct': typeof direct.default.bytesPerPixel,
      iou: iou({ x1: 0, y1: 0, x2: 2, y2: 2 }, { x1: 1, y1: 0, x2: 3, y2: 2 }).toFixed(4),
    });
  },
};
export default hook;
`,
    );
  });

  it('imports onnxruntime-node, packages, local files and built-ins; top-level await; each file its own import.meta/__dirname', async () => {
    // The same model and input in this (test) process: the hook's session must give the same answer.
    const session = await ort.InferenceSession.create(MOBILENET);
    const input = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]);
    const scores = (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]].data as Float32Array;
    const best = scores.indexOf(Math.max(...scores));
    await session.release();

    const facts = await report(entry, path.join(dir, 'cache'), { model: MOBILENET });
    const lib = path.join(hooks, 'lib');
    expect(facts).toEqual({
      model: `input:1x1000:${best}:${scores[best].toFixed(4)}`,
      decoy: 'false',
      tla: 'top-level-await',
      url: pathToFileURL(entry).href,
      filename: entry,
      dirname: hooks,
      'cfg-url': 'hello from cfg.json',
      'cfg-dirname': 'hello from cfg.json',
      'cfg-import': 'hello from cfg.json',
      'helper-url': pathToFileURL(path.join(lib, 'where.ts')).href,
      'helper-filename': path.join(lib, 'where.ts'),
      'helper-dirname': lib,
      'helper-meta-filename': path.join(lib, 'where.ts'),
      'legacy-dir': lib,
      'legacy-base': 'legacy.cjs',
      'cjs-kind': 'cjs',
      'cjs-data': 'from-the-package-folder',
      'cjs-dir': path.join(dir, 'node_modules', 'cjs-pkg', 'lib'),
      'cjs-required-same': 'true',
      'esm-kind': 'esm',
      'esm-url': pathToFileURL(path.join(hooks, 'node_modules', 'esm-pkg', 'src', 'index.js')).href,
      'esm-later': 'tla-in-package',
      native: 'argmaxClasses,bestClass,bytesPerPixel,decodeMasks,preprocess,version',
      'native-direct': 'function',
      iou: '0.3333',
    });
  });

  it('caches by content: the index lists the local inputs and the version; edits and newly installed packages recompile', async () => {
    const cache = path.join(dir, 'cache-2');
    expect((await report(entry, cache, { model: MOBILENET }))['cjs-kind']).toBe('cjs');
    const index = () => {
      const files = readdirSync(cache).filter((f) => f.endsWith('.json'));
      expect(files).toHaveLength(1);
      return JSON.parse(readFileSync(path.join(cache, files[0]), 'utf8')) as { output: string; version: string; local: string[] };
    };
    const first = index();
    // The user's own files, entry first; no packages, no runtime files.
    expect(first.local[0]).toBe(entry);
    expect([...first.local].sort()).toEqual(
      [entry, path.join(hooks, 'cfg.json'), path.join(hooks, 'report.ts'), path.join(hooks, 'lib', 'where.ts'), path.join(hooks, 'lib', 'legacy.cjs')].sort(),
    );
    expect(first.version).toBe(createHash('sha256').update(readFileSync(first.output)).digest('hex'));

    // Unchanged: the same output.
    await report(entry, cache, { model: MOBILENET });
    expect(index()).toEqual(first);

    // A helper edited: a new version.
    const where = path.join(hooks, 'lib', 'where.ts');
    const text = readFileSync(where, 'utf8');
    writeFileSync(where, text.replace('dirname: __dirname', "dirname: 'edited'"));
    try {
      expect((await report(entry, cache, { model: MOBILENET }))['helper-dirname']).toBe('edited');
      expect(index().version).not.toBe(first.version);
    } finally {
      writeFileSync(where, text);
    }
    // Back as it was: the first output again (named by its content).
    await report(entry, cache, { model: MOBILENET });
    expect(index()).toEqual(first);

    // A package installed nearer the hook now wins, as it would in Node.
    writePackage(path.join(hooks, 'node_modules'), 'cjs-pkg', { main: 'index.js' }, {
      'index.js': "exports.kind = 'nearer'; exports.data = ''; exports.dir = __dirname;\n",
    });
    try {
      expect((await report(entry, cache, { model: MOBILENET }))['cjs-kind']).toBe('nearer');
    } finally {
      rmSync(path.join(hooks, 'node_modules', 'cjs-pkg'), { recursive: true });
    }
  });

  it('a throw on the first line of a helper names helper.ts:1:COL; a compile error there names file:1:COL', async () => {
    const boom = "export function boom(): never { throw new Error('boom on line one'); }\n";
    write(path.join(hooks, 'lib', 'boom.ts'), boom);
    const thrower = path.join(hooks, 'thrower.ts');
    write(
      thrower,
      `import type { DetectHook } from 'tsvision';
import { boom } from './lib/boom';

const hook: DetectHook = {
  detect() {
    boom();
  },
};
export default hook;
`,
    );
    const cache = path.join(dir, 'cache-3');
    const r = await gstLaunch(`${SOURCE} ! tsdetect module=${thrower} ! fakesink`, { env: { TSVISION_CACHE_DIR: cache } });
    expect(r.code).not.toBe(0);
    const col = boom.indexOf('new Error') + 1;
    expect(r.output).toContain(`at boom (${path.join(hooks, 'lib', 'boom.ts')}:1:${col})`);
    expect(r.output).toContain(`at Object.detect (${thrower}:6:5)`);

    const broken = path.join(hooks, 'lib', 'broken.ts');
    write(broken, 'export const values = [1, 2;\n');
    const importer = path.join(hooks, 'imports-broken.ts');
    write(importer, "import { values } from './lib/broken';\nexport default { detect: () => values.map(() => []) };\n");
    const c = await gstLaunch(`${SOURCE} ! tsdetect module=${importer} ! fakesink`, { env: { TSVISION_CACHE_DIR: cache } });
    expect(c.code).not.toBe(0);
    expect(c.output).toContain(`cannot compile hook module (property module): ${broken}:1:28: Expected "]" but found ";"`);
    // The snippet shows the user's line, caret under the error.
    expect(c.output).toContain(`    export const values = [1, 2;\n${' '.repeat(4 + 27)}^`);
  });

  it('a plain CommonJS .js hook in a "type": "module" folder still exports module.exports', async () => {
    const cjsDir = path.join(dir, 'typed');
    write(path.join(cjsDir, 'package.json'), '{"type": "module"}');
    const hook = path.join(cjsDir, 'plain.js');
    write(
      hook,
      `#!/usr/bin/env node
const here = __dirname;
module.exports = { detect: () => [{ box: { x: 0, y: 0, width: 1, height: 1 }, label: 'dir=' + here, classId: 0, confidence: 1 }] };
`,
    );
    expect(await report(hook, path.join(dir, 'cache-4'))).toEqual({ dir: cjsDir });
  });
});
