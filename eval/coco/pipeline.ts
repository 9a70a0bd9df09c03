/**
 * Runs the real tsdetect pipeline once over a COCO image folder and scores the result with {@link evaluateBbox}
 * (task bbox, against instances.json) or {@link evaluateKeypoints} (task keypoints: OKS AP of the objects'
 * keypoints against person_keypoints.json).
 *
 * The images (different sizes) are linked into a temporary folder as 0000.jpg, 0001.jpg, … in file-name order
 * and played as one stream:
 *
 *   multifilesrc location=…/%04d.jpg index=0 stop-index=N-1 caps=image/jpeg,framerate=1/1 ! jpegdec ! videoconvert !
 *   tsdetect model=… labels-file=… threshold=… iou-threshold=… ! tsexport location=… ! fakesink
 *
 * so every frame renegotiates the caps. Frame f of the JSON Lines output is image f of that order (checked: each
 * frame's size must equal its image's width and height in the annotations); boxes are frame pixels, written as
 * COCO [x, y, w, h] without rounding; class ids map to category ids by name ({@link mapLabelsToCategories}).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapLabelsToCategories, type LabelMapping } from './categories';
export { evaluateBbox, formatSummary } from './metrics';
export { evaluateKeypoints, formatKeypointSummary } from './keypoints';
export { evaluateSegm } from './segm';
export { mapLabelsToCategories } from './categories';
import { evaluateBbox, type CocoDataset, type CocoDetection, type CocoEvalParams, type CocoEvalResult, type CocoImage } from './metrics';
import { evaluateKeypoints, type CocoKeypointDataset, type CocoKeypointDetection, type KeypointEvalResult } from './keypoints';
import { evaluateSegm, type CocoSegmDetection } from './segm';

/** What is scored: boxes (instances.json), person keypoints (person_keypoints.json) or instance masks (instances.json). */
export type CocoTask = 'bbox' | 'keypoints' | 'segm';

/** One line of tsexport's JSON Lines output (the fields used here). */
export interface ExportedFrame {
  frame: number;
  width: number;
  height: number;
  objects: {
    box: { x: number; y: number; width: number; height: number };
    label: string;
    class_id: number;
    confidence: number;
    keypoints?: { name: string; x: number; y: number; confidence: number }[];
    /** COCO compressed RLE in frame coordinates (instance segmentation models). */
    mask?: { size: [number, number]; counts: string };
  }[];
}

export interface CocoRunOptions {
  /** Path of the ONNX model. */
  model: string;
  /** bbox (default), keypoints or segm. */
  task?: CocoTask;
  /** The model's class labels (instead of reading labelsFile), e.g. ['person'] for a pose model. */
  labels?: readonly string[];
  /** Label file (line N = class N) used to map class ids to categories; default: coco_classes.txt beside the model. */
  labelsFile?: string;
  /**
   * Also hand the label file to tsdetect as `labels-file` (default true). false leaves the property unset, so
   * tsdetect takes the labels its model manifest names (the same coco_classes.txt for the COCO models).
   */
  labelsProperty?: boolean;
  /** Further tsdetect properties, e.g. { 'pre-process-config': 'color=RGB,resize=stretch' }. */
  properties?: Readonly<Record<string, string | number>>;
  /** tsdetect `threshold` (default 0.01). */
  threshold?: number;
  /** tsdetect `iou-threshold` (default: the element's, 0.45). */
  iouThreshold?: number;
  /**
   * Raw format forced between videoconvert and tsdetect (a capsfilter `video/x-raw,format=…`), e.g. 'RGB'.
   * Default none: tsdetect takes what jpegdec gives (I420, full-range JPEG colorimetry 1:4:0:0).
   */
  format?: string;
  /**
   * jpegdec's `idct-method` (default: the element's, `ifast`). `islow` is libjpeg's accurate IDCT, what PIL, OpenCV
   * and jpeg-js decode with: on the pose model it moves keypoint AP from 0.392 to 0.399.
   */
  idct?: 'islow' | 'ifast' | 'float';
  /** Repository root (default: two folders above this file). */
  root?: string;
  /** Folder with `instances.json` and `images/` (default `<root>/../shared/coco`). */
  cocoDir?: string;
  /** Extra environment for gst-launch-1.0 (e.g. GST_REGISTRY). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Keep the temporary folder (links, JSON Lines) and report it. */
  keepTemp?: boolean;
  /** Evaluation parameter overrides. */
  params?: Partial<CocoEvalParams>;
  /** Only the first N images (file-name order), for a short run; the evaluation covers just those. */
  maxImages?: number;
}

export interface CocoRunResult {
  model: string;
  threshold: number;
  iouThreshold: number | null;
  format: string | null;
  images: CocoImage[];
  frames: ExportedFrame[];
  detections: CocoDetection[];
  mapping: LabelMapping;
  /** Task bbox: the box evaluation. */
  eval: CocoEvalResult;
  /** Task keypoints: the keypoint results and their evaluation. */
  keypointDetections?: CocoKeypointDetection[];
  keypointEval?: KeypointEvalResult;
  /** Task segm: the mask results and their evaluation. */
  segmDetections?: CocoSegmDetection[];
  segmEval?: CocoEvalResult;
  /** gst-launch-1.0 wall time. */
  pipelineMs: number;
  /** The gst-launch-1.0 arguments. */
  pipeline: string[];
  tempDir: string | null;
}

function defaultRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
}

export function readCocoDataset(file: string): CocoDataset {
  return JSON.parse(readFileSync(file, 'utf8')) as CocoDataset;
}

export function readLabels(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((l) => l.trim());
}

/** Parses tsexport JSON Lines; throws on an incomplete last line. */
export function parseJsonl(text: string): ExportedFrame[] {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('JSON Lines output: last line is incomplete');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as ExportedFrame);
}

/**
 * Exported frames → COCO detections: frame f belongs to `images[f]`; class id → category by `categoryIdByClass`
 * (detections of unmapped classes are dropped). Checks that there is one frame per image and that sizes agree.
 */
export function framesToDetections(frames: readonly ExportedFrame[], images: readonly CocoImage[], categoryIdByClass: readonly (number | null)[]): CocoDetection[] {
  if (frames.length !== images.length) throw new Error(`${frames.length} frames exported for ${images.length} images`);
  const dets: CocoDetection[] = [];
  frames.forEach((f, i) => {
    if (f.frame !== i) throw new Error(`line ${i} of the JSON Lines output is frame ${f.frame}`);
    const im = images[i];
    if ((im.width !== undefined && im.width !== f.width) || (im.height !== undefined && im.height !== f.height)) {
      throw new Error(`frame ${i} is ${f.width}x${f.height} but image ${im.id} (${im.file_name ?? '?'}) is ${im.width}x${im.height}`);
    }
    for (const o of f.objects) {
      const cat = categoryIdByClass[o.class_id];
      if (cat === null || cat === undefined) continue;
      dets.push({ image_id: im.id, category_id: cat, bbox: [o.box.x, o.box.y, o.box.width, o.box.height], score: o.confidence });
    }
  });
  return dets;
}

/**
 * Exported frames → COCO keypoint results (objects with keypoints only): x, y and confidence per keypoint in the
 * order the model gives them (COCO-17 for COCO pose models), the object's confidence as the score.
 */
export function framesToKeypointDetections(
  frames: readonly ExportedFrame[],
  images: readonly CocoImage[],
  categoryIdByClass: readonly (number | null)[],
): CocoKeypointDetection[] {
  framesToDetections(frames, images, categoryIdByClass); // the same frame/image checks
  const out: CocoKeypointDetection[] = [];
  frames.forEach((f, i) => {
    for (const o of f.objects) {
      const cat = categoryIdByClass[o.class_id];
      if (cat === null || cat === undefined || !o.keypoints) continue;
      out.push({ image_id: images[i].id, category_id: cat, keypoints: o.keypoints.flatMap((k) => [k.x, k.y, k.confidence]), score: o.confidence });
    }
  });
  return out;
}

/** Exported frames → COCO segm results (objects with a mask only): the RLE as tsexport wrote it, the object's confidence as the score. */
export function framesToSegmDetections(frames: readonly ExportedFrame[], images: readonly CocoImage[], categoryIdByClass: readonly (number | null)[]): CocoSegmDetection[] {
  framesToDetections(frames, images, categoryIdByClass); // the same frame/image checks
  const out: CocoSegmDetection[] = [];
  frames.forEach((f, i) => {
    for (const o of f.objects) {
      const cat = categoryIdByClass[o.class_id];
      if (cat === null || cat === undefined || !o.mask) continue;
      out.push({ image_id: images[i].id, category_id: cat, segmentation: o.mask, score: o.confidence });
    }
  });
  return out;
}

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/**
 * Runs tsdetect over every image of `<cocoDir>/images` and evaluates the detections against `instances.json`
 * (task keypoints: the keypoints against `person_keypoints.json`; task segm: the masks, against `instances.json`).
 */
export async function runCocoEval(options: CocoRunOptions): Promise<CocoRunResult> {
  const root = options.root ?? defaultRoot();
  const cocoDir = options.cocoDir ?? path.join(root, '..', 'shared', 'coco');
  const model = path.resolve(options.model);
  const labelsFile = options.labelsFile ?? path.join(path.dirname(model), 'coco_classes.txt');
  const threshold = options.threshold ?? 0.01;
  const iouThreshold = options.iouThreshold ?? null;

  const task = options.task ?? 'bbox';
  const gt = readCocoDataset(path.join(cocoDir, task === 'keypoints' ? 'person_keypoints.json' : 'instances.json'));
  const byFile = new Map(gt.images.map((im) => [im.file_name, im]));
  const files = readdirSync(path.join(cocoDir, 'images'))
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort()
    .slice(0, options.maxImages ?? Infinity);
  const images = files.map((f) => {
    const im = byFile.get(f);
    if (!im) throw new Error(`${f} is not in the ground truth of ${cocoDir}`);
    return im;
  });
  if (images.length === 0) throw new Error(`no images in ${cocoDir}/images`);
  const labels = options.labels ? [...options.labels] : readLabels(labelsFile);
  const mapping = mapLabelsToCategories(labels, gt.categories);

  const tmp = mkdtempSync(path.join(tmpdir(), 'tsvision-coco-'));
  try {
    const linkDir = path.join(tmp, 'frames');
    mkdirSync(linkDir);
    files.forEach((f, i) => symlinkSync(path.join(cocoDir, 'images', f), path.join(linkDir, `${String(i).padStart(4, '0')}.jpg`)));
    const jsonl = path.join(tmp, 'detections.jsonl');
    const detect = ['tsdetect', `model=${model}`, `threshold=${threshold}`];
    if (options.labelsProperty ?? true) detect.push(`labels-file=${labelsFile}`);
    if (iouThreshold !== null) detect.push(`iou-threshold=${iouThreshold}`);
    for (const [k, v] of Object.entries(options.properties ?? {})) detect.push(`${k}=${v}`);
    const args = [
      'multifilesrc', `location=${path.join(linkDir, '%04d.jpg')}`, 'index=0', `stop-index=${images.length - 1}`, 'caps=image/jpeg,framerate=1/1',
      '!', 'jpegdec', ...(options.idct ? [`idct-method=${options.idct}`] : []), '!', 'videoconvert', '!', ...(options.format ? [`video/x-raw,format=${options.format}`, '!'] : []), ...detect, '!', 'tsexport', `location=${jsonl}`, '!', 'fakesink',
    ];
    const pluginPath = path.join(root, 'build', 'gst-plugin');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GST_PLUGIN_PATH: process.env.GST_PLUGIN_PATH ? `${pluginPath}:${process.env.GST_PLUGIN_PATH}` : pluginPath,
      ...options.env,
    };
    const res = await runProcess('gst-launch-1.0', args, env, options.timeoutMs ?? 300_000);
    if (res.code !== 0) throw new Error(`gst-launch-1.0 ${args.join(' ')} exited with ${res.code}:\n${res.output}`);
    const frames = parseJsonl(readFileSync(jsonl, 'utf8'));
    const detections = framesToDetections(frames, images, mapping.categoryIdByClass);
    const imgIds = options.params?.imgIds ?? images.map((im) => im.id);
    const result = evaluateBbox(gt, detections, { ...(task === 'keypoints' ? {} : options.params), imgIds });
    let keypointDetections: CocoKeypointDetection[] | undefined;
    let keypointEval: KeypointEvalResult | undefined;
    if (task === 'keypoints') {
      keypointDetections = framesToKeypointDetections(frames, images, mapping.categoryIdByClass);
      keypointEval = evaluateKeypoints(gt as CocoKeypointDataset, keypointDetections, { ...options.params, imgIds });
    }
    let segmDetections: CocoSegmDetection[] | undefined;
    let segmEval: CocoEvalResult | undefined;
    if (task === 'segm') {
      segmDetections = framesToSegmDetections(frames, images, mapping.categoryIdByClass);
      segmEval = evaluateSegm(gt, segmDetections, { ...options.params, imgIds });
    }
    return {
      model,
      threshold,
      iouThreshold,
      format: options.format ?? null,
      images,
      frames,
      detections,
      mapping,
      eval: result,
      keypointDetections,
      keypointEval,
      segmDetections,
      segmEval,
      pipelineMs: res.ms,
      pipeline: args,
      tempDir: options.keepTemp ? tmp : null,
    };
  } finally {
    if (!options.keepTemp) rmSync(tmp, { recursive: true, force: true });
  }
}
