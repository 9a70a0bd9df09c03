#!/usr/bin/env node
/**
 * Instance mask decoding cost (part of `npm run bench`): yolov8n-seg's real outputs on bus.jpg (810x1080) and
 * zidane.jpg (1280x720) (reference preprocessing, one onnxruntime run each), then, in this process, the masks of the
 * 10 and of 50 boxes NMS keeps (threshold 0.01; the photos have fewer than 50, so the 50 repeat the kept ones in
 * order: the same boxes, each masked again): the native kernel tsdetect uses
 * (the pixel addon's decodeMasks: coefficients . prototypes over the prototype cells under each box, bilinear to
 * the frame pixels of the box through the letterbox, threshold) and the TypeScript reference beside it. The boxes'
 * own decoding and NMS are left out (they are the detector's). µs per frame and per instance (median of 200 runs
 * after 20 warm-up runs); the model run beside it is the limit.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveModelFile } from '../models/fetch.mjs';
import { ROOT } from '../scripts/lib/gst.mjs';
import { importTs } from '../scripts/lib/import-ts.mjs';
import { machine, median } from '../scripts/lib/bench.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const jpeg = require('jpeg-js');
const pixels = require(path.join(ROOT, 'build', 'tsvision', 'runtime', 'tsvision_pixels.node'));
const lib = await importTs('bench/seg-decode.ts');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8'));
const NAME = 'yolov8n-seg_int8_320.onnx';
const spec = manifest.models[NAME].preprocess;
const native = (...args) => pixels.decodeMasks(...args);

const session = await ort.InferenceSession.create(await resolveModelFile(NAME), { logSeverityLevel: 3 });
console.log(`instance mask decoding, ${NAME} (outputs [1,116,2100] + prototypes [1,32,80,80]), on ${machine}; median of 200 runs\n`);
console.log('image        instances (kept)  mask pixels/inst   native µs/frame   µs/instance   TypeScript µs/instance   model run (ms)');
for (const image of ['bus.jpg', 'zidane.jpg']) {
  const img = jpeg.decode(readFileSync(path.join(ROOT, '..', 'shared', 'media', image)), { useTArray: true, formatAsRGBA: false });
  const frame = { format: 'RGB', width: img.width, height: img.height, data: img.data, offsets: [0], strides: [3 * img.width] };
  const { tensor, transform } = lib.preprocessReference(frame, spec);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', tensor, [1, 3, spec.height, spec.width]) };
  const outputs = await session.run(feeds);
  let modelMs = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    modelMs = Math.min(modelMs, performance.now() - t0);
  }
  const raw = lib.yolov8SegDecoder.decode(outputs, { threshold: 0.01, inputWidth: spec.width, inputHeight: spec.height });
  const kept = lib.nms(raw, 0.45);
  for (const n of [10, 50]) {
    const boxes = Array.from({ length: n }, (_, i) => ({ ...kept[i % kept.length] }));
    const run = () => lib.yolov8SegDecoder.attachMasks(boxes, outputs, transform, img.width, img.height, 0.5);
    lib.useMaskKernel(native);
    const t = median(run);
    const pixelsPer = boxes.reduce((s, b) => s + b.mask.width * b.mask.height, 0) / n;
    lib.useMaskKernel(null);
    const js = median(run, 20, 2);
    console.log(
      `${image.padEnd(13)}${String(n).padStart(9)} ${`(${kept.length})`.padStart(6)}  ${pixelsPer.toFixed(0).padStart(16)}   ${(1000 * t).toFixed(0).padStart(15)}   ${((1000 * t) / n).toFixed(1).padStart(11)}   ${((1000 * js) / n).toFixed(0).padStart(22)}   ${modelMs.toFixed(1).padStart(14)}`,
    );
  }
}
await session.release?.();
