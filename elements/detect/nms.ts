/** Greedy non-maximum suppression and IoU over {@link RawDetection} boxes. */
import type { RawDetection } from './types';

/** The corners of a box (x1,y1 top-left, x2,y2 bottom-right). */
export interface Corners {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export interface NmsOptions {
  /** Boxes of different classes never suppress each other (default true); false = class-agnostic. */
  classAware?: boolean;
  /** Keep at most this many boxes, best first (default Infinity). */
  maxDetections?: number;
}

/** Intersection over union of two boxes; 0 when either has no area (inverted corners count as empty). */
export function iou(a: Corners, b: Corners): number {
  const aw = a.x2 - a.x1;
  const ah = a.y2 - a.y1;
  const bw = b.x2 - b.x1;
  const bh = b.y2 - b.y1;
  if (!(aw > 0 && ah > 0 && bw > 0 && bh > 0)) return 0;
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (!(iw > 0 && ih > 0)) return 0;
  const inter = iw * ih;
  return inter / (aw * ah + bw * bh - inter);
}

/**
 * Greedy NMS: visits boxes by decreasing score (equal scores keep their input order, so the result is
 * deterministic) and keeps a box unless a kept box of the same class (any class when `classAware` is
 * false) overlaps it with IoU > `iouThreshold`. Returns the kept detections (the same objects), best
 * first. Boxes with a NaN score are dropped.
 */
export function nms(dets: readonly RawDetection[], iouThreshold: number, options: NmsOptions = {}): RawDetection[] {
  const classAware = options.classAware ?? true;
  const maxDetections = options.maxDetections ?? Infinity;
  if (!(maxDetections > 0)) return [];
  const n = dets.length;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(dets[i].score)) order.push(i);
  order.sort((i, j) => dets[j].score - dets[i].score || i - j);
  const m = order.length;

  // Corners and areas in visiting order, in typed arrays for a tight inner loop.
  const x1 = new Float64Array(m);
  const y1 = new Float64Array(m);
  const x2 = new Float64Array(m);
  const y2 = new Float64Array(m);
  const area = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const d = dets[order[k]];
    x1[k] = d.x1;
    y1[k] = d.y1;
    x2[k] = d.x2;
    y2[k] = d.y2;
    const w = d.x2 - d.x1;
    const h = d.y2 - d.y1;
    area[k] = w > 0 && h > 0 ? w * h : 0;
  }

  // Class-aware NMS is independent per class: run the greedy pass on each class's boxes alone (in
  // visiting order), which avoids comparing boxes that can never suppress each other.
  const buckets: Int32Array[] = [];
  if (classAware) {
    const byClass = new Map<number, number[]>();
    for (let k = 0; k < m; k++) {
      const c = dets[order[k]].classId;
      const b = byClass.get(c);
      if (b) b.push(k);
      else byClass.set(c, [k]);
    }
    for (const b of byClass.values()) buckets.push(Int32Array.from(b));
  } else {
    const all = new Int32Array(m);
    for (let k = 0; k < m; k++) all[k] = k;
    buckets.push(all);
  }

  const suppressed = new Uint8Array(m);
  const keptFlag = new Uint8Array(m);
  for (const bucket of buckets) {
    const len = bucket.length;
    let keptHere = 0;
    for (let a = 0; a < len && keptHere < maxDetections; a++) {
      const k = bucket[a];
      if (suppressed[k]) continue;
      keptFlag[k] = 1;
      keptHere++;
      const ak = area[k];
      if (ak === 0) continue; // an empty box overlaps nothing
      const kx1 = x1[k];
      const ky1 = y1[k];
      const kx2 = x2[k];
      const ky2 = y2[k];
      for (let b = a + 1; b < len; b++) {
        const j = bucket[b];
        if (suppressed[j]) continue;
        const iw = Math.min(kx2, x2[j]) - Math.max(kx1, x1[j]);
        if (iw <= 0) continue;
        const ih = Math.min(ky2, y2[j]) - Math.max(ky1, y1[j]);
        if (ih <= 0) continue;
        const inter = iw * ih;
        if (inter / (ak + area[j] - inter) > iouThreshold) suppressed[j] = 1;
      }
    }
  }
  const kept: RawDetection[] = [];
  for (let k = 0; k < m && kept.length < maxDetections; k++) if (keptFlag[k]) kept.push(dets[order[k]]);
  return kept;
}
