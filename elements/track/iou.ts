/**
 * Intersection-over-union helpers for axis-aligned boxes.
 *
 * Boxes are `{x, y, width, height}` in pixels (top-left origin) at the API surface; the hot paths use packed
 * `[left, top, right, bottom]` Float64Arrays (4 numbers per box) so a 100x100 matrix costs no allocation.
 */
import type { Box } from 'tsvision';

/** IoU of two boxes; 0 when they do not overlap or when either has no area. */
export function iou(a: Box, b: Box): number {
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  if (!(ix > 0)) return 0;
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (!(iy > 0)) return 0;
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Writes box `b` as `[left, top, right, bottom]` into `out` at `offset * 4`. */
export function packLtrb(b: Box, out: Float64Array, offset: number): void {
  const o = offset * 4;
  out[o] = b.x;
  out[o + 1] = b.y;
  out[o + 2] = b.x + b.width;
  out[o + 3] = b.y + b.height;
}

/** Packs boxes into a new `[l, t, r, b]` array. */
export function toLtrb(boxes: readonly Box[]): Float64Array {
  const out = new Float64Array(boxes.length * 4);
  for (let i = 0; i < boxes.length; i++) packLtrb(boxes[i], out, i);
  return out;
}

/**
 * Pairwise IoU of packed boxes: `out[i * nb + j] = IoU(a_i, b_j)` (row-major `na x nb`).
 * `out` is reused when large enough, otherwise a new array is returned.
 */
export function iouMatrixLtrb(a: Float64Array, na: number, b: Float64Array, nb: number, out?: Float64Array): Float64Array {
  const res = out !== undefined && out.length >= na * nb ? out : new Float64Array(na * nb);
  for (let i = 0; i < na; i++) {
    const al = a[i * 4], at = a[i * 4 + 1], ar = a[i * 4 + 2], ab = a[i * 4 + 3];
    const areaA = (ar - al) * (ab - at);
    const row = i * nb;
    for (let j = 0; j < nb; j++) {
      const k = j * 4;
      const bl = b[k], bt = b[k + 1], br = b[k + 2], bb = b[k + 3];
      const iw = (ar < br ? ar : br) - (al > bl ? al : bl);
      if (!(iw > 0)) {
        res[row + j] = 0;
        continue;
      }
      const ih = (ab < bb ? ab : bb) - (at > bt ? at : bt);
      if (!(ih > 0)) {
        res[row + j] = 0;
        continue;
      }
      const inter = iw * ih;
      const union = areaA + (br - bl) * (bb - bt) - inter;
      res[row + j] = union > 0 ? inter / union : 0;
    }
  }
  return res;
}

/** Pairwise IoU matrix of two box lists, row-major `a.length x b.length`. */
export function iouMatrix(a: readonly Box[], b: readonly Box[], out?: Float64Array): Float64Array {
  return iouMatrixLtrb(toLtrb(a), a.length, toLtrb(b), b.length, out);
}

/** Overlapping pairs (IoU > 0) as parallel arrays; `count` entries are valid. */
export interface OverlapPairs {
  count: number;
  i: Int32Array;
  j: Int32Array;
  iou: Float64Array;
}

/** Creates an empty, growable pair list. */
export function createOverlapPairs(capacity = 64): OverlapPairs {
  return { count: 0, i: new Int32Array(capacity), j: new Int32Array(capacity), iou: new Float64Array(capacity) };
}

function pushPair(out: OverlapPairs, i: number, j: number, v: number): void {
  if (out.count === out.i.length) {
    const cap = out.i.length * 2;
    const ni = new Int32Array(cap), nj = new Int32Array(cap), nv = new Float64Array(cap);
    ni.set(out.i);
    nj.set(out.j);
    nv.set(out.iou);
    out.i = ni;
    out.j = nj;
    out.iou = nv;
  }
  out.i[out.count] = i;
  out.j[out.count] = j;
  out.iou[out.count] = v;
  out.count++;
}

let sweepOrder = new Int32Array(0);
let sweepLeft = new Float64Array(0);

/**
 * All pairs of packed boxes with IoU > 0, in row order of `a` — a sweep over `b` sorted by left edge, so only
 * horizontally overlapping candidates are examined (O((na + nb) log nb + candidates) instead of na·nb).
 * Boxes with non-positive or non-finite size never overlap anything.
 */
export function overlapPairsLtrb(a: Float64Array, na: number, b: Float64Array, nb: number, out: OverlapPairs = createOverlapPairs()): OverlapPairs {
  out.count = 0;
  if (na === 0 || nb === 0) return out;
  if (sweepOrder.length < nb) {
    sweepOrder = new Int32Array(Math.max(nb, sweepOrder.length * 2));
    sweepLeft = new Float64Array(sweepOrder.length);
  }
  const order = sweepOrder.subarray(0, nb);
  for (let j = 0; j < nb; j++) order[j] = j;
  order.sort((p, q) => b[p * 4] - b[q * 4]);
  let maxW = 0;
  for (let k = 0; k < nb; k++) {
    const j = order[k];
    sweepLeft[k] = b[j * 4];
    const w = b[j * 4 + 2] - b[j * 4];
    if (w > maxW) maxW = w;
  }
  if (!(maxW > 0) || !Number.isFinite(maxW)) maxW = Infinity;
  for (let i = 0; i < na; i++) {
    const al = a[i * 4], at = a[i * 4 + 1], ar = a[i * 4 + 2], ab = a[i * 4 + 3];
    const areaA = (ar - al) * (ab - at);
    if (!(areaA > 0)) continue;
    // First candidate: left edge >= al − maxW (binary search).
    const from = al - maxW;
    let lo = 0, hi = nb;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sweepLeft[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < nb && sweepLeft[k] < ar; k++) {
      const j = order[k];
      const o = j * 4;
      const bl = b[o], bt = b[o + 1], br = b[o + 2], bb = b[o + 3];
      const iw = (ar < br ? ar : br) - (al > bl ? al : bl);
      if (!(iw > 0)) continue;
      const ih = (ab < bb ? ab : bb) - (at > bt ? at : bt);
      if (!(ih > 0)) continue;
      const inter = iw * ih;
      const union = areaA + (br - bl) * (bb - bt) - inter;
      if (union > 0) pushPair(out, i, j, inter / union);
    }
  }
  return out;
}
