#!/usr/bin/env node
/**
 * npm run bench — figures are measured in this run, against baselines measured in this run:
 *  (the hook runtime's own costs: bench/runtime-bench.mjs)
 *  (b) tsdetect (yolox_nano) on 300 frames of the person video vs a raw onnxruntime-node loop
 *      (same model, same native preprocessing, same frames) in this process: throughput ratio;
 *  (c) four streams sharing one session (model-instance-id, four frames per inference on yolox_nano with its
 *      batch axis made dynamic) in one process vs one stream.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveModelFile } from '../models/fetch.mjs';
import { ROOT, SHARED, gstLaunch } from './lib/gst.mjs';
import { importTs } from './lib/import-ts.mjs';

const require = createRequire(import.meta.url);
const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;
console.log(`tsvision benchmarks on ${machine}, ${os.platform()} ${os.release()}\n`);

async function timed(args) {
  const r = await gstLaunch(args);
  if (r.code !== 0) throw new Error(`pipeline failed:\ngst-launch-1.0 ${args.join(' ')}\n${r.output}`);
  return r.seconds;
}

// (b) tsdetect vs raw onnxruntime-node
const model = await resolveModelFile('yolox_nano_416.onnx');
const labels = await resolveModelFile('coco_classes.txt');
const video = path.join(SHARED, 'media', 'one-by-one-person-detection.mp4');
const FRAMES = 300;
const WARMUP = 30;
const decode = (n) => ['filesrc', `location=${video}`, '!', 'qtdemux', '!', 'avdec_h264', '!', 'identity', `eos-after=${n}`, '!', 'video/x-raw,format=I420'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsvision-bench-'));
const raw = path.join(tmp, 'frames.i420');
await timed([...decode(FRAMES + WARMUP), '!', 'filesink', `location=${raw}`]);

let decodeOnly = Infinity;
let withDetect = Infinity;
for (let i = 0; i < 2; i++) {
  decodeOnly = Math.min(decodeOnly, (await timed([...decode(FRAMES + WARMUP), '!', 'fakesink'])) - (await timed([...decode(WARMUP), '!', 'fakesink'])));
  const det = ['!', 'tsdetect', `model=${model}`, `labels-file=${labels}`, '!', 'fakesink'];
  withDetect = Math.min(withDetect, (await timed([...decode(FRAMES + WARMUP), ...det])) - (await timed([...decode(WARMUP), ...det])));
}
const pipelineFps = FRAMES / (withDetect - decodeOnly);

const ort = require('onnxruntime-node');
const pixels = require(path.join(ROOT, 'build', 'tsvision', 'runtime', 'tsvision_pixels.node'));
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8'));
const spec = manifest.models['yolox_nano_416.onnx'].preprocess;
const session = await ort.InferenceSession.create(readFileSync(model), { executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1 });
const bytes = readFileSync(raw);
const width = 768;
const height = 432;
const frameSize = (width * height * 3) / 2;
const input = new Float32Array(3 * spec.width * spec.height);
const runFrame = async (i) => {
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + i * frameSize, frameSize);
  const frame = { format: 'I420', width, height, data, offsets: [0, width * height, (width * height * 5) / 4], strides: [width, width / 2, width / 2] };
  const { tensor } = pixels.preprocess(frame, spec, input);
  await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', tensor, [1, 3, spec.height, spec.width]) });
};
for (let i = 0; i < WARMUP; i++) await runFrame(i);
let rawSeconds = Infinity;
for (let round = 0; round < 2; round++) {
  const t0 = process.hrtime.bigint();
  for (let i = WARMUP; i < WARMUP + FRAMES; i++) await runFrame(i);
  rawSeconds = Math.min(rawSeconds, Number(process.hrtime.bigint() - t0) / 1e9);
}
const rawFps = FRAMES / rawSeconds;
// (c) four streams sharing one session (model-instance-id) in one process vs one stream, on yolox_nano with its
// batch axis made dynamic (models/dynamic-batch.ts; same file name, so the manifest still describes it): the four
// streams' frames run four per inference.
const { withDynamicBatch } = await importTs('models/dynamic-batch.ts');
const dynamicModel = path.join(tmp, 'yolox_nano_416.onnx');
withDynamicBatch(model, dynamicModel, 'N', { reshapeBatch: true });
const streams = (n, frames) => {
  const args = [];
  for (let i = 0; i < n; i++) {
    args.push(...decode(frames), '!', 'tsdetect', `model=${dynamicModel}`, `labels-file=${labels}`, 'model-instance-id=bench', `batch-size=${n}`, 'batch-timeout=50', '!', 'fakesink', 'sync=false');
  }
  return args;
};
let single = Infinity;
let four = Infinity;
for (let i = 0; i < 2; i++) {
  single = Math.min(single, (await timed(streams(1, FRAMES + WARMUP))) - (await timed(streams(1, WARMUP))));
  four = Math.min(four, (await timed(streams(4, FRAMES + WARMUP))) - (await timed(streams(4, WARMUP))));
}
const singleFps = FRAMES / single;
const fourFps = (4 * FRAMES) / four;
rmSync(tmp, { recursive: true, force: true });
console.log(`(b) yolox_nano_416 on ${FRAMES} frames of one-by-one-person-detection.mp4 (768x432 I420), best of 2`);
console.log(`    raw onnxruntime-node loop   ${rawFps.toFixed(1)} fps (preprocess + run, baseline)`);
console.log(`    tsdetect in a pipeline      ${pipelineFps.toFixed(1)} fps (decode time subtracted)`);
console.log(`    ratio                       ${(pipelineFps / rawFps).toFixed(2)}   (target ≥ 0.9)`);
console.log(`\n(c) ${FRAMES} frames per stream, decode included, one process, best of 2`);
console.log(`    1 stream                    ${singleFps.toFixed(1)} fps`);
console.log(`    4 streams, one session      ${fourFps.toFixed(1)} fps aggregate (model-instance-id=bench batch-size=4: four frames per inference)`);
console.log(`    ratio                       ${(fourFps / singleFps).toFixed(2)}`);
