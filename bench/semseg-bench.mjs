#!/usr/bin/env node
/**
 * Semantic segmentation cost (part of `npm run bench`): DeepLab v3 (MobileNetV2, VOC, 257x257) on bus.jpg
 * (810x1080) and zidane.jpg (1280x720) — reference preprocessing, one onnxruntime run —, then in this process what
 * tsclassify output-type=segmentation does with its output [1,257,257,21] per frame: the argmax per cell (the pixel
 * addon's native kernel, the TypeScript reference beside it) into the class map kept at model resolution, and per
 * object (inference-region=roi-list) the mask of its class over its box (objectClass + classMask, frame pixels
 * through the map's transform; for 10 boxes of 200x400 px, on the full-frame map). µs per frame, median of 200 runs
 * after 20 warm-up runs (TypeScript: of 20); the model run (best of 5) beside it is the limit.
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
const lib = await importTs('bench/semseg-decode.ts');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8'));
const NAME = 'deeplab_v3_mnv2_257_voc.onnx';
const { preprocess: spec, labelNames: labels } = manifest.models[NAME];

const session = await ort.InferenceSession.create(await resolveModelFile(NAME), { logSeverityLevel: 3 });
console.log(`semantic segmentation, ${NAME} (output [1,257,257,21] NHWC logits), on ${machine}; median of 200 runs\n`);
console.log('image        argmax native µs   TypeScript µs   NCHW native µs   10 object masks µs (px/mask)   model run (ms)');
for (const image of ['bus.jpg', 'zidane.jpg']) {
  const img = jpeg.decode(readFileSync(path.join(ROOT, '..', 'shared', 'media', image)), { useTArray: true, formatAsRGBA: false });
  const frame = { format: 'RGB', width: img.width, height: img.height, data: img.data, offsets: [0], strides: [3 * img.width] };
  const { tensor, transform } = lib.preprocessReference(frame, spec);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', tensor, [1, spec.height, spec.width, 3]) };
  const outputs = await session.run(feeds);
  let modelMs = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    modelMs = Math.min(modelMs, performance.now() - t0);
  }
  const out = outputs[session.outputNames[0]];
  const shape = lib.classMapShape(out.dims, labels.length);
  const values = out.data;
  lib.useArgmaxKernel((...a) => pixels.argmaxClasses(...a));
  const native = median(() => lib.classMap(values, shape, transform, labels));
  // The same scores channels first: what a torchvision-style model gives.
  const { height: h, width: w, classes: c } = shape;
  const nchw = new Float32Array(values.length);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) nchw[k * h * w + i] = values[i * c + k];
  const planes = median(() => pixels.argmaxClasses(nchw, h, w, c, 'NCHW'));
  const map = lib.classMap(values, shape, transform, labels);
  lib.useArgmaxKernel(null);
  const js = median(() => lib.classMap(values, shape, transform, labels), 20, 2);
  const boxes = Array.from({ length: 10 }, (_, i) => ({ x: (i * 61) % Math.max(1, img.width - 200), y: (i * 37) % Math.max(1, img.height - 400), width: 200, height: 400 }));
  const masks = median(() => {
    for (const b of boxes) lib.classMask(map, lib.objectClass('person', map, b, img.width, img.height), b, img.width, img.height);
  });
  console.log(
    `${image.padEnd(13)}${(1000 * native).toFixed(0).padStart(16)}   ${(1000 * js).toFixed(0).padStart(13)}   ${(1000 * planes).toFixed(0).padStart(14)}   ${(1000 * masks).toFixed(0).padStart(18)} (${200 * 400})   ${modelMs.toFixed(1).padStart(14)}`,
  );
}
await session.release?.();
