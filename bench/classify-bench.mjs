#!/usr/bin/env node
/**
 * tsclassify benchmark: what reclassify-interval saves. 300 frames of the person video through
 *   light_person_detector (tsdetect) ! tstrack ! tsclassify (MobileNetV2 on each person) ! fakesink
 * with reclassify-interval=1 (every person on every frame) and =10 (each track once per 10 frames), against the
 * same pipeline without tsclassify (baseline, measured in this run): wall time, fps, classifier inputs, and the
 * classification cost per frame. Best of 2.
 *
 *   node bench/classify-bench.mjs
 */
import os from 'node:os';
import path from 'node:path';
import { resolveModelFile } from '../models/fetch.mjs';
import { SHARED, gstLaunch } from '../scripts/lib/gst.mjs';

const FRAMES = 300;
const video = path.join(SHARED, 'media', 'one-by-one-person-detection.mp4');
const detector = await resolveModelFile('light_person_detector.onnx');
const classifier = await resolveModelFile('mobilenet_v2_quant_nnstreamer.onnx');

const pipeline = (classify) => [
  'filesrc', `location=${video}`, '!', 'qtdemux', '!', 'avdec_h264', '!', 'identity', `eos-after=${FRAMES}`, '!',
  'tsdetect', `model=${detector}`, '!', 'tstrack', '!',
  ...(classify ? [...classify, '!'] : []),
  'fakesink',
];

async function best(classify, rounds = 2) {
  process.env.GST_DEBUG = 'tsclassify:4';
  let result = null;
  for (let i = 0; i < rounds; i++) {
    const r = await gstLaunch(pipeline(classify));
    if (r.code !== 0) throw new Error(`pipeline failed:\n${r.output}`);
    const m = /inference ran (\d+) inputs in (\d+) runs/.exec(r.output);
    const inputs = m ? Number(m[1]) : 0;
    if (!result || r.seconds < result.seconds) result = { seconds: r.seconds, inputs };
  }
  return result;
}

const classify = (interval) => ['tsclassify', `model=${classifier}`, 'object-class=person', `reclassify-interval=${interval}`];
const baseline = await best(null);
const every = await best(classify(1));
const sparse = await best(classify(10));

const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores`;
const perFrame = (r) => (((r.seconds - baseline.seconds) / FRAMES) * 1e3).toFixed(2);
console.log(`\ntsclassify reclassify-interval, ${FRAMES} frames of one-by-one-person-detection.mp4, ${machine}, best of 2`);
console.log(`    detect + track (baseline)        ${baseline.seconds.toFixed(2)} s  ${(FRAMES / baseline.seconds).toFixed(1)} fps`);
console.log(`    + tsclassify reclassify-interval=1   ${every.seconds.toFixed(2)} s  ${(FRAMES / every.seconds).toFixed(1)} fps  ${every.inputs} classifier inputs  ${perFrame(every)} ms/frame for classification`);
console.log(`    + tsclassify reclassify-interval=10  ${sparse.seconds.toFixed(2)} s  ${(FRAMES / sparse.seconds).toFixed(1)} fps  ${sparse.inputs} classifier inputs  ${perFrame(sparse)} ms/frame for classification`);
console.log(`    saving                           ${(every.inputs / Math.max(1, sparse.inputs)).toFixed(1)}x fewer inferences, classification cost ${((every.seconds - baseline.seconds) / Math.max(1e-9, sparse.seconds - baseline.seconds)).toFixed(1)}x lower`);
