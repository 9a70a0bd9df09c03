#!/usr/bin/env node
/**
 * Keypoint decoding cost per frame (part of `npm run bench`): yolo11n-pose's real output on bus.jpg and
 * zidane.jpg (reference preprocessing, one onnxruntime run each), then, in this process, the box decoder
 * (yolov8: boxes and scores only) against the pose decoder (yolov8-pose: the same plus 17 keypoints per
 * candidate) on the same tensor, each followed by NMS and the mapping to frame pixels (toDetections, which
 * builds the Keypoint objects), at the element's default threshold and at the evaluation's 0.01. The model
 * run beside it is the limit. The class scan is the TypeScript one here (tsdetect uses the native addon's for both
 * decoders alike, so the difference is the same). Median of 2000 runs after 200 warm-up runs, in µs.
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
const lib = await importTs('bench/pose-decode.ts');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8'));
const NAME = 'yolo11n-pose_w8a32_derived.onnx';
const entry = manifest.models[NAME];
const spec = entry.preprocess;
const pose = { names: entry.keypoints.names, skeleton: entry.keypoints.skeleton };

const timed = (fn) => median(fn, 2000, 200);

const session = await ort.InferenceSession.create(await resolveModelFile(NAME), { logSeverityLevel: 3 });
console.log(`keypoint decoding, ${NAME} (output [1,56,8400]), on ${machine}; median of 2000 runs, µs per frame (the model run in ms)\n`);
console.log('image       threshold  candidates  kept   box decode+NMS   pose decode+NMS   keypoints cost   model run (ms)');
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
  for (const threshold of [0.5, 0.01]) {
    const opts = { threshold, numKeypoints: 17, inputWidth: spec.width, inputHeight: spec.height };
    // The box decoder reads the pose head as a one-class YOLOv8 head (numClasses 1): the same candidates.
    const boxes = () => lib.toDetections(lib.nms(lib.yolov8Decoder.decode(outputs, { ...opts, numClasses: 1 }), 0.45), transform, img.width, img.height, ['person']);
    const poses = () => lib.toDetections(lib.nms(lib.yolov8PoseDecoder.decode(outputs, opts), 0.45), transform, img.width, img.height, ['person'], pose);
    const candidates = lib.yolov8PoseDecoder.decode(outputs, opts).length;
    const kept = poses().length;
    const b = timed(boxes);
    const p = timed(poses);
    console.log(
      `${image.padEnd(12)}${String(threshold).padStart(9)}  ${String(candidates).padStart(10)}  ${String(kept).padStart(4)}   ${(1000 * b).toFixed(1).padStart(14)}   ${(1000 * p).toFixed(1).padStart(15)}   ${(1000 * (p - b)).toFixed(1).padStart(14)}   ${modelMs.toFixed(1).padStart(14)}`,
    );
  }
}
await session.release?.();
