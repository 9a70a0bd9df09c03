#!/usr/bin/env node
/**
 * tsoverlay benchmark: the drawing cost per labelled object at 1280x720. 300 frames of
 *   videotestsrc ! 1280x720 BGRx | NV12 ! tsdetect (a hook putting N tracked objects on each frame) ! tsoverlay ! fakesink
 * with N = 4 and N = 40; the cost per object is the slope of tsoverlay's median time per frame (its own
 * tsvision-stats figure, frame-p50-ms: reading the metas, mapping, boxes and labels) between the two, so the
 * per-frame costs (mapping, the stats) cancel. Each object gets a box and a label "#id label 0.87" whose
 * confidence changes from frame to frame. Cases: Latin labels ("person", "car", …), mixed-script labels
 * ("Fußgänger 行人", "Пешеход", …), fresh track ids on every object of every frame (no label twice; numbers are
 * drawn from cached images of their characters), and labels that are new words on every frame ("person17": each
 * shaped and rendered by Pango, the worst case), and Latin labels with a pose on every object (17 keypoints and
 * COCO's 19 skeleton lines: the skeleton's cost is this row less the first), and Latin labels with an instance
 * mask over every box (an ellipse filling it, drawn translucent with its outline): the mask's cost per object,
 * reading it from the ROI meta included, is that row's time less the first row's, at each count (the masks are
 * 512x198 px for 4 objects, 146x66 px for 40). Best of 3.
 * Last, a semantic class map (tsclassify output-type=segmentation, DeepLab's 257x257 VOC map of bus.jpg scaled
 * to 1280x720) blended under everything: tsoverlay's median time per frame with draw-segmentation on, less with it
 * off (reading the meta, upsampling row by row from the map, blending the classes' runs), 40 frames, best of 3.
 *
 *   node bench/overlay-bench.mjs [--plugin DIR]   (DIR: a build of the plugin to measure, default build/gst-plugin)
 *
 * A plugin copied out of a build tree (e.g. an older build, to compare with) finds its runtime with
 * TSVISION_RUNTIME_DIR=$PWD/build/tsvision LD_LIBRARY_PATH=$PWD/.deps/node/usr/lib/x86_64-linux-gnu.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../scripts/lib/gst.mjs';

const arg = process.argv.indexOf('--plugin');
const pluginPath = path.resolve(arg > 0 ? process.argv[arg + 1] : path.join(ROOT, 'build', 'gst-plugin'));
const FRAMES = 300;
const [FEW, MANY] = [4, 40];
const HOOK = path.join(ROOT, 'bench', 'overlay-objects.ts');
const LATIN = ['person', 'car', 'bicycle', 'dog', 'traffic light'];
const MIXED = ['Fußgänger 行人', 'Пешеход', 'voiture', '自行车', 'Ölfass'];

function launch(args) {
  return new Promise((resolve) => {
    const env = { ...process.env, GST_PLUGIN_PATH: pluginPath };
    const child = spawn('gst-launch-1.0', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** tsoverlay's median ms per frame (its last tsvision-stats message, posted at EOS). */
async function overlayMs(format, count, labels, fresh, newWords, keypoints = false, masks = false) {
  // gst-launch splits property values at spaces: JSON's \u0020 keeps them.
  const args = JSON.stringify({ count, labels, fresh, newWords, keypoints, masks }).replaceAll(' ', '\\u0020');
  const r = await launch([
    '-m', 'videotestsrc', `num-buffers=${FRAMES}`, 'pattern=black', '!',
    `video/x-raw,format=${format},width=1280,height=720`, '!',
    'tsdetect', `module=${HOOK}`, `module-args=${args}`, '!',
    'tsoverlay', 'name=overlay', 'stats-interval=1000', '!', 'fakesink',
  ]);
  if (r.code !== 0) throw new Error(`pipeline failed:\n${r.output}`);
  const line = r.output.split('\n').filter((l) => l.includes('tsvision-stats') && l.includes('overlay')).at(-1);
  const m = line && /frame-p50-ms=\(double\)([-\d.e+]+)/.exec(line);
  if (!m) throw new Error(`no tsvision-stats of tsoverlay in:\n${r.output.slice(-2000)}`);
  return Number(m[1]);
}

async function best(...a) {
  let ms = Infinity;
  for (let i = 0; i < 3; i++) ms = Math.min(ms, await overlayMs(...a));
  return ms;
}

const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores`;
console.log(`\ntsoverlay drawing cost per labelled object, 1280x720, ${FRAMES} frames, ${machine}, best of 3`);
console.log(`    plugin: ${pluginPath}`);
for (const format of ['BGRx', 'NV12']) {
  const cases = [
    ['latin labels', LATIN, false, false],
    ['mixed scripts', MIXED, false, false],
    ['no label twice', LATIN, true, false],
    ['new words', LATIN, false, true],
    ['+ skeletons', LATIN, false, false, true],
    ['+ masks', LATIN, false, false, false, true],
  ];
  const plain = {};
  for (const [name, labels, fresh, newWords, keypoints, masks] of cases) {
    const few = await best(format, FEW, labels, fresh, newWords, keypoints, masks);
    const many = await best(format, MANY, labels, fresh, newWords, keypoints, masks);
    if (name === 'latin labels') Object.assign(plain, { few, many });
    if (masks) {
      // The masks' area shrinks as their number grows (the grid fills the frame): their cost per object is the
      // frame's time less that of the same labelled boxes without masks, at each count and mask size.
      const size = (n) => {
        const cols = Math.ceil(Math.sqrt(n));
        return `${Math.round((1280 / cols) * 0.8)}x${Math.round((720 / Math.ceil(n / cols)) * 0.55)}`;
      };
      console.log(
        `    ${format.padEnd(5)} ${name.padEnd(15)} ${FEW} objects ${(few * 1e3).toFixed(0).padStart(5)} µs/frame, ${MANY} objects ${(many * 1e3).toFixed(0).padStart(5)} µs/frame: ` +
          `${(((few - plain.few) / FEW) * 1e3).toFixed(0)} µs per ${size(FEW)} mask, ${(((many - plain.many) / MANY) * 1e3).toFixed(0)} µs per ${size(MANY)} mask`,
      );
      continue;
    }
    const perObject = ((many - few) / (MANY - FEW)) * 1e3;
    console.log(
      `    ${format.padEnd(5)} ${name.padEnd(15)} ${FEW} objects ${(few * 1e3).toFixed(0).padStart(5)} µs/frame, ${MANY} objects ${(many * 1e3).toFixed(0).padStart(5)} µs/frame: ${perObject.toFixed(1)} µs per object`,
    );
  }
}

/** tsoverlay's median ms per frame over bus.jpg's class map at 1280x720 (draw-segmentation `on`). */
async function segmentationMs(format, on) {
  const r = await launch([
    '-m', 'filesrc', `location=${path.join(ROOT, '..', 'shared', 'media', 'bus.jpg')}`, '!', 'jpegdec', '!', 'videoconvert', '!', 'videoscale', '!',
    `video/x-raw,format=${format},width=1280,height=720`, '!', 'imagefreeze', 'num-buffers=40', '!',
    'tsclassify', `model=${path.join(ROOT, '..', 'shared', 'models', 'deeplab_v3_mnv2_257_voc.onnx')}`, 'inference-region=full-frame', '!',
    'tsoverlay', 'name=overlay', 'stats-interval=1000', `draw-segmentation=${on}`, '!', 'fakesink',
  ]);
  if (r.code !== 0) throw new Error(`pipeline failed:\n${r.output}`);
  const line = r.output.split('\n').filter((l) => l.includes('tsvision-stats') && l.includes('overlay')).at(-1);
  const m = line && /frame-p50-ms=\(double\)([-\d.e+]+)/.exec(line);
  if (!m) throw new Error(`no tsvision-stats of tsoverlay in:\n${r.output.slice(-2000)}`);
  return Number(m[1]);
}

console.log(`\ntsoverlay semantic class map (DeepLab 257x257 VOC map of bus.jpg), 1280x720, 40 frames, best of 3`);
for (const format of ['BGRx', 'NV12']) {
  let [on, off] = [Infinity, Infinity];
  for (let i = 0; i < 3; i++) {
    on = Math.min(on, await segmentationMs(format, true));
    off = Math.min(off, await segmentationMs(format, false));
  }
  console.log(`    ${format.padEnd(5)} class map ${((on - off) * 1e3).toFixed(0).padStart(5)} µs/frame (drawn ${(on * 1e3).toFixed(0)}, off ${(off * 1e3).toFixed(0)})`);
}
