#!/usr/bin/env node
/**
 * tsdetect against the model itself (part of `npm run bench`): for each model, tsdetect's time per frame in a
 * pipeline whose source costs almost nothing (one videotestsrc pattern=ball frame, 768x432 I420, repeated by
 * imagefreeze; also videotestsrc drawing every frame, whose own CPU shares the cores; default properties;
 * slope between a short and a long run, which cancels start-up) vs a raw onnxruntime-node loop in this process
 * (`session.run` on a fixed input tensor, default session options) on the same model, in the same run. Prints the
 * ratio, tsdetect's own work (its time per frame less the model run) as a share of the model run, a breakdown
 * per frame (preprocessing, model run, output decoding + NMS, metadata, everything else; medians from the
 * element's tsvision-stats message at EOS), and the start-up time of a 1-frame pipeline.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolveModelFile } from '../models/fetch.mjs';
import { gstLaunch } from '../scripts/lib/gst.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const MODELS = ['yolox_nano_416.onnx', 'nanodet_m_320.onnx', 'yolov8n_int8_dynamic.onnx'];
const SHORT = 30;
const LONG = 330;
const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;

async function launch(args) {
  const r = await gstLaunch(args);
  if (r.code !== 0) throw new Error(`pipeline failed:\ngst-launch-1.0 ${args.join(' ')}\n${r.output}`);
  return r;
}

const CAPS = 'video/x-raw,width=768,height=432,format=I420,framerate=30/1';
/** Sources: one frame drawn once and repeated (costs nothing), and videotestsrc drawing each frame. */
const SOURCES = {
  frozen: (frames) => ['videotestsrc', 'num-buffers=1', 'pattern=ball', '!', CAPS, '!', 'imagefreeze', `num-buffers=${frames}`],
  ball: (frames) => ['videotestsrc', `num-buffers=${frames}`, 'pattern=ball', '!', CAPS],
};
const pipeline = (model, frames, extra = [], source = 'frozen') => [
  '-m', ...SOURCES[source](frames), '!', ...(model ? ['tsdetect', `model=${model}`, ...extra] : ['identity']), '!', 'fakesink', 'sync=false',
];

/** ms per frame: slope between SHORT and LONG frames (one round); with the stats of the long run. */
async function perFrame(model, source) {
  const a = (await launch(pipeline(model, SHORT, [], source))).seconds;
  const long = await launch(pipeline(model, LONG, ['stats-interval=3600'].filter(() => model), source));
  return { ms: ((long.seconds - a) * 1000) / (LONG - SHORT), stats: lastStats(long.output) };
}

const ROUNDS = 3;
/** The better of two measurements (lower ms). */
const best = (a, b) => (a === undefined || b.ms < a.ms ? b : a);

/** The fields of the last tsvision-stats message of tsdetect0 in gst-launch -m output. */
function lastStats(output) {
  const lines = output.split('\n').filter((l) => l.includes('tsvision-stats'));
  const fields = {};
  for (const m of (lines.at(-1) ?? '').matchAll(/([\w-]+)=\(\w+\)([-\d.e+]+)/g)) fields[m[1]] = Number(m[2]);
  return fields;
}

/** Raw loop: ms per session.run on a fixed tensor of the model's input shape (dynamic axes as 1), best of `windows`. */
async function rawMsPerRun(modelPath, runs = 100, options = {}, windows = 2) {
  // default options unless given; errors only in the log
  const session = await ort.InferenceSession.create(readFileSync(modelPath), { logSeverityLevel: 3, ...options });
  const name = session.inputNames[0];
  const meta = session.inputMetadata?.[0];
  let dims = meta?.shape?.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  if (!dims) {
    // Older onnxruntime-node without inputMetadata: from the manifest's preprocessing.
    const manifest = JSON.parse(readFileSync(new URL('../models/manifest.json', import.meta.url), 'utf8'));
    const spec = manifest.models[modelPath.split('/').at(-1)].preprocess;
    dims = [1, 3, spec.height, spec.width];
  }
  const input = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  for (let i = 0; i < 10; i++) await session.run({ [name]: input });
  let ms = Infinity;
  for (let round = 0; round < windows; round++) {
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await session.run({ [name]: input });
    ms = Math.min(ms, (performance.now() - t0) / runs);
  }
  await session.release?.();
  return { ms, dims };
}

const f1 = (x) => x.toFixed(2).padStart(6);
console.log(`tsdetect vs the model on ${machine}, ${os.platform()} ${os.release()}`);
console.log(`per frame = slope between ${SHORT} and ${LONG} frames of 768x432 I420; raw loop and pipelines take turns, best of ${ROUNDS} each; sources: one videotestsrc frame`);
console.log('repeated by imagefreeze (costs nothing), and videotestsrc pattern=ball drawing every frame\n');
let ballSource = Infinity;
for (let round = 0; round < 2; round++) ballSource = Math.min(ballSource, (await perFrame(null, 'ball')).ms);
console.log(`videotestsrc pattern=ball alone (identity): ${f1(ballSource)} ms/frame of the streaming thread's CPU\n`);
for (const name of MODELS) {
  const model = await resolveModelFile(name);
  // The raw loop and both pipelines take turns, ROUNDS times, each keeping its best of as many tries over as
  // many model runs: this VM's speed drifts by up to ~10% over a minute, which a raw loop measured once before
  // the pipelines would put into the ratio.
  let raw, frozen, ball;
  for (let round = 0; round < ROUNDS; round++) {
    raw = best(raw, await rawMsPerRun(model, LONG - SHORT, {}, 1)); // as many runs as a slope's frames, one try a round
    frozen = best(frozen, await perFrame(model, 'frozen'));
    ball = best(ball, await perFrame(model, 'ball'));
  }
  let startup = Infinity;
  for (let i = 0; i < 3; i++) startup = Math.min(startup, (await launch(pipeline(model, 1))).seconds);
  const { stats } = frozen;
  const pre = stats['preprocess-p50-ms'] ?? 0;
  const dec = stats['decode-p50-ms'] ?? 0;
  const meta = stats['meta-p50-ms'] ?? 0;
  const own = frozen.ms - raw.ms;
  console.log(`${name} (input ${raw.dims.join('x')})`);
  console.log(`    raw session.run loop              ${f1(raw.ms)} ms/run   (${(1000 / raw.ms).toFixed(1)} runs/s, baseline)`);
  console.log(`    tsdetect, frozen source           ${f1(frozen.ms)} ms/frame (${(1000 / frozen.ms).toFixed(1)} fps) → ${(raw.ms / frozen.ms).toFixed(2)} of the raw loop   (target ≥ 0.9)`);
  console.log(`    tsdetect, videotestsrc ball       ${f1(ball.ms)} ms/frame (${(1000 / ball.ms).toFixed(1)} fps) → ${(raw.ms / ball.ms).toFixed(2)} of the raw loop`);
  // onnxruntime's intra-op threads fill both cores; the source's drawing has to fit on them too, so even a
  // tsdetect with no work of its own could reach only raw / (raw + source) with this source.
  const ceiling = raw.ms / (raw.ms + ballSource);
  console.log(`        the source draws ${ballSource.toFixed(2)} ms/frame on the cores the model fills: ceiling raw/(raw+source) ${ceiling.toFixed(2)}, reached ${(raw.ms / ball.ms / ceiling).toFixed(2)} of it`);
  console.log(`    tsdetect's own work               ${f1(own)} ms/frame = ${((100 * own) / raw.ms).toFixed(0)}% of the model run   (target ≤ 10%; frozen source)`);
  console.log(`    breakdown (medians, frozen)       preprocess ${pre.toFixed(2)} · decode+NMS ${dec.toFixed(2)} · metadata ${meta.toFixed(3)} · model run and everything else ${(frozen.ms - pre - dec - meta).toFixed(2)} ms`);
  console.log(`    start-up, 1-frame pipeline        ${startup.toFixed(2)} s\n`);
}

// The session options that matter on CPU, each on the raw loop (yolox_nano): what tsdetect uses (graph
// optimisation "all", intra-op threads = onnxruntime's default of one per core, spinning on, one inter-op
// thread) against the alternatives.
{
  const model = await resolveModelFile('yolox_nano_416.onnx');
  const base = { graphOptimizationLevel: 'all', interOpNumThreads: 1 };
  const variants = [
    ['tsdetect (all, default intra-op, spinning)', base],
    ['onnxruntime defaults', {}],
    ['intra-op threads 1 (tsdetect threads=1)', { ...base, intraOpNumThreads: 1 }],
    ['spinning off', { ...base, extra: { session: { intra_op: { allow_spinning: '0' } } } }],
    ['graph optimisation "basic"', { ...base, graphOptimizationLevel: 'basic' }],
  ];
  console.log('session options on the raw loop, yolox_nano_416, ms per run (best of 2 x 100 runs)');
  for (const [label, options] of variants) console.log(`    ${label.padEnd(44)} ${f1((await rawMsPerRun(model, 100, options)).ms)}`);
}
