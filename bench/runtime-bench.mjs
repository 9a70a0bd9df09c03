#!/usr/bin/env node
/**
 * The hook runtime's own costs, each against a baseline measured in this run (part of `npm run bench`):
 *  (a) hook round trip: tsdetect with a hook returning nothing vs `identity`, µs per frame;
 *  (b) carrying objects across the C++/JavaScript seam: a hook returning 100 objects vs 0 (JS → C++), and a
 *      second element receiving those 100 objects vs 0 (C++ → JS), µs per object;
 *  (c) K ∈ {1, 2, 4} streams in one process, each with a hook burning 5 ms of CPU per frame: aggregate fps
 *      vs one stream (each element instance runs its JavaScript in a runtime thread of its own);
 *  (d) resident memory (peak RSS) of 1, 4 and 16 tsdetect instances in one process vs the same pipeline with
 *      `identity`.
 * Per-frame figures are slopes, (T(long) − T(short)) / Δframes, which cancels start-up; best of N rounds.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ROOT, gstEnv } from '../scripts/lib/gst.mjs';
import { importTs } from '../scripts/lib/import-ts.mjs';

const HOOKS = path.join(ROOT, 'test', 'fixtures', 'hooks');
const EMPTY = path.join(ROOT, 'bench', 'empty-hook.ts');
const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;

/** Runs gst-launch-1.0 under GNU time; resolves with seconds and peak RSS (KiB). */
function launch(args) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'maxrss=%M', 'gst-launch-1.0', '-q', ...args], { env: gstEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`pipeline failed (${code}): gst-launch-1.0 ${args.join(' ')}\n${output}`));
      resolve({ seconds, rssKiB: Number(/maxrss=(\d+)/.exec(output)?.[1] ?? NaN) });
    });
  });
}

const source = (n, caps = 'video/x-raw,format=I420,width=320,height=240') => ['videotestsrc', `num-buffers=${n}`, 'pattern=black', '!', caps];

/** Seconds per frame of `branches(n)` (argv for n frames), best of `rounds`. */
async function perFrame(branches, short, long, rounds = 3) {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const a = (await launch(branches(short))).seconds;
    const b = (await launch(branches(long))).seconds;
    best = Math.min(best, (b - a) / (long - short));
  }
  return best;
}

const us = (s) => `${(s * 1e6).toFixed(1)} µs`;
console.log(`tsvision runtime benchmarks on ${machine}, ${os.platform()} ${os.release()}\n`);

// (a) round trip
{
  const line = (el) => (n) => [...source(n), '!', ...el, '!', 'fakesink'];
  const identity = await perFrame(line(['identity']), 100, 5100);
  const blocking = await perFrame(line(['tsdetect', 'max-inflight=1', `module=${EMPTY}`]), 100, 5100);
  const inflight = await perFrame(line(['tsdetect', `module=${EMPTY}`]), 100, 5100);
  console.log('(a) hook round trip, 320x240 I420, 5000 frames, best of 3');
  console.log(`    identity                          ${us(identity)}/frame (baseline)`);
  console.log(`    tsdetect + hook, max-inflight=1   ${us(blocking)}/frame → round trip ${us(blocking - identity)}/frame   (target ≤ 20)`);
  console.log(`    tsdetect + hook, max-inflight=2   ${us(inflight)}/frame → ${us(inflight - identity)}/frame (default: the streaming thread is not held)\n`);
}

// (b) objects across the seam
{
  const many = (k) => ['tsdetect', 'max-inflight=1', `module=${HOOKS}/track-many.ts`, `module-args={"n":${k}}`];
  const second = ['!', 'tsdetect', 'max-inflight=1', `module=${EMPTY}`];
  const line = (k, withSecond) => (n) => [...source(n, 'video/x-raw,format=I420,width=640,height=480'), '!', ...many(k), ...(withSecond ? second : []), '!', 'fakesink'];
  const none = await perFrame(line(0, false), 100, 2100);
  const hundred = await perFrame(line(100, false), 100, 2100);
  const noneIn = await perFrame(line(0, true), 100, 2100);
  const hundredIn = await perFrame(line(100, true), 100, 2100);
  const out = (hundred - none) / 100;
  const into = (hundredIn - noneIn - (hundred - none)) / 100;
  console.log('(b) objects across the seam, 640x480 I420, 2000 frames, best of 3, max-inflight=1');
  console.log(`    hook returning 0 / 100 objects    ${us(none)} / ${us(hundred)} per frame → JavaScript → C++ ${us(out)} per object   (target ≤ 2, incl. the hook making them and the ROI metas)`);
  console.log(`    + an element receiving them       ${us(noneIn)} / ${us(hundredIn)} per frame → C++ → JavaScript ${us(into)} per object   (target ≤ 2, incl. reading the ROI metas)\n`);
}

// (c) K streams with a 5 ms hook each: a fixed amount of work per frame (calibrated here to 5 ms on one core,
// the hook's own loop), so that threads sharing a core take longer, as real hooks would.
{
  const { work } = await importTs('test/fixtures/hooks/burn-cpu.ts');
  let perMs = 0;
  for (let round = 0; round < 20; round++) {
    const t0 = performance.now();
    work(200_000);
    perMs = Math.max(perMs, 200_000 / (performance.now() - t0));
  }
  const iterations = Math.round(5 * perMs);
  const streams = (k) => (n) => {
    const args = [];
    for (let i = 0; i < k; i++) args.push(...source(n), '!', 'tsdetect', `module=${HOOKS}/burn-cpu.ts`, `module-args={"iterations":${iterations}}`, '!', 'fakesink', 'sync=false');
    return args;
  };
  const fps = {};
  for (const k of [1, 2, 4]) fps[k] = k / (await perFrame(streams(k), 20, 220, 2));
  console.log(`(c) K streams in one process, each tsdetect hook doing ${iterations} iterations of work per frame (5 ms on one core), 200 frames each, best of 2`);
  for (const k of [1, 2, 4]) {
    const target = k === 2 ? `   (target on 2 cores ≥ 1.8)` : '';
    console.log(`    ${k} stream${k > 1 ? 's' : ' '}                         ${fps[k].toFixed(1)} fps aggregate → ${(fps[k] / fps[1]).toFixed(2)}x one stream${target}`);
  }
  console.log('');
}

// (d) memory
{
  const branches = (k, el) => {
    const args = [];
    for (let i = 0; i < k; i++) args.push(...source(30), '!', ...el, '!', 'fakesink', 'sync=false');
    return args;
  };
  console.log('(d) peak resident memory, K instances in one process (30 frames each)');
  for (const k of [1, 4, 16]) {
    const base = (await launch(branches(k, ['identity']))).rssKiB;
    const ts = (await launch(branches(k, ['tsdetect', `module=${EMPTY}`]))).rssKiB;
    console.log(`    ${String(k).padStart(2)} x tsdetect (hook)             ${(ts / 1024).toFixed(0)} MiB vs ${(base / 1024).toFixed(0)} MiB with identity → ${((ts - base) / 1024 / k).toFixed(1)} MiB per instance`);
  }
}
