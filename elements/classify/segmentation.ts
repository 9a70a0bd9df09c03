/**
 * Semantic segmentation (tsclassify output-type=segmentation): a model output shaped like a class map — [1, H, W, C]
 * (NHWC, e.g. TF-Hub's DeepLab v3) or [1, C, H, W] (NCHW, torchvision's) with C the number of labels — becomes a
 * class id per cell (argmax: the native addon's kernel, argmaxJs its reference), kept at the model's resolution
 * with the transform from frame pixels to map cells (SegmentationMap in ts-runtime/api.d.ts). Per object
 * (inference-region=roi-list) the map of the object's crop becomes its mask: the pixels of its class in its box.
 */
import type { Box, InputTransform, Mask, SegmentationMap, SegmentationTransform } from '../../ts-runtime/api';

export interface ClassMapShape {
  layout: 'NHWC' | 'NCHW';
  height: number;
  width: number;
  classes: number;
}

/** Class ids are bytes (the custom meta and GstAnalytics' GRAY8 map). */
export const MAX_SEGMENTATION_CLASSES = 256;

/**
 * The class-map layout of an output's dims: [1, H, W, C] or [1, C, H, W] with H, W > 1 and C = `classes` (the
 * labels; both match: NHWC, TensorFlow's export). With `classes` unknown (0) the smaller of the two candidate
 * axes (last or second) is taken as the classes. Null for any other shape.
 */
export function classMapShape(dims: readonly number[], classes = 0): ClassMapShape | null {
  if (dims.length !== 4 || Number(dims[0]) !== 1 || !dims.every((d) => Number.isInteger(Number(d)) && Number(d) > 0)) return null;
  const [, a, b, c] = dims.map(Number);
  const nhwc: ClassMapShape = { layout: 'NHWC', height: a, width: b, classes: c };
  const nchw: ClassMapShape = { layout: 'NCHW', height: b, width: c, classes: a };
  const ok = (s: ClassMapShape) => s.height > 1 && s.width > 1 && s.classes > 1;
  if (classes > 0) {
    if (c === classes && ok(nhwc)) return nhwc;
    if (a === classes && ok(nchw)) return nchw;
    return null;
  }
  if (c <= a && ok(nhwc)) return nhwc;
  return ok(nchw) ? nchw : null;
}

/** Class id per cell of `scores` (height x width x classes, `layout`), row-major. */
export type ArgmaxKernel = (scores: Float32Array, height: number, width: number, classes: number, layout: 'NHWC' | 'NCHW') => Uint8Array;

/** The native kernel's reference: the first of equal maxima wins, NaN never does (a cell of NaNs gets class 0). */
export const argmaxJs: ArgmaxKernel = (scores, height, width, classes, layout) => {
  const cells = height * width;
  const out = new Uint8Array(cells);
  for (let i = 0; i < cells; i++) {
    let best = NaN;
    let id = 0;
    for (let k = 0; k < classes; k++) {
      const v = layout === 'NHWC' ? scores[i * classes + k] : scores[k * cells + i];
      if (v > best || (Number.isNaN(best) && !Number.isNaN(v))) {
        best = v;
        id = k;
      }
    }
    out[i] = id;
  }
  return out;
};

let native: ArgmaxKernel | null = null;

/** Uses `kernel` from now on (null: the TypeScript reference). */
export function useArgmaxKernel(kernel: ArgmaxKernel | null): void {
  native = kernel;
}

/**
 * The transform from frame pixels to cells of a width x height map made from a model input (`input`: frame →
 * input pixels, the preprocessing's resize / letterbox): the map covers the input, so input pixels scale by
 * width / inputWidth.
 */
export function mapTransform(input: Pick<InputTransform, 'scaleX' | 'scaleY' | 'padX' | 'padY' | 'inputWidth' | 'inputHeight'>, width: number, height: number): SegmentationTransform {
  const kx = width / input.inputWidth;
  const ky = height / input.inputHeight;
  return { scaleX: input.scaleX * kx, scaleY: input.scaleY * ky, padX: input.padX * kx, padY: input.padY * ky };
}

/** The class map of one output tensor's values. */
export function classMap(values: Float32Array, shape: ClassMapShape, input: Parameters<typeof mapTransform>[0], labels: readonly string[]): SegmentationMap {
  const kernel = native ?? argmaxJs;
  const classes = kernel(values, shape.height, shape.width, shape.classes, shape.layout);
  return { width: shape.width, height: shape.height, classes, labels, transform: mapTransform(input, shape.width, shape.height) };
}

/** The map cell of frame column (or row) `f`: its centre through the transform, clamped to the map. */
function cell(f: number, scale: number, pad: number, size: number): number {
  const c = Math.floor((f + 0.5) * scale + pad);
  return c < 0 ? 0 : c >= size ? size - 1 : c;
}

/** The frame pixels whose centre lies in the box, clipped to the frame (tsdetect's masks cover the same). */
function boxPixels(box: Box, frameWidth: number, frameHeight: number): [number, number, number, number] {
  const first = (v: number, size: number) => Math.min(size, Math.max(0, Math.ceil(v - 0.5)));
  const x0 = first(box.x, frameWidth);
  const y0 = first(box.y, frameHeight);
  const x1 = first(box.x + box.width, frameWidth);
  const y1 = first(box.y + box.height, frameHeight);
  return [x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)];
}

/** How many pixels of each class lie in `box` (frame pixels, sampled through the map's transform). */
export function classHistogram(map: SegmentationMap, box: Box, frameWidth: number, frameHeight: number): Uint32Array {
  const [x0, y0, w, h] = boxPixels(box, frameWidth, frameHeight);
  const counts = new Uint32Array(MAX_SEGMENTATION_CLASSES);
  const t = map.transform;
  const cols = new Int32Array(w);
  for (let c = 0; c < w; c++) cols[c] = cell(x0 + c, t.scaleX, t.padX, map.width);
  for (let r = 0; r < h; r++) {
    const row = cell(y0 + r, t.scaleY, t.padY, map.height) * map.width;
    for (let c = 0; c < w; c++) counts[map.classes[row + cols[c]]]++;
  }
  return counts;
}

/** Label spellings that differ between COCO detectors and VOC segmentation models (compared without spaces: "dining table" is VOC's "diningtable"). */
const ALIASES: Record<string, string> = {
  airplane: 'aeroplane',
  motorcycle: 'motorbike',
  couch: 'sofa',
  tv: 'tvmonitor',
};

const normalise = (label: string) => label.toLowerCase().replace(/[\s_-]+/g, '');

/**
 * The segmentation class an object's mask is made of: the one whose label is the object's (case, spaces and the
 * COCO/VOC spellings in ALIASES aside: "person" → VOC 15, "motorcycle" → "motorbike"), else the most frequent class
 * other than 0 (the background) in its box; -1 when the box holds only background.
 */
export function objectClass(label: string, map: SegmentationMap, box: Box, frameWidth: number, frameHeight: number): number {
  const want = normalise(label);
  const wanted = ALIASES[want] ?? want;
  if (wanted) {
    const id = map.labels.findIndex((l) => normalise(l) === wanted);
    if (id >= 0) return id;
  }
  const counts = classHistogram(map, box, frameWidth, frameHeight);
  let best = -1;
  for (let k = 1; k < counts.length; k++) if (counts[k] > 0 && (best < 0 || counts[k] > counts[best])) best = k;
  return best;
}

/**
 * The mask of class `classId` over `box`: the frame pixels whose centre lies in the box (as tsdetect's masks), 1
 * where the map says `classId`.
 */
export function classMask(map: SegmentationMap, classId: number, box: Box, frameWidth: number, frameHeight: number): Mask {
  const [x, y, width, height] = boxPixels(box, frameWidth, frameHeight);
  const data = new Uint8Array(width * height);
  const t = map.transform;
  const cols = new Int32Array(width);
  for (let c = 0; c < width; c++) cols[c] = cell(x + c, t.scaleX, t.padX, map.width);
  for (let r = 0; r < height; r++) {
    const row = cell(y + r, t.scaleY, t.padY, map.height) * map.width;
    const o = r * width;
    for (let c = 0; c < width; c++) data[o + c] = map.classes[row + cols[c]] === classId ? 1 : 0;
  }
  return { x, y, width, height, data };
}

/** The whole map at frame resolution (nearest cell per pixel): for evaluation and tests, not the pipeline. */
export function frameClasses(map: SegmentationMap, frameWidth: number, frameHeight: number): Uint8Array {
  const out = new Uint8Array(frameWidth * frameHeight);
  const t = map.transform;
  const cols = new Int32Array(frameWidth);
  for (let c = 0; c < frameWidth; c++) cols[c] = cell(c, t.scaleX, t.padX, map.width);
  for (let r = 0; r < frameHeight; r++) {
    const row = cell(r, t.scaleY, t.padY, map.height) * map.width;
    for (let c = 0; c < frameWidth; c++) out[r * frameWidth + c] = map.classes[row + cols[c]];
  }
  return out;
}
