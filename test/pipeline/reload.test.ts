/**
 * Hot reload in real pipelines: with module-reload=true a changed hook file (or a local file it imports)
 * is swapped in between frames with ctx.state kept; a version that fails to compile or whose setup()
 * throws leaves the running one in place with a warning; setting `module` while PLAYING loads another file.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, gstLaunch, readJsonl, run, tempDir } from '../helpers/gst';

const RUNNER = path.join(ROOT, 'build', 'pipeline-runner');
const LIVE = (n: number) => `videotestsrc is-live=true num-buffers=${n} ! video/x-raw,format=I420,width=160,height=120,framerate=30/1`;

/** A hook whose one detection per frame is labelled `<version>:<frames counted in ctx.state>:<frame index>`. */
function hookSource(version: string, extra = ''): string {
  return `import type { DetectHook } from 'tsvision';
import { TAG } from './tag';
const hook: DetectHook = {
  setup(ctx) {
    ${extra}
    ctx.state.count ??= 0;
  },
  detect(frame, ctx) {
    const n = ctx.state.count as number;
    ctx.state.count = n + 1;
    return [{ box: { x: 1, y: 1, width: 5, height: 5 }, label: \`${version}\${TAG}:\${n}:\${frame.index}\`, classId: 0, confidence: 1 }];
  },
};
export default hook;
`;
}

const labels = (file: string) => readJsonl(file).map((f) => ({ frame: f.frame, label: f.objects[0]?.label ?? '' }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every frame once, in order; the count in ctx.state goes on across versions (state survived). */
function expectContinuous(rows: { frame: number; label: string }[], frames: number) {
  expect(rows.map((r) => r.frame)).toEqual([...Array(frames).keys()]);
  rows.forEach((r, i) => expect(r.label.split(':').slice(1)).toEqual([String(i), String(i)]));
}

describe('module-reload', () => {
  it('a changed hook file (and a changed import) is swapped in between frames, ctx.state kept; failed versions leave the old one running', async () => {
    const dir = tempDir('tsvision-reload-');
    const hook = path.join(dir, 'hook.ts');
    const tag = path.join(dir, 'tag.ts');
    const out = path.join(dir, 'out.jsonl');
    writeFileSync(tag, `export const TAG = '';\n`);
    writeFileSync(hook, hookSource('v1'));
    const steps = async () => {
      await sleep(1500);
      writeFileSync(hook, hookSource('v2') + 'const broken: number = ;\n'); // does not compile
      await sleep(700);
      writeFileSync(hook, hookSource('v3', "throw new Error('setup says no');")); // setup() throws
      await sleep(700);
      writeFileSync(hook, hookSource('v4'));
      await sleep(700);
      writeFileSync(tag, `export const TAG = '+tag';\n`); // a local import changes
    };
    let stepsDone: Promise<void> = Promise.resolve();
    const r = await gstLaunch(`${LIVE(150)} ! tsdetect name=det module-reload=true module=${hook} ! tsexport location=${out} ! fakesink`, {
      flags: ['-m'],
      timeoutMs: 30_000,
      onSpawn: () => (stepsDone = steps()),
    });
    await stepsDone;
    expect(r.code, r.output).toBe(0);
    const rows = labels(out);
    expectContinuous(rows, 150);
    const versions = rows.map((r) => r.label.split(':')[0]);
    // v1 first, then v4, then v4 with the new import; never the broken v2 or the refused v3; each switch once
    expect([...new Set(versions)]).toEqual(['v1', 'v4', 'v4+tag']);
    const first = (v: string) => versions.indexOf(v);
    expect(versions.slice(first('v4'), first('v4+tag')).every((v) => v === 'v4')).toBe(true);
    expect(versions.slice(first('v4+tag')).every((v) => v === 'v4+tag')).toBe(true);
    // the warnings name the file, line and column
    const brokenLine = hookSource('v2').split('\n').length; // the line appended to v2
    expect(r.output).toMatch(new RegExp(`WARNING: from element .*det: det: the new version of ${hook} was not loaded, the running one goes on: .*${hook}:${brokenLine}:\\d+`));
    expect(r.output).toMatch(new RegExp(`the running one goes on: .*setup\\(\\) in ${hook}:5:\\d+ threw Error: setup says no`));
    // one message per version swapped in, with the module and its content hash
    const reloaded = [...r.output.matchAll(/tsvision-hook-reloaded, module=\(string\)([^,]+), version=\(string\)([0-9a-f]+);/g)];
    expect(reloaded.map((m) => m[1])).toEqual([hook, hook]);
    expect(new Set(reloaded.map((m) => m[2])).size).toBe(2);
  });

  it('setting module while PLAYING loads the other file the same way', async () => {
    const dir = tempDir('tsvision-setmodule-');
    const a = path.join(dir, 'a.ts');
    const b = path.join(dir, 'b.ts');
    const out = path.join(dir, 'out.jsonl');
    writeFileSync(path.join(dir, 'tag.ts'), `export const TAG = '';\n`);
    writeFileSync(a, hookSource('a'));
    writeFileSync(b, hookSource('b'));
    const r = await run(RUNNER, ['set', '1200', `${LIVE(90)} ! tsdetect name=det module=${a} ! tsexport location=${out} ! fakesink`, 'det', 'module', b], {
      timeoutMs: 30_000,
    });
    expect(r.code, r.output).toBe(0);
    const rows = labels(out);
    expectContinuous(rows, 90);
    const versions = rows.map((r) => r.label.split(':')[0]);
    const switchAt = versions.indexOf('b');
    expect(switchAt).toBeGreaterThan(10);
    expect(versions.slice(0, switchAt).every((v) => v === 'a')).toBe(true);
    expect(versions.slice(switchAt).every((v) => v === 'b')).toBe(true);
  });
});
