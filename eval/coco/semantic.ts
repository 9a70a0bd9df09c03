/**
 * Semantic segmentation accuracy of tsclassify output-type=segmentation (full frame) on the COCO images in
 * ../shared/coco: the real pipeline
 *
 *   multifilesrc … ! jpegdec ! videoconvert ! tsclassify model=… inference-region=full-frame !
 *   tsexport export-masks=true location=… ! fakesink
 *
 * writes each frame's per-class COCO RLE; each VOC class that is a COCO category (by name, eval/coco/categories.ts:
 * person, bus, car, dog, …) is scored by pixel IoU against the union of that category's instance masks in
 * instances.json (crowd regions included: they are pixels of the class). Pixels of COCO categories that VOC lacks
 * (truck, bench, …) count as background, so a truck called "bus" is a false positive, as it should be.
 *
 * Per class: the dataset IoU (intersections summed over the images, over the unions summed: what mIoU benchmarks
 * report), the mean IoU of the images whose ground truth has the class, and the dataset IoU of the images where
 * the class is the subject (its ground truth covers at least PROMINENT of the image: photos like bus.jpg and
 * person.jpg, which ../shared/coco has no annotations for).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mapLabelsToCategories } from './categories';
import type { CocoAnnotation, CocoCategory } from './metrics';
import { rleArea, rleFromString, rleMerge, segmentationToRle, type CocoSegmentation, type Rle } from './rle';

/** instances.json as the evaluator reads it: images with their size, annotations with their segmentation. */
export interface SemanticImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}
export interface SemanticDataset {
  images: readonly SemanticImage[];
  annotations: readonly (CocoAnnotation & { segmentation: CocoSegmentation })[];
  categories: readonly CocoCategory[];
}

/** One class region of a frame as tsexport export-masks=true writes it. */
export interface ExportedSegment {
  label: string;
  class_id: number;
  mask: { size: [number, number]; counts: string };
}

/** The share of an image a class must cover to be its subject (bus.jpg's bus covers ~45%, person.jpg's person ~25%). */
export const PROMINENT = 0.1;

export interface SemanticClassScore {
  label: string;
  categoryId: number;
  /** Images whose ground truth has the class. */
  images: number;
  intersection: number;
  union: number;
  /** intersection / union over the set (-1: neither ground truth nor prediction anywhere). */
  iou: number;
  /** Mean of the per-image IoUs of the images whose ground truth has the class (-1: none). */
  meanImageIou: number;
  /** Per image with the class in its ground truth or its prediction: [image id, IoU]. */
  perImage: [number, number][];
  /** Images where the class is the subject (ground truth >= PROMINENT of the image), and their dataset IoU (-1: none). */
  prominentImages: number;
  prominentIou: number;
}

export interface SemanticResult {
  model: string;
  classes: SemanticClassScore[];
  /** Mean of the classes' dataset IoUs over the classes the ground truth has. */
  miou: number;
  pipelineMs: number;
}

/** Per-image IoUs of one class: ground truth and prediction RLEs of each image (either may be null: empty). */
export function scoreClass(pairs: { imageId: number; gt: Rle | null; dt: Rle | null }[]): Omit<SemanticClassScore, 'label' | 'categoryId'> {
  let [pi, pu, prominentImages] = [0, 0, 0];
  let intersection = 0;
  let union = 0;
  let sum = 0;
  let images = 0;
  const perImage: [number, number][] = [];
  for (const { imageId, gt, dt } of pairs) {
    const g = gt ? rleArea(gt) : 0;
    const d = dt ? rleArea(dt) : 0;
    if (g === 0 && d === 0) continue;
    const i = g > 0 && d > 0 ? rleArea(rleMerge([gt!, dt!], true)) : 0;
    const u = g + d - i;
    intersection += i;
    union += u;
    perImage.push([imageId, i / u]);
    if (gt && g >= PROMINENT * gt.h * gt.w) {
      prominentImages++;
      pi += i;
      pu += u;
    }
    if (g > 0) {
      images++;
      sum += i / u;
    }
  }
  return { images, intersection, union, iou: union > 0 ? intersection / union : -1, meanImageIou: images > 0 ? sum / images : -1, perImage, prominentImages, prominentIou: pu > 0 ? pi / pu : -1 };
}

/**
 * Scores exported frames (frame f = images[f]) against the dataset: `labels` are the model's (class id → label).
 */
export function scoreSemantic(gt: SemanticDataset, images: readonly SemanticImage[], frames: { width: number; height: number; segmentation?: ExportedSegment[] }[], labels: readonly string[]): Omit<SemanticResult, 'model' | 'pipelineMs'> {
  if (frames.length !== images.length) throw new Error(`${frames.length} frames exported for ${images.length} images`);
  frames.forEach((f, i) => {
    if (f.width !== images[i].width || f.height !== images[i].height) throw new Error(`frame ${i} is ${f.width}x${f.height}, image ${images[i].file_name} ${images[i].width}x${images[i].height}`);
  });
  const mapping = mapLabelsToCategories(labels, gt.categories);
  const classes: SemanticClassScore[] = [];
  mapping.categoryIdByClass.forEach((categoryId, classId) => {
    if (categoryId === null) return; // background
    const pairs = images.map((im, i) => {
      const anns = gt.annotations.filter((a) => a.image_id === im.id && a.category_id === categoryId);
      const g = anns.length > 0 ? rleMerge(anns.map((a) => segmentationToRle(a.segmentation, im.height, im.width))) : null;
      const seg = frames[i].segmentation?.find((s) => s.class_id === classId);
      const d = seg ? rleFromString(seg.mask.counts, seg.mask.size[0], seg.mask.size[1]) : null;
      return { imageId: im.id, gt: g, dt: d };
    });
    classes.push({ label: labels[classId], categoryId, ...scoreClass(pairs) });
  });
  const present = classes.filter((c) => c.images > 0);
  return { classes, miou: present.reduce((a, c) => a + c.iou, 0) / Math.max(1, present.length) };
}

export interface SemanticRunOptions {
  model: string;
  labels: readonly string[];
  /** The repository root (its build/gst-plugin is used). */
  root: string;
  cocoDir: string;
  maxImages?: number;
  timeoutMs?: number;
  /** Further tsclassify properties, e.g. { 'pre-process-config': 'resize=letterbox-centre' }. */
  properties?: Record<string, string>;
}

/** Runs the pipeline over `<cocoDir>/images` (file-name order) and scores it. */
export async function runSemanticEval(o: SemanticRunOptions): Promise<SemanticResult> {
  const gt = JSON.parse(readFileSync(path.join(o.cocoDir, 'instances.json'), 'utf8')) as SemanticDataset;
  const byFile = new Map(gt.images.map((im) => [im.file_name, im]));
  const files = readdirSync(path.join(o.cocoDir, 'images')).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, o.maxImages ?? Infinity);
  const images = files.map((f) => {
    const im = byFile.get(f);
    if (!im) throw new Error(`${f} is not in the ground truth of ${o.cocoDir}`);
    return im;
  });
  const tmp = mkdtempSync(path.join(tmpdir(), 'tsvision-semantic-'));
  try {
    const linkDir = path.join(tmp, 'frames');
    mkdirSync(linkDir);
    files.forEach((f, i) => symlinkSync(path.join(o.cocoDir, 'images', f), path.join(linkDir, `${String(i).padStart(4, '0')}.jpg`)));
    const jsonl = path.join(tmp, 'maps.jsonl');
    const args = [
      'multifilesrc', `location=${path.join(linkDir, '%04d.jpg')}`, 'index=0', `stop-index=${images.length - 1}`, 'caps=image/jpeg,framerate=1/1',
      '!', 'jpegdec', '!', 'videoconvert', '!', 'tsclassify', `model=${o.model}`, 'inference-region=full-frame', 'output-type=segmentation',
      ...Object.entries(o.properties ?? {}).map(([k, v]) => `${k}=${v}`),
      '!', 'tsexport', 'export-masks=true', `location=${jsonl}`, '!', 'fakesink',
    ];
    const pluginPath = path.join(o.root, 'build', 'gst-plugin');
    const env = { ...process.env, GST_PLUGIN_PATH: process.env.GST_PLUGIN_PATH ? `${pluginPath}:${process.env.GST_PLUGIN_PATH}` : pluginPath };
    const started = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn('gst-launch-1.0', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 300_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, output: out });
      });
    });
    const pipelineMs = Date.now() - started;
    if (code !== 0) throw new Error(`gst-launch-1.0 ${args.join(' ')} exited with ${code}:\n${output}`);
    const frames = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return { model: o.model, pipelineMs, ...scoreSemantic(gt, images, frames, o.labels) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
