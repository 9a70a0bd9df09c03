/**
 * COCO run-length encoded masks with pycocotools' semantics (maskApi.c), for the segm evaluator and the tests:
 * an RLE is the h x w image's pixels in column-major order (down each column, columns left to right) as runs
 * alternating 0s and 1s, starting with 0s (`counts[0]` may be 0).
 *
 * - rleFromString / rleToString: the compressed `counts` string ("LEB128-like": each count from the fourth on minus
 *   the count two before it, in 5-bit groups low first, 0x20 = more follows, 0x10 of the last group = negative,
 *   plus 48);
 * - rleEncode / rleDecode: to and from a column-major 0/1 bitmap;
 * - rleFrPoly: a polygon rasterised as pycocotools' frPyObjects does (the boundary upsampled 5x, points on
 *   y-boundaries, downsampled), rleMerge: union (or intersection) of several, as annToRLE merges an object's
 *   polygons;
 * - rleArea, rleToBbox, rleIou (crowd: intersection over the detection's area).
 */

export interface Rle {
  h: number;
  w: number;
  counts: Uint32Array;
}

/** A COCO `segmentation` field: polygons, an uncompressed RLE (counts as numbers) or a compressed one. */
export type CocoSegmentation = readonly (readonly number[])[] | { size: readonly [number, number] | readonly number[]; counts: string | readonly number[] };

export function rleFromString(s: string, h: number, w: number): Rle {
  const cnts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (cnts.length > 2) x += cnts[cnts.length - 2];
    cnts.push(x >>> 0);
  }
  return { h, w, counts: Uint32Array.from(cnts) };
}

export function rleToString(counts: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    // Deltas fit in 32 bits; JavaScript's >> is 32-bit arithmetic like the C long on the counts used here.
    let x = counts[i] - (i > 2 ? counts[i - 2] : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** Runs of a column-major bitmap (non-zero = 1). */
export function rleEncode(bits: ArrayLike<number>, h: number, w: number): Rle {
  const cnts: number[] = [];
  let p = 0;
  let c = 0;
  for (let j = 0; j < h * w; j++) {
    const v = bits[j] ? 1 : 0;
    if (v !== p) {
      cnts.push(c);
      c = 0;
      p = v;
    }
    c++;
  }
  cnts.push(c);
  return { h, w, counts: Uint32Array.from(cnts) };
}

/** The column-major bitmap (1 inside). */
export function rleDecode(r: Rle): Uint8Array {
  const out = new Uint8Array(r.h * r.w);
  let at = 0;
  let v = 0;
  for (const c of r.counts) {
    if (v) out.fill(1, at, at + c);
    at += c;
    v ^= 1;
  }
  return out;
}

/** pycocotools rleFrPoly: polygon [x0, y0, x1, y1, …] (pixel coordinates) rasterised into an h x w RLE. */
export function rleFrPoly(xy: readonly number[], h: number, w: number): Rle {
  const k = xy.length >> 1;
  const scale = 5;
  // C's (int) truncates toward zero.
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = Math.trunc(scale * xy[2 * j] + 0.5);
  x[k] = x[0];
  for (let j = 0; j < k; j++) y[j] = Math.trunc(scale * xy[2 * j + 1] + 0.5);
  y[k] = y[0];
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j];
    let xe = x[j + 1];
    let ys = y[j];
    let ye = y[j + 1];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
    }
  }
  // Points on the y-boundaries, downsampled.
  const bx: number[] = [];
  const by: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    bx.push(xd);
    by.push(yd);
  }
  const a: number[] = bx.map((xx, j) => (xx * h + by[j]) >>> 0);
  a.push(h * w);
  a.sort((p, q) => p - q);
  let prev = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= prev;
    prev = t;
  }
  const b: number[] = [];
  let j = 0;
  b.push(a[j++]);
  while (j < a.length) {
    if (a[j] > 0) b.push(a[j++]);
    else {
      j++;
      if (j < a.length) b[b.length - 1] += a[j++];
    }
  }
  return { h, w, counts: Uint32Array.from(b) };
}

/** pycocotools rleMerge: the union (intersect: the intersection) of RLEs of one size. */
export function rleMerge(rs: readonly Rle[], intersect = false): Rle {
  if (rs.length === 0) return { h: 0, w: 0, counts: new Uint32Array(0) };
  if (rs.length === 1) return rs[0];
  const { h, w } = rs[0];
  let cnts = Array.from(rs[0].counts);
  for (let i = 1; i < rs.length; i++) {
    const B = rs[i];
    if (B.h !== h || B.w !== w) return { h: 0, w: 0, counts: new Uint32Array(0) };
    const A = cnts;
    const out: number[] = [];
    let ca = A[0];
    let cb = B.counts[0];
    let v = 0;
    let va = 0;
    let vb = 0;
    let a = 1;
    let b = 1;
    let cc = 0;
    let ct = 1;
    while (ct > 0) {
      const c = Math.min(ca, cb);
      cc += c;
      ct = 0;
      ca -= c;
      if (!ca && a < A.length) {
        ca = A[a++];
        va ^= 1;
      }
      ct += ca;
      cb -= c;
      if (!cb && b < B.counts.length) {
        cb = B.counts[b++];
        vb ^= 1;
      }
      ct += cb;
      const vp = v;
      v = intersect ? va & vb : va | vb;
      if (v !== vp || ct === 0) {
        out.push(cc);
        cc = 0;
      }
    }
    cnts = out;
  }
  return { h, w, counts: Uint32Array.from(cnts) };
}

export function rleArea(r: Rle): number {
  let a = 0;
  for (let j = 1; j < r.counts.length; j += 2) a += r.counts[j];
  return a;
}

/** pycocotools rleToBbox: [x, y, w, h] of the mask's pixels (0s when empty). */
export function rleToBbox(r: Rle): [number, number, number, number] {
  const { h, w } = r;
  const m = r.counts.length & ~1;
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += r.counts[j];
    const t = cc - (j % 2);
    const yy = t % h;
    const xx = (t - yy) / h;
    if (j % 2 === 0) xp = xx;
    else if (xp < xx) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, xx);
    xe = Math.max(xe, xx);
    ys = Math.min(ys, yy);
    ye = Math.max(ye, yy);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

function bboxIou1(d: readonly number[], g: readonly number[], crowd: boolean): number {
  const w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
  if (w <= 0) return 0;
  const h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
  if (h <= 0) return 0;
  const i = w * h;
  const u = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - i;
  return i / u;
}

/** pycocotools rleIou of one detection and one ground truth (crowd: intersection over the detection's area). */
export function rleIou(dt: Rle, gt: Rle, crowd: boolean, dtBox = rleToBbox(dt), gtBox = rleToBbox(gt)): number {
  if (!(bboxIou1(dtBox, gtBox, crowd) > 0)) return 0;
  let ca = dt.counts[0];
  let cb = gt.counts[0];
  let va = 0;
  let vb = 0;
  let a = 1;
  let b = 1;
  let u = 0;
  let i = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      u += c;
      if (va && vb) i += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && a < dt.counts.length) {
      ca = dt.counts[a++];
      va ^= 1;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < gt.counts.length) {
      cb = gt.counts[b++];
      vb ^= 1;
    }
    ct += cb;
  }
  if (i === 0) u = 1;
  else if (crowd) u = rleArea(dt);
  return i / u;
}

/** pycocotools annToRLE: an annotation's segmentation as one RLE of its image (polygons merged). */
export function segmentationToRle(segm: CocoSegmentation, h: number, w: number): Rle {
  if (Array.isArray(segm)) return rleMerge((segm as readonly (readonly number[])[]).map((poly) => rleFrPoly(poly, h, w)));
  const r = segm as { size: readonly number[]; counts: string | readonly number[] };
  const [rh, rw] = r.size;
  if (typeof r.counts === 'string') return rleFromString(r.counts, rh, rw);
  return { h: rh, w: rw, counts: Uint32Array.from(r.counts) };
}
