#!/usr/bin/env node
/**
 * Native preprocessing (part of `npm run bench`): ms per frame of the pixel addon's `preprocess()` turning a
 * frame into yolox_nano's input (models/manifest.json: 416x416 letterbox, BGR, NCHW float) for I420, NV12 and
 * BGRx frames of 768x432 and 1920x1080, against the previous kernel (`preprocessScalar()`, kept in the addon for
 * this bench and the tests) measured in the same run on the same frames. The first column is the build the addon
 * picks on this CPU; the others are its other builds (`setPreprocessIsa()`: x86-64-v3 = AVX2, x86-64 = the SSE2
 * baseline, …). One core (the calling thread), best of several rounds; the outputs of the builds and of the
 * previous kernel are compared (max |difference|, in the tensor's units: 0..255 here).
 *
 * Usage: node bench/preprocess-bench.mjs [--rounds N] [--ms M]   (N rounds, default 5, of M ms per kernel, default 200)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 5);
const ROUND_MS = arg('--ms', 200);

const pixels = require(path.join(ROOT, 'build', 'tsvision', 'runtime', 'tsvision_pixels.node'));
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8'));
const spec = manifest.models['yolox_nano_416.onnx'].preprocess;

const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;
console.log(`preprocessing benchmark on ${machine}, ${os.platform()} ${os.release()}, node ${process.version}`);
const builds = pixels.preprocessIsas();
const best = pixels.preprocessIsa();
console.log(`  model input ${spec.width}x${spec.height} ${spec.resize} ${spec.channelOrder} ${spec.layout}; builds of the kernel this CPU runs: ${builds.join(', ')}`);

/** A deterministic picture-like frame (smooth gradients + noise) in `format`, tight strides. */
function makeFrame(format, width, height) {
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) & 15;
  const px = (x, y, c) => Math.max(0, Math.min(255, Math.round(128 + 90 * Math.sin(x * 0.013 + c) * Math.cos(y * 0.021 - c) + noise())));
  if (format === 'BGRx') {
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        data[i] = px(x, y, 2);
        data[i + 1] = px(x, y, 1);
        data[i + 2] = px(x, y, 0);
        data[i + 3] = 255;
      }
    }
    return { format, width, height, data, offsets: [0], strides: [width * 4] };
  }
  const cw = width >> 1;
  const ch = height >> 1;
  const data = new Uint8Array(width * height + 2 * cw * ch);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = 16 + (px(x, y, 0) * 219) / 255;
  const u = (x, y) => 16 + (px(2 * x, 2 * y, 1) * 224) / 255;
  const v = (x, y) => 16 + (px(2 * x, 2 * y, 2) * 224) / 255;
  const base = width * height;
  if (format === 'I420') {
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        data[base + y * cw + x] = u(x, y);
        data[base + cw * ch + y * cw + x] = v(x, y);
      }
    }
    return { format, width, height, data, offsets: [0, base, base + cw * ch], strides: [width, cw, cw] };
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      data[base + y * width + 2 * x] = u(x, y);
      data[base + y * width + 2 * x + 1] = v(x, y);
    }
  }
  return { format, width, height, data, offsets: [0, base], strides: [width, width] };
}

/** Best ms per call over ROUNDS rounds of ~ROUND_MS each. */
function time(fn, frame, out) {
  for (let i = 0; i < 20; i++) fn(frame, spec, out);
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      for (let i = 0; i < 10; i++) fn(frame, spec, out);
      n += 10;
      elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
    } while (elapsed < ROUND_MS);
    best = Math.min(best, elapsed / n);
  }
  return best;
}

const out = new Float32Array(3 * spec.width * spec.height);
const outPrev = new Float32Array(out.length);
const rows = [];
for (const [width, height] of [[768, 432], [1920, 1080]]) {
  for (const format of ['I420', 'NV12', 'BGRx']) {
    const frame = makeFrame(format, width, height);
    const ms = {};
    let diff = 0;
    const prev = time(pixels.preprocessScalar, frame, outPrev);
    for (const build of builds) {
      pixels.setPreprocessIsa(build);
      ms[build] = time(pixels.preprocess, frame, out);
      for (let i = 0; i < out.length; i++) diff = Math.max(diff, Math.abs(out[i] - outPrev[i]));
    }
    pixels.setPreprocessIsa(best);
    // As tsdetect runs it on its reused input tensors: the padding the previous frame left is not written again.
    const { paddingKey } = pixels.preprocess(frame, spec, out);
    const kept = time((f, sp, o) => pixels.preprocess(f, sp, o, paddingKey), frame, out);
    rows.push({ size: `${width}x${height}`, format, ms, prev, diff, kept });
  }
}
const col = (s) => s.padStart(11);
console.log(`\n  ms per frame, one core\n  frame       format ${builds.map((b) => col(b)).join('')}   previous   speed-up   max |diff|   padding kept`);
for (const r of rows) {
  const cells = builds.map((b) => col(`${r.ms[b].toFixed(3)}`)).join('');
  console.log(
    `  ${r.size.padEnd(11)} ${r.format.padEnd(6)} ${cells} ${r.prev.toFixed(3).padStart(10)} ${(r.prev / r.ms[best]).toFixed(1).padStart(9)}x ${r.diff.toExponential(1).padStart(11)} ${r.kept.toFixed(3).padStart(14)}`,
  );
}
console.log(`  (speed-up: ${best}, the build used here, vs the previous kernel; max |diff|: any build vs the previous kernel;`);
console.log(`   padding kept: ${best} handed the previous call's paddingKey, as tsdetect calls it on its reused input tensors)`);
