/**
 * The hook runtime in real pipelines: element instances run their JavaScript in parallel, a hook
 * that hangs cannot wedge the process (hook-timeout, interrupts, state changes), console output of
 * hooks carries the element's name, and an early error always reaches gst-launch.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOKS, ROOT, gstLaunch, readJsonl, run, tempDir } from '../helpers/gst';

const RUNNER = path.join(ROOT, 'build', 'pipeline-runner');
const SOURCE = (n: number) => `videotestsrc num-buffers=${n} ! video/x-raw,format=I420,width=320,height=240,framerate=30/1`;
const hang = (args: string, props = '') => `tsdetect ${props} module=${HOOKS}/hang.ts module-args=${JSON.stringify(args)}`;

describe('every core', () => {
  it('two element instances in one process run their hooks at the same time', async () => {
    const dir = tempDir('tsvision-cores-');
    const logs = [0, 1].map((i) => path.join(dir, `spans-${i}.json`));
    const branch = (i: number) =>
      `${SOURCE(60)} ! tsdetect name=d${i} module=${HOOKS}/burn-cpu.ts module-args='{"ms":5,"log":"${logs[i]}"}' ! fakesink`;
    const r = await gstLaunch(`${branch(0)} ${branch(1)}`);
    expect(r.code, r.output).toBe(0);
    const [a, b] = logs.map((f) => JSON.parse(readFileSync(f, 'utf8')) as [number, number][]);
    expect(a).toHaveLength(60);
    expect(b).toHaveLength(60);
    // On one JavaScript thread no two hook calls can overlap; on two threads they do.
    let overlap = 0;
    for (const [s0, e0] of a) for (const [s1, e1] of b) overlap += Math.max(0, Math.min(e0, e1) - Math.max(s0, s1));
    expect(overlap).toBeGreaterThan(0);
  });
});

describe('watchdog: nothing a hook does wedges the process', () => {
  for (const how of ['loop', 'promise'] as const) {
    it(`a hook that never returns (${how}) fails the pipeline within hook-timeout + 2 s, naming element, hook, file and limit`, async () => {
      const r = await gstLaunch(`${SOURCE(40)} ! ${hang(`{"frame":5,"how":"${how}"}`, 'name=det hook-timeout=1000')} ! fakesink`, {
        timeoutMs: 30_000,
      });
      expect(r.timedOut, r.output).toBe(false);
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toMatch(
        new RegExp(`ERROR: from element /GstPipeline:pipeline0/GstTsDetect:det: det: detect\\(\\) in ${HOOKS}/hang.ts did not return within 1000 ms \\(hook-timeout\\) on frame 5`),
      );
      // start-up (well under a second) + the limit + 2 s
      expect(r.elapsedMs).toBeLessThan(1000 + 2000 + 2000);
    });
  }

  it('hook-errors=skip: the frame passes on without results, a warning is posted, setup() runs again, the stream goes on', async () => {
    const out = path.join(tempDir('tsvision-skip-'), 'out.jsonl');
    const r = await gstLaunch(
      `${SOURCE(30)} ! ${hang('{"frame":5}', 'name=det hook-timeout=800 hook-errors=skip')} ! tsexport location=${out} ! fakesink`,
      { timeoutMs: 30_000 },
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/WARNING: from element \/GstPipeline:pipeline0\/GstTsDetect:det: det: detect\(\) in .*hang\.ts did not return within 800 ms/);
    expect(r.output).toMatch(/hook-errors=skip: frame passed on without results; the hook restarts/);
    expect(r.stdout.match(/^det: setup \d+ \(frame 5\)$/gm)).toHaveLength(2);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.frame)).toEqual([...Array(30).keys()]);
    // Frame 5 (hung) has no results; frames before and after it do.
    expect(frames[5].objects).toHaveLength(0);
    expect(frames[4].objects).toHaveLength(1);
    expect(frames[29].objects).toHaveLength(1);
  });

  it('another pipeline in the same process, with its own runtime, keeps running while one hangs', async () => {
    const r = await run(
      RUNNER,
      [
        'pair',
        '0',
        `${SOURCE(40)} ! ${hang('{"frame":3}', 'hook-timeout=1500')} ! fakesink`,
        `${SOURCE(300)} ! tsdetect module=${HOOKS}/burn-cpu.ts module-args=${JSON.stringify('{"ms":10}')} ! fakesink sync=false`,
      ],
      { timeoutMs: 30_000 },
    );
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/pipeline 0: error/);
    expect(r.stdout).toMatch(/pipeline 1: EOS/);
    expect(r.stderr).toMatch(/did not return within 1500 ms/);
  });

  for (const flags of [[], ['-e']]) {
    it(`Ctrl-C${flags.length ? ' with -e' : ''} while a hook hangs (hook-timeout=0) exits within 3 s`, async () => {
      let interruptedAt = 0;
      const r = await gstLaunch(`${SOURCE(1000)} ! ${hang('{"frame":3}', 'hook-timeout=0')} ! fakesink`, {
        flags,
        timeoutMs: 30_000,
        onSpawn: (child) =>
          setTimeout(() => {
            interruptedAt = Date.now();
            child.kill('SIGINT');
          }, 2500),
      });
      expect(r.timedOut, r.output).toBe(false);
      expect(r.signal, r.output).toBeNull();
      expect(r.output).toMatch(/Interrupt: Stopping pipeline/);
      const exitedAfter = r.elapsedMs - (interruptedAt - (Date.now() - r.elapsedMs));
      expect(exitedAfter).toBeLessThan(3000);
      if (flags.length) expect(r.output).toMatch(/det|tsdetect0: interrupted while detect\(\) in .*hang\.ts was running/);
    });
  }
});

describe('console output of hooks', () => {
  it('is prefixed with the element name and never interleaved mid-line, log/info on stdout, warn/error on stderr', async () => {
    const branch = (name: string) => `${SOURCE(50)} ! tsdetect name=${name} module=${HOOKS}/console-lines.ts module-args='{"lines":8}' ! fakesink`;
    const r = await gstLaunch(`${branch('left')} ${branch('right')}`);
    expect(r.code, r.output).toBe(0);
    const line = /^(left|right): frame (\d+) line (\d) x{200}$/;
    const hookLines = (text: string) => text.split('\n').filter((l) => /frame \d+ line/.test(l));
    const out = hookLines(r.stdout);
    const err = hookLines(r.stderr);
    for (const l of [...out, ...err]) expect(l).toMatch(line);
    // 50 frames x 8 lines per element: lines 0, 1, 4, 5 on stdout, 2, 3, 6, 7 on stderr
    for (const name of ['left', 'right']) {
      expect(out.filter((l) => l.startsWith(`${name}:`))).toHaveLength(200);
      expect(err.filter((l) => l.startsWith(`${name}:`))).toHaveLength(200);
    }
    expect(out.every((l) => [0, 1, 4, 5].includes(Number(line.exec(l)![3])))).toBe(true);
  });
});

describe('early errors', () => {
  it('an error on the first frame reaches an application whose main loop starts late (gst-launch-1.0 race)', async () => {
    const r = await run(RUNNER, ['late-loop', '300', `${SOURCE(10)} ! tsdetect module=${HOOKS}/throws-on-frame-2.ts max-inflight=1 ! fakesink`], {
      timeoutMs: 15_000,
    });
    expect(r.timedOut, 'the error was lost: the main loop never quit').toBe(false);
    expect(r.stdout).toMatch(/error seen/);
    expect(r.code).toBe(1);
  });
});
