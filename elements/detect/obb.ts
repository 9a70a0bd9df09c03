/**
 * YOLOv8 / YOLO11-obb head (oriented boxes) and rotated NMS.
 *
 * Output `[1, 4 + C + 1, N]`, channels first: rows 0..3 cx, cy, w, h (model-input pixels), rows 4..4+C-1 class
 * scores (sigmoid applied), the last row the angle in radians, as Ultralytics exports it (the OBB head's
 * `(sigmoid(x) - 0.25) * π`, so [-π/4, 3π/4)). Ultralytics' convention (`xywhr2xyxyxyxy`): in image coordinates
 * (y down) the `w` side runs along (cos θ, sin θ), i.e. θ turns the box clockwise on screen about its centre.
 * Angles are normalised as Ultralytics' `regularize_rboxes` does before NMS and output: θ mod π ≥ π/2 swaps w and
 * h, then θ = θ mod π/2, so every box leaves the decoder with an angle in [0, π/2).
 *
 * Rotated NMS uses Ultralytics' probabilistic IoU (`batch_probiou`, Llerena et al. 2021): each box is the 2-D
 * Gaussian with the box's centre and covariance R·diag(w²/12, h²/12)·Rᵀ; the overlap is 1 − the Hellinger
 * distance derived from the Bhattacharyya distance of the two Gaussians (clamped to [1e-7, 100] as upstream).
 * Unlike polygon IoU it is smooth and cheap, and blind to the rotation of a square (its Gaussian is round).
 * Suppression is greedy (a box is dropped when a KEPT better box of its class overlaps it by more than the
 * threshold), as tsvision's axis-aligned NMS; Ultralytics' `nms_rotated` is "fast NMS" (any better box, kept or
 * not, suppresses), which can drop a few more boxes in dense clusters.
 */
import type { Rotation } from '../../ts-runtime/api';
import { classCount, singleOutput, tensorValues } from './tensor';
import { yolov8Candidates } from './yolov8';
import type { NmsOptions } from './nms';
import type { Decoder, DecoderOptions, RawDetection, TensorLike } from './types';

const HALF_PI = Math.PI / 2;

/** `x mod m` in [0, m) (JavaScript's % keeps the sign of x). */
function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

/** Ultralytics' `regularize_rboxes`: the same rectangle with its angle in [0, π/2) (w and h swapped when needed). */
export function regularizeRotation(r: Rotation): Rotation {
  const swap = mod(r.angle, Math.PI) >= HALF_PI;
  return {
    cx: r.cx,
    cy: r.cy,
    width: swap ? r.height : r.width,
    height: swap ? r.width : r.height,
    angle: mod(r.angle, HALF_PI),
  };
}

/** The four corners of an oriented box, in order: centre + u + v, + u − v, − u − v, − u + v (as Ultralytics). */
export function rotatedCorners(r: Rotation): [number, number][] {
  const c = Math.cos(r.angle);
  const s = Math.sin(r.angle);
  const ux = (r.width / 2) * c;
  const uy = (r.width / 2) * s;
  const vx = (-r.height / 2) * s;
  const vy = (r.height / 2) * c;
  return [
    [r.cx + ux + vx, r.cy + uy + vy],
    [r.cx + ux - vx, r.cy + uy - vy],
    [r.cx - ux - vx, r.cy - uy - vy],
    [r.cx - ux + vx, r.cy - uy + vy],
  ];
}

/** Half the width and height of the axis-aligned box enclosing an oriented box. */
export function enclosingHalfExtent(r: Rotation): [number, number] {
  const c = Math.abs(Math.cos(r.angle));
  const s = Math.abs(Math.sin(r.angle));
  return [(r.width * c + r.height * s) / 2, (r.width * s + r.height * c) / 2];
}

function decodeObb(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const out = singleOutput(outputs, 'yolov8-obb');
  const n = out.cols;
  const classes = classCount(out.rows - 5, opts.numClasses, 'yolov8-obb');
  const v = tensorValues(out.tensor);
  const { dets, columns } = yolov8Candidates(v, n, classes, opts.threshold);
  const angleRow = (out.rows - 1) * n;
  for (let k = 0; k < dets.length; k++) {
    const i = columns[k];
    const r = regularizeRotation({ cx: v[i], cy: v[n + i], width: v[2 * n + i], height: v[3 * n + i], angle: v[angleRow + i] });
    const [hx, hy] = enclosingHalfExtent(r);
    const d = dets[k];
    d.x1 = r.cx - hx;
    d.y1 = r.cy - hy;
    d.x2 = r.cx + hx;
    d.y2 = r.cy + hy;
    d.rotation = r;
  }
  return dets;
}

export const yolov8ObbDecoder: Decoder = { name: 'yolov8-obb', decode: decodeObb };

const EPS = 1e-7;

/** The covariance terms Ultralytics' `_get_covariance_matrix` gives a box: [var x, var y, cov xy]. */
function covariance(width: number, height: number, angle: number): [number, number, number] {
  const a = (width * width) / 12;
  const b = (height * height) / 12;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [a * c * c + b * s * s, a * s * s + b * c * c, (a - b) * c * s];
}

/** Probabilistic IoU of two Gaussians (centres and covariance terms), as Ultralytics' `batch_probiou`. */
function probiouTerms(x1: number, y1: number, a1: number, b1: number, c1: number, x2: number, y2: number, a2: number, b2: number, c2: number): number {
  const a = a1 + a2;
  const b = b1 + b2;
  const c = c1 + c2;
  const det = a * b - c * c;
  const dx = x1 - x2;
  const dy = y1 - y2;
  const t1 = ((a * dy * dy + b * dx * dx) / (det + EPS)) * 0.25;
  const t2 = ((c * -dx * dy) / (det + EPS)) * 0.5;
  const t3 = Math.log(det / (4 * Math.sqrt(Math.max(a1 * b1 - c1 * c1, 0) * Math.max(a2 * b2 - c2 * c2, 0)) + EPS) + EPS) * 0.5;
  const bd = Math.min(Math.max(t1 + t2 + t3, EPS), 100);
  return 1 - Math.sqrt(1 - Math.exp(-bd) + EPS);
}

/** Ultralytics' probabilistic IoU of two oriented boxes, in 0..1 (≈ 1 for the same box). */
export function probiou(p: Rotation, q: Rotation): number {
  const [a1, b1, c1] = covariance(p.width, p.height, p.angle);
  const [a2, b2, c2] = covariance(q.width, q.height, q.angle);
  return probiouTerms(p.cx, p.cy, a1, b1, c1, q.cx, q.cy, a2, b2, c2);
}

/** A candidate's oriented box: its rotation, or its corners as an axis-aligned one. */
function rotationOf(d: RawDetection): Rotation {
  return d.rotation ?? { cx: (d.x1 + d.x2) / 2, cy: (d.y1 + d.y2) / 2, width: d.x2 - d.x1, height: d.y2 - d.y1, angle: 0 };
}

/**
 * Greedy NMS on oriented boxes with {@link probiou}: visits boxes by decreasing score (ties in input order) and
 * keeps a box unless a kept box of the same class (any class when `classAware` is false) overlaps it by more than
 * `iouThreshold`. Returns the kept detections (the same objects), best first; NaN scores are dropped.
 */
export function nmsRotated(dets: readonly RawDetection[], iouThreshold: number, options: NmsOptions = {}): RawDetection[] {
  const classAware = options.classAware ?? true;
  const maxDetections = options.maxDetections ?? Infinity;
  if (!(maxDetections > 0)) return [];
  const order: number[] = [];
  for (let i = 0; i < dets.length; i++) if (!Number.isNaN(dets[i].score)) order.push(i);
  order.sort((i, j) => dets[j].score - dets[i].score || i - j);
  const m = order.length;
  // Centre and covariance terms once per box (in visiting order) rather than once per pair.
  const g = new Float64Array(5 * m);
  for (let k = 0; k < m; k++) {
    const r = rotationOf(dets[order[k]]);
    const [a, b, c] = covariance(r.width, r.height, r.angle);
    g.set([r.cx, r.cy, a, b, c], 5 * k);
  }
  // probiou > threshold needs a Bhattacharyya distance below this; the centre term alone (a quadratic form, >= 0, as
  // the log term is) already exceeds it for most pairs, which then skip the log, sqrt and exp.
  const limit = -Math.log(1 + EPS - (1 - Math.min(Math.max(iouThreshold, 0), 1)) ** 2);
  const kept: number[] = [];
  // Kept boxes by class (one list for all when class-agnostic): a box is only compared with those that may suppress it.
  const keptOf = new Map<number, number[]>();
  for (let k = 0; k < m && kept.length < maxDetections; k++) {
    const cls = classAware ? dets[order[k]].classId : 0;
    let rivals = keptOf.get(cls);
    if (!rivals) keptOf.set(cls, (rivals = []));
    const [xk, yk, ak, bk, ck] = [g[5 * k], g[5 * k + 1], g[5 * k + 2], g[5 * k + 3], g[5 * k + 4]];
    let suppressed = false;
    for (let j = 0; j < rivals.length && !suppressed; j++) {
      const q = 5 * rivals[j];
      const a = g[q + 2] + ak;
      const b = g[q + 3] + bk;
      const c = g[q + 4] + ck;
      const dx = g[q] - xk;
      const dy = g[q + 1] - yk;
      const centre = (0.25 * (a * dy * dy + b * dx * dx) - 0.5 * c * dx * dy) / (a * b - c * c + EPS);
      if (centre >= limit) continue;
      suppressed = probiouTerms(g[q], g[q + 1], g[q + 2], g[q + 3], g[q + 4], xk, yk, ak, bk, ck) > iouThreshold;
    }
    if (!suppressed) {
      kept.push(k);
      rivals.push(k);
    }
  }
  return kept.map((k) => dets[order[k]]);
}
