/**
 * YOLOv8 / YOLO11-seg head: the YOLOv8 layout with mask coefficients after the class scores, and prototype masks.
 *
 * Outputs: detections `[1, 4 + C + M, N]`, channels first (rows 0..3 cx, cy, w, h in model-input pixels, rows
 * 4..4+C-1 class scores with sigmoid applied, then M mask coefficients), and prototypes `[1, M, h, w]` (M maps at
 * a stride of the input, 4 for Ultralytics' models: 80 x 80 for a 320 input). An object's mask is
 * sigmoid(coefficients . prototypes), upsampled to the frame, cropped to its box and thresholded.
 *
 * decode() copies the M coefficients of the candidates that pass the score threshold only; the masks are made
 * after NMS (attachMasks), for the kept detections, by the native addon's kernel (MaskKernel; decodeMasksJs is its
 * reference, used when no kernel is plugged in): the logits of the prototype cells under the box, bilinear
 * resampling as Ultralytics does (PyTorch's interpolate, align_corners=False) straight from the prototype grid to
 * the frame pixels through the letterbox (prototypes → model input → frame), compared with logit(threshold).
 */
import type { InputTransform, Mask } from '../../ts-runtime/api';
import { yolov8Candidates } from './yolov8';
import { entries, outputsText, shapeText, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, OutputInfo, RawDetection, TensorLike } from './types';

/** The placement transform masks need: frame → model input, and the input's size. */
export type MaskTransform = Pick<InputTransform, 'scaleX' | 'scaleY' | 'padX' | 'padY' | 'inputWidth' | 'inputHeight'>;

/**
 * Masks of n detections: `coefficients` n x M, `boxes` n x 4 (x1, y1, x2, y2 in frame pixels). Returns each mask's
 * placement (n x 4: x, y, width, height) and the masks' pixels one after the other (row-major, 1 inside).
 */
export type MaskKernel = (
  protos: Float32Array,
  protoDims: readonly [number, number, number],
  coefficients: Float32Array,
  boxes: Float64Array,
  transform: MaskTransform,
  frameWidth: number,
  frameHeight: number,
  threshold: number,
) => [rects: Int32Array, data: Uint8Array];

let native: MaskKernel | null = null;

/** Uses `kernel` from now on (null: the TypeScript reference). */
export function useMaskKernel(kernel: MaskKernel | null): void {
  native = kernel;
}

/** The frame pixels whose centre lies in the box (x1 <= px + 0.5 < x2), clipped to the frame. */
export function maskRect(x1: number, y1: number, x2: number, y2: number, frameWidth: number, frameHeight: number): [number, number, number, number] {
  if (!(x2 > x1) || !(y2 > y1)) return [0, 0, 0, 0];
  const first = (v: number, size: number) => Math.min(size, Math.max(0, Math.ceil(v - 0.5)));
  const x0 = first(x1, frameWidth);
  const xe = first(x2, frameWidth);
  const y0 = first(y1, frameHeight);
  const ye = first(y2, frameHeight);
  if (xe <= x0 || ye <= y0) return [0, 0, 0, 0];
  return [x0, y0, xe - x0, ye - y0];
}

/** One axis of the resampling: per frame pixel, its two prototype cells and the second one's weight. */
function taps(first: number, count: number, scale: number, pad: number, gridPerInput: number, size: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const w1 = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let s = ((first + k + 0.5) * scale + pad) * gridPerInput - 0.5;
    if (s < 0) s = 0;
    const a = Math.min(Math.trunc(s), size - 1);
    i0[k] = a;
    i1[k] = a < size - 1 ? a + 1 : a;
    w1[k] = s - a;
  }
  return { i0, i1, w1 };
}

/** The TypeScript reference of the native kernel (same semantics, float64 arithmetic). */
export const decodeMasksJs: MaskKernel = (protos, [M, H, W], coefficients, boxes, t, frameWidth, frameHeight, threshold) => {
  const n = boxes.length >> 2;
  const rects = new Int32Array(4 * n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = maskRect(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3], frameWidth, frameHeight);
    rects.set(r, 4 * i);
    total += r[2] * r[3];
  }
  const data = new Uint8Array(total);
  const cut = threshold <= 0 ? -Infinity : threshold >= 1 ? Infinity : Math.log(threshold / (1 - threshold));
  const plane = H * W;
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const [x, y, w, h] = rects.subarray(4 * i, 4 * i + 4);
    if (w === 0) continue;
    const tx = taps(x, w, t.scaleX, t.padX, W / t.inputWidth, W);
    const ty = taps(y, h, t.scaleY, t.padY, H / t.inputHeight, H);
    const logit = (r: number, c: number) => {
      let v = 0;
      for (let m = 0; m < M; m++) v += coefficients[i * M + m] * protos[m * plane + r * W + c];
      return v;
    };
    // Logits of the prototype cells the box samples (each computed once).
    const cache = new Map<number, number>();
    const at = (r: number, c: number) => {
      const key = r * W + c;
      let v = cache.get(key);
      if (v === undefined) cache.set(key, (v = logit(r, c)));
      return v;
    };
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const top = at(ty.i0[row], tx.i0[col]) + tx.w1[col] * (at(ty.i0[row], tx.i1[col]) - at(ty.i0[row], tx.i0[col]));
        const bottom = at(ty.i1[row], tx.i0[col]) + tx.w1[col] * (at(ty.i1[row], tx.i1[col]) - at(ty.i1[row], tx.i0[col]));
        data[offset + row * w + col] = top + ty.w1[row] * (bottom - top) > cut ? 1 : 0;
      }
    }
    offset += w * h;
  }
  return [rects, data];
};

/** The detections and prototype outputs of a seg head, told apart by rank, with C and M; why not, as text, when they are not there. */
export function segOutputs(outputs: readonly OutputInfo[]): { detections: OutputInfo; protos: OutputInfo; classes: number; coefficients: number } | string {
  const det = outputs.filter((o) => o.dims.length === 3 || o.dims.length === 2);
  const proto = outputs.filter((o) => o.dims.length === 4);
  if (det.length !== 1 || proto.length !== 1) return `needs one detections output [1,4+C+M,N] and one prototypes output [1,M,h,w], got ${outputsText(outputs)}`;
  const m = Number(proto[0].dims[1]);
  const a = Number(det[0].dims[det[0].dims.length - 2]);
  const b = Number(det[0].dims[det[0].dims.length - 1]);
  if (!(m >= 1) || !(a >= 1) || !(b >= 1)) return `unknown dimensions in ${outputsText(outputs)}`;
  if (!(a - 4 - m >= 1)) return `detections ${shapeText(det[0].dims)} cannot hold 4 box rows, class scores and the ${m} mask coefficients of prototypes ${shapeText(proto[0].dims)}`;
  return { detections: det[0], protos: proto[0], classes: a - 4 - m, coefficients: m };
}

function layout(outputs: Readonly<Record<string, TensorLike>>): { det: TensorLike; protos: TensorLike; classes: number; m: number } {
  const list = entries(outputs);
  const l = segOutputs(list.map((e) => ({ name: e.name, dims: e.tensor.dims })));
  if (typeof l === 'string') throw new Error(`decoder 'yolov8-seg': ${l}`);
  return { det: outputs[l.detections.name], protos: outputs[l.protos.name], classes: l.classes, m: l.coefficients };
}

function decodeSeg(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const { det, classes, m } = layout(outputs);
  const n = Number(det.dims[det.dims.length - 1]);
  const rows = Number(det.dims[det.dims.length - 2]);
  if (det.data.length !== rows * n) throw new Error(`decoder 'yolov8-seg': output ${shapeText(det.dims)} holds ${det.data.length} values`);
  const nc = opts.numClasses !== undefined ? Math.min(opts.numClasses, classes) : classes;
  const v = tensorValues(det);
  const { dets, columns } = yolov8Candidates(v, n, nc, opts.threshold);
  const start = (4 + classes) * n;
  for (let k = 0; k < dets.length; k++) {
    const coef = new Float32Array(m);
    for (let j = 0, at = start + columns[k]; j < m; j++, at += n) coef[j] = v[at];
    dets[k].maskCoefficients = coef;
  }
  return dets;
}

/**
 * Gives each kept candidate with mask coefficients its mask in frame pixels (`raw[i].mask`): boxes mapped to the
 * frame as toDetections() maps them (frameX = (modelX - padX) / scaleX, clipped), one kernel call for them all, the
 * masks views of one buffer.
 */
function attachSegMasks(
  kept: RawDetection[],
  outputs: Readonly<Record<string, TensorLike>>,
  t: MaskTransform,
  frameWidth: number,
  frameHeight: number,
  threshold: number,
): void {
  const withMask = kept.filter((r) => r.maskCoefficients);
  if (withMask.length === 0) return;
  const { protos, m } = layout(outputs);
  const [, M, H, W] = protos.dims.map(Number);
  const pv = tensorValues(protos);
  const p = pv instanceof Float32Array ? pv : Float32Array.from(pv);
  const coefficients = new Float32Array(withMask.length * m);
  const boxes = new Float64Array(withMask.length * 4);
  const clip = (v: number, size: number) => Math.min(size, Math.max(0, v));
  withMask.forEach((r, i) => {
    coefficients.set(r.maskCoefficients!.subarray(0, m), i * m);
    boxes[4 * i] = clip((r.x1 - t.padX) / t.scaleX, frameWidth);
    boxes[4 * i + 1] = clip((r.y1 - t.padY) / t.scaleY, frameHeight);
    boxes[4 * i + 2] = clip((r.x2 - t.padX) / t.scaleX, frameWidth);
    boxes[4 * i + 3] = clip((r.y2 - t.padY) / t.scaleY, frameHeight);
  });
  const kernel = native ?? decodeMasksJs;
  const [rects, data] = kernel(p, [M, H, W], coefficients, boxes, t, frameWidth, frameHeight, threshold);
  let offset = 0;
  withMask.forEach((r, i) => {
    const [x, y, width, height] = rects.subarray(4 * i, 4 * i + 4);
    const mask: Mask = { x, y, width, height, data: data.subarray(offset, offset + width * height) };
    offset += width * height;
    r.mask = mask;
  });
}

export const yolov8SegDecoder: Decoder = { name: 'yolov8-seg', decode: decodeSeg, attachMasks: attachSegMasks };
