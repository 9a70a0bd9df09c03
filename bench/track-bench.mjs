#!/usr/bin/env node
/**
 * tstrack benchmark:
 *  (a) tracker.update() time for a frame with 100 objects (100 moving detections, ~100 live tracks), per tracker
 *      kind, in this process (elements/track bundled with esbuild on the fly): mean / median / p95 (target ≤ 0.3 ms);
 *  (b) with `--pipeline`: tstrack's cost per frame in a real pipeline with 100 objects per frame (ROI metas read,
 *      handed to the runtime, tracked, ids written back), as the difference between
 *      `tsdetect (100-object hook) ! tstrack ! fakesink` and the same without tstrack, max-inflight=1, with
 *      motion-compensation off and at its default.
 *
 *   node bench/track-bench.mjs [--pipeline]
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTs } from '../scripts/lib/import-ts.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const loadTrackers = () => importTs('elements/track/index.ts');

/** 100 objects on a 1920x1080 grid, each with its own velocity; jittered boxes, confidences in 0.5..1. */
function makeFrames(count, n = 100) {
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const objs = Array.from({ length: n }, (_, i) => ({ x: (i % 10) * 186 + 10, y: Math.floor(i / 10) * 98 + 5, vx: rnd() * 2 - 1, vy: rnd() * 2 - 1 }));
  const frames = [];
  for (let f = 0; f < count; f++) {
    frames.push(
      objs.map((o) => {
        o.x += o.vx;
        o.y += o.vy;
        if (o.x < 0 || o.x > 1860) o.vx = -o.vx;
        if (o.y < 0 || o.y > 990) o.vy = -o.vy;
        return {
          box: { x: o.x + rnd() - 0.5, y: o.y + rnd() - 0.5, width: 60 + rnd(), height: 90 + rnd() },
          label: 'person',
          classId: 0,
          confidence: 0.5 + rnd() * 0.5,
        };
      }),
    );
  }
  return frames;
}

const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;

async function trackerBench() {
  const { createTracker, TRACKER_KINDS } = await loadTrackers();
  const WARMUP = 300, MEASURED = 2000;
  const frames = makeFrames(WARMUP + MEASURED);
  console.log(`(a) tracker.update(), 100 detections per frame, ${MEASURED} frames after ${WARMUP} warm-up frames`);
  for (const kind of TRACKER_KINDS) {
    const t = createTracker(kind, {});
    for (let f = 0; f < WARMUP; f++) t.update(frames[f], f);
    const times = new Float64Array(MEASURED);
    for (let f = WARMUP; f < WARMUP + MEASURED; f++) {
      const t0 = performance.now();
      t.update(frames[f], f);
      times[f - WARMUP] = performance.now() - t0;
    }
    const sorted = Array.from(times).sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    const median = sorted[Math.floor(sorted.length / 2)];
    const p95 = sorted[Math.floor(sorted.length * 0.95)];
    const target = kind === 'bytetrack' ? `   (target ≤ 300 µs: ${median <= 0.3 ? 'met' : 'NOT met'})` : '';
    console.log(`    ${kind.padEnd(9)} ${t.liveTrackCount} live tracks: mean ${us(mean)}, median ${us(median)}, p95 ${us(p95)}${target}`);
  }
}

function launch(args) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('gst-launch-1.0', args, {
      env: { ...process.env, GST_PLUGIN_PATH: path.join(ROOT, 'build', 'gst-plugin') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`gst-launch-1.0 ${args.join(' ')} failed:\n${output}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

async function pipelineBench() {
  const hook = path.join(ROOT, 'test', 'fixtures', 'hooks', 'track-many.ts');
  // withTrack: false, or tstrack's extra properties ([] for its defaults).
  const pipeline = (n, withTrack) => [
    'videotestsrc', `num-buffers=${n}`, 'pattern=black', '!', 'video/x-raw,format=I420,width=640,height=480', '!',
    'tsdetect', 'max-inflight=1', `module=${hook}`, '!',
    ...(withTrack ? ['tstrack', 'max-inflight=1', ...withTrack, '!'] : []),
    'fakesink',
  ];
  // Seconds per frame: (T(long) − T(short)) / Δframes cancels start-up; best of 3.
  const perFrame = async (withTrack, short = 100, long = 2100) => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const a = await launch(pipeline(short, withTrack));
      const b = await launch(pipeline(long, withTrack));
      best = Math.min(best, (b - a) / (long - short));
    }
    return best;
  };
  const base = await perFrame(false);
  const fixed = await perFrame(['motion-compensation=off']);
  const tracked = await perFrame([]);
  console.log('(b) pipeline, 640x480 I420 (black: the motion estimator finds no corners), 100 objects per frame, 2000 frames, best of 3, max-inflight=1');
  console.log(`    tsdetect (100-object hook)                                  ${us(base * 1000)}/frame`);
  console.log(`    tsdetect (100-object hook) ! tstrack motion-compensation=off ${us(fixed * 1000)}/frame → tstrack ${us((fixed - base) * 1000)}/frame`);
  console.log(`    tsdetect (100-object hook) ! tstrack (defaults)             ${us(tracked * 1000)}/frame → tstrack ${us((tracked - base) * 1000)}/frame (camera motion estimation: bench/camera-motion-bench.mjs)`);
}

const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores`;
console.log(`tstrack benchmark on ${machine}\n`);
await trackerBench();
if (process.argv.includes('--pipeline')) {
  console.log('');
  await pipelineBench();
}
