#!/usr/bin/env node
/**
 * Oriented-box costs: (1) decoding a YOLOv8-OBB output of DOTA's shape at 1024x1024 ([1, 20, 21504]) with N objects
 * of 8 overlapping candidates each (yolov8-obb + rotated NMS with probabilistic IoU + mapping to frame pixels) beside
 * the plain yolov8 decoder + axis-aligned NMS on the same tensor; (2) tsclassify's crop of one object into a 224x224
 * input from a 1920x1080 RGB frame, axis-aligned against upright from a rotated rectangle (the pixel addon).
 * Synthetic tensors (no OBB model is available offline). Median of 500 runs after 50 warm-up runs, in µs.
 *
 *   node bench/obb-bench.mjs
 */
import { importTs } from '../scripts/lib/import-ts.mjs';
import { machine, median } from '../scripts/lib/bench.mjs';

const lib = await importTs('bench/obb-decode.ts');

/** Median µs of `fn`. */
const medianUs = (fn, runs = 500, warmup = 50) => 1000 * median(fn, runs, warmup);

const CLASSES = 15;
const N = 21504;
const transform = { scaleX: 1024 / 1920, scaleY: 1024 / 1920, padX: 0, padY: 224 };
console.log(`oriented boxes on ${machine}; median of 500 runs, µs\n`);
console.log('objects  candidates  kept   yolov8 + NMS   yolov8-obb + rotated NMS');
for (const objects of [10, 50, 200]) {
  const cands = [];
  for (let o = 0; o < objects; o++) {
    const cx = 40 + ((o * 97) % 940);
    const cy = 260 + ((o * 61) % 500); // inside the letterboxed picture (rows 224..800)
    for (let k = 0; k < 8; k++) {
      const scores = Array.from({ length: CLASSES }, (_, c) => (c === o % CLASSES ? 0.9 - 0.05 * k : 0.01));
      cands.push({ cx: cx + k, cy: cy + k / 2, w: 60, h: 20, scores, angle: 0.3 + 0.02 * k });
    }
  }
  const outputs = { output0: { dims: [1, 4 + CLASSES + 1, N], data: lib.obbTable(cands, CLASSES, N), type: 'float32' } };
  const opts = { threshold: 0.25, inputWidth: 1024, inputHeight: 1024 };
  let kept = 0;
  const plain = medianUs(() => lib.toDetections(lib.nms(lib.yolov8Decoder.decode(outputs, { ...opts, numClasses: CLASSES }), 0.45), transform, 1920, 1080, []));
  const obb = medianUs(() => {
    kept = lib.toDetections(lib.nmsRotated(lib.yolov8ObbDecoder.decode(outputs, opts), 0.45), transform, 1920, 1080, []).length;
  });
  console.log(`${String(objects).padStart(7)}  ${String(cands.length).padStart(10)}  ${String(kept).padStart(4)}   ${plain.toFixed(0).padStart(12)}   ${obb.toFixed(0).padStart(24)}`);
}

const W = 1920;
const H = 1080;
const data = new Uint8Array(W * H * 3).map((_, i) => (i * 31) & 255);
const frame = { format: 'RGB', width: W, height: H, data, offsets: [0], strides: [3 * W] };
const spec = { width: 224, height: 224, resize: 'letterbox', padValue: 0, channelOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW' };
const out = new Float32Array(3 * 224 * 224);
const straight = medianUs(() => lib.preprocess(frame, { ...spec, roi: { x: 800, y: 400, width: 300, height: 120 } }, out));
const rotated = medianUs(() => lib.preprocess(frame, { ...spec, roi: { x: 800, y: 400, width: 300, height: 120, angle: 0.5 } }, out));
console.log(`\ncrop into 224x224 from ${W}x${H} RGB: axis-aligned 300x120 ${straight.toFixed(0)} µs, upright from a rotated 300x120 rectangle ${rotated.toFixed(0)} µs`);
