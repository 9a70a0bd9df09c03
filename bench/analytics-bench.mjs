#!/usr/bin/env node
/**
 * tsanalytics benchmark, 20 lines + 20 zones, 100 tracked objects per frame:
 *  (a) the rule engine's update() in this process (elements/analytics bundled with esbuild on the fly):
 *      mean / median / p95 per frame (target ≤ 0.3 ms);
 *  (b) the element in a real pipeline: `tsdetect (100 moving boxes) ! tstrack ! tsanalytics ! fakesink` against
 *      the same without tsanalytics, slope between 100 and 2100 frames, best of 3: the wall time with every
 *      element at max-inflight=1 (one frame at a time: the element's whole cost is on the frame's path) and at the
 *      default max-inflight (frames overlap, as users run it), and the CPU time of all threads (user + system,
 *      from bash's `times`), which overlapping does not hide.
 *
 *   node bench/analytics-bench.mjs
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, gstEnv } from '../scripts/lib/gst.mjs';
import { importTs } from '../scripts/lib/import-ts.mjs';

/** 20 lines (10 vertical, 10 horizontal) and 20 zones (a 5 x 4 grid of rectangles) over a width x height frame. */
function benchRules(width, height) {
  const lines = [];
  for (let i = 0; i < 10; i++) lines.push({ name: `v${i}`, points: [[((i + 0.5) * width) / 10, 0], [((i + 0.5) * width) / 10, height]] });
  for (let i = 0; i < 10; i++) lines.push({ name: `h${i}`, points: [[0, ((i + 0.5) * height) / 10], [width, ((i + 0.5) * height) / 10]] });
  const zones = [];
  for (let i = 0; i < 20; i++) {
    const x = (i % 5) * (width / 5), y = Math.floor(i / 5) * (height / 4);
    zones.push({ name: `z${i}`, points: [[x, y], [x + width / 5, y], [x + width / 5, y + height / 4], [x, y + height / 4]], dwell: 2, maxOccupancy: 5 });
  }
  return { lines, zones };
}

/** 100 objects drifting with their own velocities (bouncing), jittered, with track ids. */
function makeFrames(count, width, height, n = 100) {
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const objs = Array.from({ length: n }, (_, i) => ({ x: (i % 10) * (width / 10), y: Math.floor(i / 10) * (height / 10), vx: 4 * rnd() - 2, vy: 4 * rnd() - 2 }));
  const frames = [];
  for (let f = 0; f < count; f++) {
    frames.push(
      objs.map((o, i) => {
        o.x += o.vx;
        o.y += o.vy;
        if (o.x < 0 || o.x > width - 40) o.vx = -o.vx;
        if (o.y < 0 || o.y > height - 80) o.vy = -o.vy;
        return { trackId: i + 1, label: 'person', box: { x: o.x + rnd() - 0.5, y: o.y + rnd() - 0.5, width: 40, height: 80 } };
      }),
    );
  }
  return frames;
}

const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;

async function engineBench() {
  const { AnalyticsEngine, parseRules } = await importTs('elements/analytics/index.ts');
  const width = 1920, height = 1080, WARMUP = 300, MEASURED = 3000;
  const engine = new AnalyticsEngine(parseRules(JSON.stringify(benchRules(width, height)), { source: 'bench' }));
  const frames = makeFrames(WARMUP + MEASURED, width, height);
  const times = new Float64Array(MEASURED);
  let events = 0;
  for (let f = 0; f < frames.length; f++) {
    const t0 = performance.now();
    const r = engine.update({ index: f, pts: f * 40e6, time: f * 0.04, width, height, objects: frames[f] });
    if (f >= WARMUP) {
      times[f - WARMUP] = performance.now() - t0;
      events += r.events.length;
    }
  }
  const sorted = Array.from(times).sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`(a) AnalyticsEngine.update(), 1920x1080, 20 lines + 20 zones, 100 tracked objects, ${MEASURED} frames (${events} events)`);
  console.log(`    mean ${us(mean)}, median ${us(median)}, p95 ${us(sorted[Math.floor(sorted.length * 0.95)])}   (target ≤ 300 µs: ${median <= 0.3 ? 'met' : 'NOT met'})`);
}

async function pipelineBench() {
  const hook = path.join(ROOT, 'test', 'fixtures', 'hooks', 'track-many.ts');
  const rules = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsvision-bench-')), 'rules.json');
  writeFileSync(rules, JSON.stringify(benchRules(640, 480)));
  const pipeline = (n, withAnalytics, serial) => {
    const inflight = serial ? ['max-inflight=1'] : [];
    return [
      'videotestsrc', `num-buffers=${n}`, 'pattern=black', '!', 'video/x-raw,format=I420,width=640,height=480', '!',
      'tsdetect', ...inflight, `module=${hook}`, '!', 'tstrack', ...inflight, 'min-hits=1', '!',
      ...(withAnalytics ? ['tsanalytics', ...inflight, `config=${rules}`, '!'] : []),
      'fakesink',
    ];
  };
  /** Wall and CPU seconds of one run: gst-launch under bash, whose `times` prints the children's user and system time. */
  const run = async (args) => {
    const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const started = process.hrtime.bigint();
    const r = await shell(`gst-launch-1.0 -q ${quoted} >/dev/null && times`);
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.code !== 0) throw new Error(`gst-launch-1.0 ${args.join(' ')} failed:\n${r.output}`);
    // `times`: the shell's user/system, then its children's ("0m1.234s 0m0.056s").
    const children = r.output.trim().split('\n').pop().match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
    const cpu = 60 * Number(children[1]) + Number(children[2]) + 60 * Number(children[3]) + Number(children[4]);
    return { wall, cpu };
  };
  const perFrame = async (withAnalytics, serial, short = 100, long = 2100) => {
    let wall = Infinity, cpu = Infinity;
    for (let i = 0; i < 3; i++) {
      const a = await run(pipeline(short, withAnalytics, serial)), b = await run(pipeline(long, withAnalytics, serial));
      wall = Math.min(wall, (b.wall - a.wall) / (long - short));
      cpu = Math.min(cpu, (b.cpu - a.cpu) / (long - short));
    }
    return { wall, cpu };
  };
  console.log('(b) pipeline, 640x480, 100 tracked objects per frame, 20 lines + 20 zones, slope 100..2100 frames, best of 3');
  for (const serial of [true, false]) {
    const base = await perFrame(false, serial);
    const analysed = await perFrame(true, serial);
    const label = serial ? 'max-inflight=1' : 'default max-inflight';
    console.log(`    ${label}: tsdetect (100 boxes) ! tstrack ${us(base.wall * 1000)}/frame (CPU ${us(base.cpu * 1000)}); ! tsanalytics ${us(analysed.wall * 1000)}/frame (CPU ${us(analysed.cpu * 1000)})`);
    console.log(`      → tsanalytics adds ${us((analysed.wall - base.wall) * 1000)}/frame of wall time, ${us((analysed.cpu - base.cpu) * 1000)}/frame of CPU time (target ≤ 300 µs)`);
  }
}

/** Runs a bash command line with the plugin from the build tree; resolves with { code, output }. */
function shell(command) {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { env: gstEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

console.log(`tsanalytics benchmark on ${os.cpus()[0].model.trim()}, ${os.cpus().length} cores\n`);
await engineBench();
console.log('');
await pipelineBench();
