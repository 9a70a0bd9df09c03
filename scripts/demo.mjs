#!/usr/bin/env node
/**
 * npm run demo: tsdetect (yolox_nano, from the models/ manifest) finds the people in
 * ../shared/media/one-by-one-person-detection.mp4 and tsexport writes out/demo.jsonl.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { resolveModelFile } from '../models/fetch.mjs';
import { ROOT, SHARED, gstLaunch, readJsonl } from './lib/gst.mjs';

const video = process.env.TSVISION_DEMO_VIDEO ?? path.join(SHARED, 'media', 'one-by-one-person-detection.mp4');
const model = await resolveModelFile('yolox_nano_416.onnx', (m) => console.log(m));
const labels = await resolveModelFile('coco_classes.txt', (m) => console.log(m));
const outDir = path.join(ROOT, 'out');
mkdirSync(outDir, { recursive: true });
const jsonl = path.join(outDir, 'demo.jsonl');

const pipeline = [
  'filesrc', `location=${video}`, '!', 'decodebin', '!',
  'tsdetect', `model=${model}`, `labels-file=${labels}`, 'threshold=0.4', '!',
  'tsexport', `location=${jsonl}`, '!', 'fakesink', 'sync=false',
];
console.log(`gst-launch-1.0 ${pipeline.join(' ')}`);
const r = await gstLaunch(pipeline);
if (r.code !== 0) {
  console.error(r.output);
  console.error(`demo pipeline failed (exit ${r.code})`);
  process.exit(1);
}
const frames = readJsonl(jsonl);
const perLabel = {};
let objects = 0;
for (const f of frames) {
  for (const o of f.objects) {
    perLabel[o.label] = (perLabel[o.label] ?? 0) + 1;
    objects++;
  }
}
console.log(`\n${frames.length} frames in ${r.seconds.toFixed(1)} s (${(frames.length / r.seconds).toFixed(1)} fps, whole pipeline incl. start-up)`);
console.log(`${objects} objects:`);
for (const [label, n] of Object.entries(perLabel).sort((a, b) => b[1] - a[1])) console.log(`  ${label.padEnd(14)} ${n}`);
console.log(`results: ${path.relative(process.cwd(), jsonl)}`);
