#!/usr/bin/env node
/**
 * COCO detection accuracy of tsdetect on the 40 annotated val2017 images in ../shared/coco:
 * runs the real GStreamer pipeline once per model and setting, scores it with eval/coco/metrics.ts
 * (pycocotools COCOeval semantics; --task keypoints: eval/coco/keypoints.ts, OKS AP; --task segm: eval/coco/segm.ts,
 * mask AP) and prints a table.
 *
 *   node eval/coco/run.mjs [--task bbox|keypoints|segm] [--model yolox_nano_416.onnx]... [--threshold 0.01] [--iou-threshold 0.45,0.65]
 *                          [--format RGB] [--pre-process-config '…'] [--set prop=value]... [--no-labels-file] [--investigate]
 *                          [--per-class] [--summary] [--json out.json] [--check]
 *
 * --task           bbox (default: box AP against instances.json), semantic (tsclassify output-type=segmentation: pixel IoU
 *                  of each VOC class against the union of its category's instance masks, eval/coco/semantic.ts; default
 *                  model deeplab_v3_mnv2_257_voc.onnx; --check then tests IoU >= 0.6 for bus and person on the images
 *                  they are the subject of), keypoints (OKS keypoint AP of the objects'
 *                  keypoints against person_keypoints.json; default model yolo11n-pose_w8a32_derived.onnx,
 *                  its labels from the manifest; --check then tests keypoint AP >= 0.39) or segm (mask AP of the
 *                  objects' masks against instances.json; default model yolov8n-seg_int8_320.onnx; --check then
 *                  tests segm AP >= 0.28; box AP of the same run beside it)
 * --model          a file name in the model mirror ($TSVISION_MODEL_MIRROR, default ../shared/models) or a path;
 *                  repeatable; default: yolox_nano_416.onnx, nanodet_m_320.onnx, picodet_s_320_coco.onnx
 * --threshold      tsdetect threshold (default 0.01)
 * --iou-threshold  tsdetect NMS iou-threshold(s), comma separated (default 0.45,0.65: the element's default and
 *                  YOLOX's COCO evaluation setting)
 * --idct           jpegdec idct-method (default: jpegdec's ifast; islow: libjpeg's accurate IDCT, as PIL/OpenCV decode)
 * --format         force a raw format in front of tsdetect (default: none, tsdetect gets jpegdec's I420)
 * --pre-process-config  passed to tsdetect as is
 * --set prop=value further tsdetect properties (repeatable), e.g. --set max-detections=0
 * --no-labels-file do not set tsdetect's labels-file (it then uses the labels its manifest names)
 * --investigate    add rows: RGB input (videoconvert does the colour conversion) and PicoDet with
 *                  PaddleDetection's own evaluation preprocessing (RGB, ImageNet mean/std, plain resize)
 * --per-class      per-category AP table for each run
 * --summary        pycocotools' twelve summary lines for each run
 * --json FILE      write every run's stats and per-category results
 * --check          exit 1 when yolox_nano_416 (iou-threshold 0.45, default input) is below AP 0.27 / AP50 0.45
 *
 * TypeScript sources are bundled on the fly with esbuild (a project dependency) into a temporary .mjs.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const TARGETS = {
  bbox: { model: 'yolox_nano_416.onnx', ap: 0.27, ap50: 0.45 },
  // An independent decode of the same model, independently evaluated, scores 0.413 / AP50 0.774.
  keypoints: { model: 'yolo11n-pose_w8a32_derived.onnx', ap: 0.39, ap50: 0 },
  // An independent decode of the same model, independently evaluated, scores 0.295 / AP50 0.435.
  segm: { model: 'yolov8n-seg_int8_320.onnx', ap: 0.28, ap50: 0 },
  // Issue 14 §5: the bus and person regions at pixel IoU >= 0.6.
  semantic: { model: 'deeplab_v3_mnv2_257_voc.onnx', iou: 0.6, classes: ['bus', 'person'] },
};
const DEFAULT_MODELS = {
  bbox: ['yolox_nano_416.onnx', 'nanodet_m_320.onnx', 'picodet_s_320_coco.onnx'],
  keypoints: ['yolo11n-pose_w8a32_derived.onnx'],
  segm: ['yolov8n-seg_int8_320.onnx'],
  semantic: ['deeplab_v3_mnv2_257_voc.onnx'],
};
const PADDLE_PICODET = 'color=RGB,mean=123.675:116.28:103.53,std=58.395:57.12:57.375,resize=stretch';

function usage(message) {
  if (message) console.error(`run.mjs: ${message}`);
  console.error('usage: node eval/coco/run.mjs [--task bbox|keypoints|segm] [--model NAME|PATH]... [--threshold X] [--iou-threshold X[,Y]] [--format FMT] ' +
    '[--idct islow|ifast] [--pre-process-config STR] [--set prop=value]... [--no-labels-file] [--investigate] [--per-class] [--summary] [--json FILE] [--check]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { task: 'bbox', models: [], threshold: 0.01, iou: [0.45, 0.65], format: undefined, ppc: undefined, labelsProperty: true,
    investigate: false, perClass: false, summary: false, json: undefined, check: false, set: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = () => (a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : (argv[++i] ?? usage(`${a} needs a value`)));
    const num = (v) => { const n = Number(v); if (!Number.isFinite(n)) usage(`${key}: ${v} is not a number`); return n; };
    switch (key) {
      case '--task': o.task = value(); if (!(o.task in TARGETS)) usage(`--task must be bbox, keypoints, segm or semantic, got ${o.task}`); break;
      case '--model': o.models.push(value()); break;
      case '--threshold': o.threshold = num(value()); break;
      case '--iou-threshold': o.iou = value().split(',').map(num); break;
      case '--format': o.format = value(); break;
      case '--idct': o.idct = value(); break;
      case '--pre-process-config': o.ppc = value(); break;
      case '--set': {
        const kv = value();
        const at = kv.indexOf('=');
        if (at <= 0) usage(`--set needs prop=value, got ${kv}`);
        o.set[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      case '--no-labels-file': o.labelsProperty = false; break;
      case '--investigate': o.investigate = true; break;
      case '--per-class': o.perClass = true; break;
      case '--summary': o.summary = true; break;
      case '--json': o.json = value(); break;
      case '--check': o.check = true; break;
      case '--help': case '-h': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.models.length === 0) o.models = DEFAULT_MODELS[o.task];
  return o;
}

function resolveModel(name) {
  if (name.includes('/') || existsSync(name)) return path.resolve(name);
  const mirror = process.env.TSVISION_MODEL_MIRROR ?? path.join(ROOT, '..', 'shared', 'models');
  return path.join(mirror, name);
}

function manifestEntry(modelPath) {
  try {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8'));
    return manifest.models?.[path.basename(modelPath)];
  } catch {
    return undefined;
  }
}

function labelsFor(modelPath) {
  const m = manifestEntry(modelPath);
  if (m?.labels) return path.join(path.dirname(modelPath), m.labels);
  return path.join(path.dirname(modelPath), 'coco_classes.txt');
}

async function loadEvaluator(entry = 'pipeline.ts') {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(path.join(tmpdir(), 'tsvision-coco-eval-'));
  const outfile = path.join(dir, 'pipeline.mjs');
  await build({
    entryPoints: [path.join(HERE, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    packages: 'external',
    logLevel: 'error',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v) => (v < 0 ? '  -  ' : v.toFixed(3));

/** --task semantic: per-class pixel IoU of the class maps (eval/coco/semantic.ts). */
async function semantic(o) {
  const { runSemanticEval, PROMINENT } = await loadEvaluator('semantic.ts');
  const cocoDir = process.env.COCO_DIR ?? path.join(ROOT, '..', 'shared', 'coco');
  const TARGET = TARGETS.semantic;
  let failed = false;
  const records = [];
  for (const m of o.models) {
    const model = resolveModel(m);
    const labels = manifestEntry(model)?.labelNames;
    if (!labels) throw new Error(`${path.basename(model)}: no labelNames in models/manifest.json`);
    const properties = { ...o.set, ...(o.ppc ? { 'pre-process-config': o.ppc } : {}) };
    const r = await runSemanticEval({ model, labels, root: ROOT, cocoDir, properties });
    records.push(r);
    console.log(`COCO val2017 subset ${cocoDir}: tsclassify ${path.basename(model)} inference-region=full-frame, pixel IoU per class against the union of its instance masks (${(r.pipelineMs / 1000).toFixed(1)} s)\n`);
    const rows = r.classes.filter((c) => c.images > 0 || c.union > 0).map((c) => [c.label, String(c.images), fmt(c.iou), fmt(c.meanImageIou), String(c.prominentImages), fmt(c.prominentIou)]);
    const header = ['class', 'images', 'IoU', 'mean img', `subject (>=${PROMINENT * 100}%)`, 'IoU'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    for (const row of [header, ...rows]) console.log(row.map((v, i) => v.padEnd(widths[i])).join('  '));
    console.log(`\nmIoU (classes in the ground truth): ${r.miou.toFixed(3)}`);
    if (o.check) {
      for (const name of TARGET.classes) {
        const c = r.classes.find((k) => k.label === name);
        const ok = c && c.prominentIou >= TARGET.iou;
        console.log(`check ${name}: IoU ${c ? c.prominentIou.toFixed(3) : '-'} on the ${c?.prominentImages ?? 0} images it is the subject of ${ok ? '>=' : '<'} ${TARGET.iou}`);
        if (!ok) failed = true;
      }
    }
  }
  if (o.json) writeFileSync(o.json, JSON.stringify(records, null, 2));
  if (failed) process.exit(1);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.task === 'semantic') return semantic(o);
  const { runCocoEval, formatSummary, formatKeypointSummary } = await loadEvaluator();
  const TARGET = TARGETS[o.task];
  const keypoints = o.task === 'keypoints';
  const segm = o.task === 'segm';
  const cocoDir = process.env.COCO_DIR ?? path.join(ROOT, '..', 'shared', 'coco');

  /** @type {{model: string, label: string, format?: string, properties: Record<string,string>}[]} */
  const configs = [];
  for (const m of o.models) {
    const properties = { ...o.set, ...(o.ppc ? { 'pre-process-config': o.ppc } : {}) };
    configs.push({ model: m, label: o.format ? `${o.format}${o.ppc ? ' + config' : ''}` : o.ppc ? 'config' : 'default', format: o.format, properties });
    if (o.investigate) {
      if (!o.format) configs.push({ model: m, label: 'RGB input', format: 'RGB', properties });
      if (path.basename(m).startsWith('picodet')) {
        configs.push({ model: m, label: 'Paddle pre.', format: undefined, properties: { ...o.set, 'pre-process-config': PADDLE_PICODET } });
        configs.push({ model: m, label: 'RGB + Paddle', format: 'RGB', properties: { ...o.set, 'pre-process-config': PADDLE_PICODET } });
      }
    }
  }

  const header = keypoints
    ? ['model', 'input', 'iou-thr', 'dets', 'AP', 'AP50', 'AP75', 'APm', 'APl', 'AR', 'box AP', 'time']
    : segm
      ? ['model', 'input', 'iou-thr', 'masks', 'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR100', 'box AP', 'time']
      : ['model', 'input', 'iou-thr', 'dets', 'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR100', 'time'];
  const rows = [];
  const records = [];
  let failed = false;
  let checked = null;
  console.log(keypoints
    ? `COCO val2017 subset ${cocoDir}: tsdetect threshold=${o.threshold}, pycocotools-style keypoint AP (OKS, maxDets 20; box AP of the same run beside it)\n`
    : `COCO val2017 subset ${cocoDir}: tsdetect threshold=${o.threshold}, pycocotools-style ${segm ? 'segm (mask) AP (maxDets 100; box AP of the same run beside it)' : 'bbox AP (maxDets 100)'}\n`);
  for (const c of configs) {
    for (const iou of o.iou) {
      const model = resolveModel(c.model);
      const name = path.basename(model);
      try {
        // A pose model's labels come from its manifest entry (labelNames), not a labels file.
        const labelNames = keypoints ? manifestEntry(model)?.labelNames : undefined;
        const r = await runCocoEval({
          model, task: o.task, labels: labelNames, labelsFile: labelsFor(model), labelsProperty: o.labelsProperty && !labelNames,
          threshold: o.threshold, iouThreshold: iou, format: c.format, idct: o.idct, properties: c.properties, root: ROOT, cocoDir,
        });
        const s = keypoints ? r.keypointEval.stats : segm ? r.segmEval.stats : r.eval.stats;
        const time = `${(r.pipelineMs / 1000).toFixed(1)} s`;
        if (keypoints) {
          rows.push([name, c.label, String(iou), String(r.keypointDetections.length), fmt(s.ap), fmt(s.ap50), fmt(s.ap75), fmt(s.apMedium),
            fmt(s.apLarge), fmt(s.ar), fmt(r.eval.stats.ap), time]);
        } else if (segm) {
          rows.push([name, c.label, String(iou), String(r.segmDetections.length), fmt(s.ap), fmt(s.ap50), fmt(s.ap75), fmt(s.apSmall),
            fmt(s.apMedium), fmt(s.apLarge), fmt(s.ar100), fmt(r.eval.stats.ap), time]);
        } else {
          rows.push([name, c.label, String(iou), String(r.detections.length), fmt(s.ap), fmt(s.ap50), fmt(s.ap75), fmt(s.apSmall),
            fmt(s.apMedium), fmt(s.apLarge), fmt(s.ar100), time]);
        }
        records.push({ model: name, input: c.label, format: c.format ?? null, properties: c.properties, threshold: o.threshold,
          iouThreshold: iou, detections: r.detections.length, images: r.images.length, pipelineMs: r.pipelineMs, stats: s,
          perCategory: (segm ? r.segmEval : r.eval).perCategory, renamedLabels: r.mapping.renamed, unmatchedLabels: r.mapping.unmatched });
        if (name === TARGET.model && iou === 0.45 && c.label === 'default') checked = s;
        if (o.summary) console.log(`${name} (${c.label}, iou-threshold ${iou}):\n${keypoints ? formatKeypointSummary(r.keypointEval) : formatSummary(segm ? r.segmEval : r.eval)}\n`);
        if (o.perClass && !keypoints) printPerClass(name, c.label, iou, (segm ? r.segmEval : r.eval).perCategory);
      } catch (err) {
        failed = true;
        rows.push([name, c.label, String(iou), 'FAILED', ...header.slice(4).map(() => '')]);
        const text = String(err?.message ?? err);
        const why = text.split('\n').find((l) => l.startsWith('ERROR: from element')) ?? text.split('\n').slice(0, 4).join('\n  ');
        console.error(`${name} (${c.label}, iou-threshold ${iou}) failed: ${why}`);
      }
    }
  }
  printTable(header, rows);
  if (records[0]?.renamedLabels?.length) {
    console.log(`\nlabel → COCO category by name; renamed: ${records[0].renamedLabels.map((r) => `${r.label}→${r.category}`).join(', ')}`);
  }
  if (checked) {
    const ok = checked.ap >= TARGET.ap && checked.ap50 >= TARGET.ap50;
    const what = keypoints ? `keypoint AP ≥ ${TARGET.ap}` : segm ? `segm AP ≥ ${TARGET.ap}` : `AP ≥ ${TARGET.ap}, AP50 ≥ ${TARGET.ap50}`;
    console.log(`\n${TARGET.model} target ${what}: AP ${checked.ap.toFixed(3)}, AP50 ${checked.ap50.toFixed(3)} — ${ok ? 'met' : 'NOT MET'}`);
    if (o.check && !ok) process.exitCode = 1;
  } else if (o.check) {
    console.log(`\n--check: ${TARGET.model} with iou-threshold 0.45 and default input was not evaluated`);
    process.exitCode = 1;
  }
  if (o.json) {
    writeFileSync(o.json, JSON.stringify({ cocoDir, threshold: o.threshold, runs: records }, null, 2));
    console.log(`wrote ${o.json}`);
  }
  if (failed) process.exitCode = 1;
}

function printPerClass(name, label, iou, perCategory) {
  console.log(`${name} (${label}, iou-threshold ${iou}) per category (categories with ground truth):`);
  const rows = perCategory.filter((c) => c.numGt > 0).sort((a, b) => b.numGt - a.numGt)
    .map((c) => [c.name, String(c.numGt), String(c.numDet), fmt(c.ap), fmt(c.ap50), fmt(c.ar100)]);
  printTable(['category', 'gt', 'dets', 'AP', 'AP50', 'AR100'], rows);
  console.log('');
}

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
