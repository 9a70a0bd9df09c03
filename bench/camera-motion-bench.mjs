#!/usr/bin/env node
/**
 * tstrack's camera motion estimator (gst-plugin/camera-motion.cc), per frame on one core, at the sizes users
 * feed it: a synthetic textured scene panning 3 px right and 1 px down per frame, through
 * build/camera-motion-check (the estimator alone: downscale, pyramid, corners, Lucas–Kanade, RANSAC).
 *
 *   node bench/camera-motion-bench.mjs
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../scripts/lib/gst.mjs';

const check = path.join(process.env.TSVISION_BUILD_DIR ? path.resolve(ROOT, process.env.TSVISION_BUILD_DIR) : path.join(ROOT, 'build'), 'camera-motion-check');
console.log(`camera motion estimation on ${os.cpus()[0].model.trim()}, ${os.cpus().length} cores (one used)`);
for (const [w, h, n] of [[640, 480, 300], [1280, 720, 200], [1920, 1080, 100]]) {
  const r = JSON.parse(execFileSync(check, ['bench', String(w), String(h), String(n)], { encoding: 'utf8' }).trim());
  console.log(`    ${`${w}x${h}`.padEnd(10)} ${r.ms_per_frame.toFixed(2)} ms/frame (${r.ok}/${r.frames} frames with a motion found)`);
}
