/**
 * The npm package as a hook project gets it (README "Your first hook"): `npm pack` of the checkout and the checkout
 * folder itself, each installed with a real npm into a fresh project outside the repository, with no environment
 * variables but PATH and HOME (in particular no ONNXRUNTIME_NODE_INSTALL: nothing but npm packages may be fetched).
 * The project's hook type-checks with tsc against the installed types, Node 20's `toSorted()` does not, plain `node`
 * imports the runtime helpers, and the same hook runs in a real gst-launch-1.0 pipeline.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, gstLaunch, readJsonl, tempDir } from '../helpers/gst';

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Exec {
  code: number;
  stdout: string;
  /** stdout + stderr */
  output: string;
}

/** Runs a command in `cwd` with an empty environment but PATH (without node_modules/.bin entries) and HOME. */
async function exec(command: string, args: string[], cwd: string): Promise<Exec> {
  const PATH = (process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules')).join(':');
  try {
    const r = await promisify(execFile)(command, args, { cwd, env: { PATH, HOME: process.env.HOME ?? '/root' }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    // A non-numeric code: the command did not start or was killed; its message says which.
    if (typeof e.code !== 'number') return { code: -1, stdout: e.stdout ?? '', output: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
    return { code: e.code, stdout: e.stdout ?? '', output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];

/** A tsvision tsdetect hook: three squares (two overlapping), the overlapping pair reduced by the runtime's nms(). */
const FIRST_HOOK = `import type { DetectHook, Detection } from 'tsvision';
import { iou, nms } from 'tsvision';

const square = (x: number, y: number, confidence: number): Detection => ({
  box: { x, y, width: 20, height: 20 }, label: 'square', classId: 0, confidence,
});

const hook: DetectHook = {
  detect() {
    return [square(0, 0, 0.9), square(2, 2, 0.8), square(30, 20, 0.7)];
  },
  filter(detections, frame, ctx) {
    const raw = detections.map((d) => ({
      x1: d.box.x, y1: d.box.y, x2: d.box.x + d.box.width, y2: d.box.y + d.box.height, score: d.confidence, classId: d.classId,
    }));
    const kept = nms(raw, 0.5);
    ctx.postMessage('first-hook', {
      frame: frame.index, kept: kept.length, overlap: iou(raw[0], raw[1]),
      node: process.versions.node, toSorted: 'toSorted' in Array.prototype,
    });
    return detections.filter((_, i) => kept.includes(raw[i]));
  },
};
export default hook;
`;

/** Uses the other hook types and a Node 18 API, so that all of them must resolve from the installed package. */
const TYPES_USE = `import type { ClassifyHook, TrackHook } from 'tsvision';
import { readFileSync } from 'node:fs';

export const track: TrackHook = { onEvent(event) { if (event.type === 'track-lost') readFileSync('/dev/null'); } };
export const classify: ClassifyHook = { postprocess: () => [{ label: 'x' }] };
`;

/** A fresh hook project in a temporary directory outside the repository, tsvision installed from `spec`. */
async function hookProject(spec: string): Promise<string> {
  const dir = tempDir('tsvision-hook-project-');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-hooks', version: '1.0.0', private: true, type: 'module' }));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: 'tsvision/tsconfig.hook.json', include: ['*.ts'] }));
  writeFileSync(path.join(dir, 'first-hook.ts'), FIRST_HOOK);
  writeFileSync(path.join(dir, 'types-use.ts'), TYPES_USE);
  const r = await exec('npm', ['install', spec, ...NPM_FLAGS], dir);
  expect(r.code, r.output).toBe(0);
  return dir;
}

let packed: { files: { path: string }[]; filename: string };
let tarball: string;
const projects: Record<string, string> = {};

beforeAll(async () => {
  const dest = tempDir('tsvision-pack-');
  const r = await exec('npm', ['pack', '--json', '--pack-destination', dest], ROOT);
  expect(r.code, r.output).toBe(0);
  packed = JSON.parse(r.stdout)[0];
  tarball = path.join(dest, packed.filename);
  projects.tarball = await hookProject(tarball);
  projects.checkout = await hookProject(ROOT);
}, 120_000);

describe('npm pack', () => {
  it('ships the types, the API bundle and the hook tsconfig (no tests, evaluation, benchmarks, models or builds)', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(['README.md', 'dist/tsvision-api.cjs', 'package.json', 'ts-runtime/api.d.ts', 'ts-runtime/tsconfig.hook.json']);
    expect(files.filter((f) => /^(test|eval|bench|models|build|examples)\//.test(f))).toEqual([]);
  });
});

describe.each(['tarball', 'checkout'])('a hook project that ran `npm install <%s>`', (kind) => {
  it('gets tsvision and @types/node 18, not onnxruntime-node or esbuild', () => {
    const modules = path.join(projects[kind], 'node_modules');
    expect(existsSync(path.join(modules, 'tsvision', 'ts-runtime', 'api.d.ts'))).toBe(true);
    expect(readdirSync(modules).filter((m) => /onnxruntime|esbuild/.test(m))).toEqual([]);
    if (kind === 'tarball') {
      // A folder install is a link to the checkout, whose own node_modules holds its dependencies.
      expect(JSON.parse(readFileSync(path.join(modules, '@types', 'node', 'package.json'), 'utf8')).version).toMatch(/^18\./);
    }
  });

  it('type-checks its hooks with tsc, and rejects Node 20 API (toSorted) the embedded Node 18 lacks', async () => {
    const ok = await exec('node', [TSC, '-p', '.', '--noEmit'], projects[kind]);
    expect(ok.output).toBe('');
    expect(ok.code).toBe(0);
    const listed = await exec('node', [TSC, '-p', '.', '--listFilesOnly'], projects[kind]);
    const nodeTypes = listed.output.split('\n').find((f) => f.endsWith('@types/node/index.d.ts'));
    expect(JSON.parse(readFileSync(path.join(path.dirname(nodeTypes!), 'package.json'), 'utf8')).version).toMatch(/^18\./);

    writeFileSync(path.join(projects[kind], 'node20.ts'), 'export const sorted = [3, 1, 2].toSorted();\n');
    try {
      const bad = await exec('node', [TSC, '-p', '.', '--noEmit'], projects[kind]);
      expect(bad.code).not.toBe(0);
      expect(bad.output.trim().split('\n')).toEqual([
        expect.stringMatching(/^node20\.ts\(1,33\): error TS2550: Property 'toSorted' does not exist on type 'number\[\]'/),
      ]);
    } finally {
      writeFileSync(path.join(projects[kind], 'node20.ts'), 'export {};\n');
    }
  });

  it('imports the runtime helpers with plain node (ESM and CommonJS)', async () => {
    const esm = await exec('node', ['--input-type=module', '-e', `
      import { iou, nms, toDetections } from 'tsvision';
      const a = { x1: 0, y1: 0, x2: 20, y2: 20, score: 0.9, classId: 0 };
      const b = { x1: 2, y1: 2, x2: 22, y2: 22, score: 0.8, classId: 0 };
      const [d] = toDetections([a], { scaleX: 2, scaleY: 2, padX: 0, padY: 0 }, 100, 100, ['person']);
      console.log(JSON.stringify({ iou: iou(a, b), kept: nms([a, b], 0.5).length, d }));`], projects[kind]);
    expect(esm.code, esm.output).toBe(0);
    expect(JSON.parse(esm.output)).toEqual({
      iou: 324 / 476, kept: 1,
      d: { box: { x: 0, y: 0, width: 10, height: 10 }, label: 'person', classId: 0, confidence: 0.9 },
    });
    const cjs = await exec('node', ['-e', "console.log(Object.keys(require('tsvision')).sort().join())"], projects[kind]);
    expect(cjs.output.trim()).toBe('iou,nms,nmsRotated,probiou,toDetections');
  });
});

describe('the installed project\'s hook in a pipeline', () => {
  it('runs in tsdetect with `import { nms, iou } from \'tsvision\'`, on the Node version api.d.ts states', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'first-hook.jsonl');
    const r = await gstLaunch(
      `videotestsrc num-buffers=2 ! video/x-raw,format=RGBx,width=64,height=48 ! tsdetect module=${projects.tarball}/first-hook.ts ! tsexport location=${out} ! fakesink`,
      { flags: ['-m'], env: { TSVISION_CACHE_DIR: path.join(dir, 'cache') } },
    );
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.objects.map((o) => o.confidence))).toEqual([[0.9, 0.7], [0.9, 0.7]]);
    const messages = [...r.stdout.matchAll(/first-hook, frame=\(gint64\)(\d), kept=\(gint64\)(\d), overlap=\(double\)([\d.]+), node=\(string\)([\d.]+), toSorted=\(boolean\)(\w+)/g)];
    expect(messages.map((m) => m[1])).toEqual(['0', '1']);
    const [, , kept, overlap, node, toSorted] = messages[0];
    expect(kept).toBe('2');
    expect(Number(overlap)).toBeCloseTo(324 / 476, 12);
    // The embedded runtime lacks what the hook tsconfig's lib leaves out, and is the Node major api.d.ts names.
    expect(toSorted).toBe('false');
    const debian = /^VERSION_CODENAME=trixie$/m.test(readFileSync('/etc/os-release', 'utf8')) ? 13 : 12;
    const stated = new RegExp(`Node\\.js (\\d+) on Debian ${debian}`).exec(readFileSync(path.join(ROOT, 'ts-runtime', 'api.d.ts'), 'utf8'));
    expect(node.split('.')[0]).toBe(stated?.[1]);
  });
});
