#!/usr/bin/env node
/**
 * npm run demo — the whole product in one pipeline, on ../shared/media/one-by-one-person-detection.mp4:
 *
 *   filesrc ! decodebin ! tsdetect (yolox_nano) ! tstrack ! tsexport (out/demo.jsonl) ! tsoverlay ! tee
 *     tee. ! x264enc ! mp4mux ! out/demo.mp4        (vp8enc ! webmmux ! out/demo.webm without x264enc)
 *     tee. ! one frame a second as PNG (the best-filled one becomes out/demo.png)
 *
 * Shows progress (percent of the video, fps) while it runs and a summary at the end: frames, fps, objects
 * per label and the number of tracks. Also writes out/demo.html, the browser view of the run (view/page.mjs) with
 * the JSON lines embedded, which plays out/demo.mp4 from file://, and prints the `tsvision view` command. TSVISION_DEMO_VIDEO overrides the input video, TSVISION_DEMO_OUT the output
 * directory (default out/), TSVISION_DEMO_FRAMES stops after that many frames. TSVISION_DEMO_MODEL=pose runs
 * yolo11n-pose instead of yolox_nano: people with their 17 COCO keypoints, skeletons drawn; TSVISION_DEMO_MODEL=seg
 * runs yolov8n-seg (instance segmentation): every object with its mask, drawn translucent in its track's colour.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveModelFile } from '../models/fetch.mjs';
import { renderPage, slimLine } from '../view/page.mjs';
import { ROOT, SHARED, gstLaunch, readJsonl } from './lib/gst.mjs';

const video = process.env.TSVISION_DEMO_VIDEO ?? path.join(SHARED, 'media', 'one-by-one-person-detection.mp4');
if (!existsSync(video)) {
  console.error(`demo video not found: ${video} (set TSVISION_DEMO_VIDEO to another file)`);
  process.exit(1);
}
const demoModel = process.env.TSVISION_DEMO_MODEL ?? 'detect';
if (!['detect', 'pose', 'seg'].includes(demoModel)) {
  console.error(`TSVISION_DEMO_MODEL must be detect (yolox_nano, the default), pose (yolo11n-pose) or seg (yolov8n-seg), got ${demoModel}`);
  process.exit(1);
}
const pose = demoModel === 'pose';
const seg = demoModel === 'seg';
const modelFile = pose ? 'yolo11n-pose_w8a32_derived.onnx' : seg ? 'yolov8n-seg_int8_320.onnx' : 'yolox_nano_416.onnx';
const model = await resolveModelFile(modelFile, (m) => console.log(m));
// The pose model's one class and its keypoint names come from the model manifest.
const labels = pose ? null : await resolveModelFile('coco_classes.txt', (m) => console.log(m));
const outDir = path.resolve(process.env.TSVISION_DEMO_OUT ?? path.join(ROOT, 'out'));
const maxFrames = Number(process.env.TSVISION_DEMO_FRAMES ?? 0);
const framesDir = path.join(outDir, '.demo-frames');
mkdirSync(outDir, { recursive: true });
rmSync(framesDir, { recursive: true, force: true });
mkdirSync(framesDir);
const jsonl = path.join(outDir, 'demo.jsonl');
const png = path.join(outDir, 'demo.png');

const haveX264 = (await gstLaunch(['--gst-disable-registry-update', 'fakesrc', 'num-buffers=0', '!', 'x264enc', '!', 'fakesink'])).code === 0;
const encoded = path.join(outDir, haveX264 ? 'demo.mp4' : 'demo.webm');
const encode = haveX264
  ? ['x264enc', 'speed-preset=veryfast', 'tune=zerolatency', '!', 'video/x-h264,profile=high', '!', 'mp4mux']
  : ['vp8enc', 'deadline=1', 'cpu-used=8', '!', 'webmmux'];

// TSVISION_DEMO_FRAMES cuts the parsed stream, before the decoder: cut after decodebin, identity's EOS reaches
// the decoder mid-drain and frames it had decoded ahead slip past with repeated timestamps (two frames at one
// pts: the encoded video then decodes to a frame fewer). identity's eos-after=N lets N - 1 buffers through.
const pipeline = [
  'filesrc', `location=${video}`, '!',
  ...(maxFrames > 0 ? ['parsebin', '!', 'identity', `eos-after=${maxFrames + 1}`, '!'] : []),
  'decodebin', '!',
  'tsdetect', `model=${model}`, ...(labels ? [`labels-file=${labels}`] : []), 'threshold=0.4', '!',
  'tstrack', '!',
  'tsexport', `location=${jsonl}`, '!',
  'tsoverlay', '!',
  'progressreport', 'update-freq=1', 'silent=true', '!',
  'tee', 'name=t',
  't.', '!', 'queue', '!', 'videoconvert', '!', ...encode, '!', 'filesink', `location=${encoded}`,
  't.', '!', 'queue', '!', 'videorate', 'drop-only=true', 'max-rate=1', '!', 'videoconvert', '!', 'pngenc', '!',
  'multifilesink', `location=${path.join(framesDir, 'second-%05d.png')}`,
];
console.log(`gst-launch-1.0 -m ${pipeline.join(' ')}\n`);

// progressreport posts "progress" element messages (-m prints them) with the percent of the stream done; tsexport
// writes one line per frame as it goes, so counting new lines in its file gives the frames done.
const started = Date.now();
let framesDone = 0;
let readOffset = 0;
function countNewFrames() {
  if (!existsSync(jsonl)) return;
  const fd = openSync(jsonl, 'r');
  const chunk = Buffer.alloc(1 << 16);
  for (let n; (n = readSync(fd, chunk, 0, chunk.length, readOffset)) > 0; readOffset += n) {
    for (let k = 0; k < n; k++) if (chunk[k] === 10) framesDone++;
  }
  closeSync(fd);
}
const showProgress = (percent) => {
  countNewFrames();
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`\r  ${percent.toFixed(1).padStart(5)} %   ${String(framesDone).padStart(5)} frames   ${(framesDone / seconds).toFixed(1).padStart(5)} fps   `);
};
const r = await gstLaunch(['-m', ...pipeline], {
  onStdout: (text) => {
    for (const m of text.matchAll(/percent-double=\(double\)([\d.]+)/g)) showProgress(Number(m[1]));
  },
});
const seconds = (Date.now() - started) / 1000;
process.stdout.write('\n');
if (r.code !== 0) {
  console.error(r.output.split('\n').filter((l) => !l.startsWith('Got message')).join('\n'));
  console.error(`demo pipeline failed (exit ${r.code})`);
  process.exit(1);
}

const frames = readJsonl(jsonl);
const perLabel = {};
const tracks = new Set();
let objects = 0;
let withKeypoints = 0;
let withMasks = 0;
for (const f of frames) {
  for (const o of f.objects) {
    perLabel[o.label] = (perLabel[o.label] ?? 0) + 1;
    objects++;
    if (o.keypoints?.length) withKeypoints++;
    if (o.mask) withMasks++;
    if (o.track_id !== null) tracks.add(o.track_id);
  }
}

// out/demo.png: of the one-a-second stills (videorate keeps the first frame at or after each whole second counted
// from the first frame's timestamp), the one showing the most tracked objects (then the most objects).
const stills = readdirSync(framesDir).filter((f) => f.endsWith('.png')).sort();
const score = (f) => (f ? f.objects.filter((o) => o.track_id !== null).length * 1000 + f.objects.length : -1);
const firstPts = frames[0]?.pts ?? 0;
const stillFrames = stills.map((_, second) => frames.find((f) => (f.pts ?? 0) >= firstPts + second * 1e9));
let best = 0;
stillFrames.forEach((f, second) => {
  if (score(f) > score(stillFrames[best])) best = second;
});
if (stills.length > 0) copyFileSync(path.join(framesDir, stills[Math.min(best, stills.length - 1)]), png);
rmSync(framesDir, { recursive: true, force: true });

// out/demo.html: the browser view of this run, self-contained (script, styles and the lines inlined) so that it
// works when opened as a file; the video next to it.
const html = path.join(outDir, 'demo.html');
writeFileSync(html, await renderPage({ mode: 'recorded', title: `tsvision demo: ${path.basename(video)}`, video: path.basename(encoded), rules: null }, frames.map(slimLine)));

console.log(`\n${frames.length} frames in ${seconds.toFixed(1)} s: ${(frames.length / seconds).toFixed(1)} fps (whole pipeline: decode, detect, track, draw, encode)`);
console.log(`${objects} objects, ${tracks.size} tracks:`);
for (const [label, n] of Object.entries(perLabel).sort((a, b) => b[1] - a[1])) console.log(`  ${label.padEnd(14)} ${n}`);
if (pose) console.log(`${withKeypoints} objects with keypoints (skeletons drawn)`);
if (seg) console.log(`${withMasks} objects with masks (drawn translucent)`);
console.log(`video:   ${path.relative(process.cwd(), encoded)}`);
console.log(`results: ${path.relative(process.cwd(), jsonl)}`);
if (existsSync(png)) console.log(`frame:   ${path.relative(process.cwd(), png)} (frame ${stillFrames[best]?.frame}, ${stillFrames[best]?.objects.length ?? 0} objects)`);
console.log(`browser: ${path.relative(process.cwd(), html)} (open it), or: node bin/tsvision.mjs view ${path.relative(process.cwd(), encoded)} ${path.relative(process.cwd(), jsonl)}`);
