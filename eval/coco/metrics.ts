/**
 * COCO bounding-box evaluation reproducing pycocotools' `COCOeval(cocoGt, cocoDt, 'bbox')`
 * (`evaluate()` + `accumulate()` + `summarize()`) with its default parameters:
 *
 * - IoU thresholds 0.50:0.05:0.95 (10), recall thresholds 0:0.01:1 (101, interpolated precision),
 *   maxDets [1, 10, 100] per image *and category*, area ranges all / small (< 32²) / medium / large (> 96²),
 *   evaluated per category (categories and images are those of the ground truth, sorted by id);
 * - IoU as pycocotools' `maskUtils.iou` on [x, y, w, h] boxes (no +1); against a crowd ground truth
 *   (`iscrowd`) the union is the detection's area alone;
 * - ground truth is ignored when it is a crowd (pycocotools overwrites any `ignore` field with `iscrowd`;
 *   `useIgnoreField: true` also honours an `ignore` field) or its `area` field (the segmentation area, not the
 *   box) lies outside the area range;
 * - per image and category: detections sorted by score, highest first (stable: equal scores keep their input
 *   order), cut to maxDet; ground truth sorted ignored-last (stable); at each IoU threshold every detection in
 *   turn takes the unmatched ground truth with the highest IoU ≥ threshold (a later one wins an exact tie), never
 *   leaving a regular match for an ignored one; crowd ground truth can be matched any number of times. A
 *   detection matched to ignored ground truth is ignored, so is an unmatched one outside the area range;
 * - accumulation: the detections of all images (in image-id order) are merged and stable-sorted by score;
 *   precision is made monotone from the right and sampled at the first index whose recall reaches each recall
 *   threshold (0 beyond the last recall reached); a category with no non-ignored ground truth in an area range
 *   is left out (−1) of every mean.
 *
 * Detections are loaded like `COCO.loadRes`: area = w·h, never crowd, ids 1..N in input order. Detections of an
 * image that is not in the ground truth are an error (pycocotools asserts); detections of a category that is
 * not in it are dropped. Means are plain sums, so results may differ from numpy's pairwise sums in the last bits.
 * Not reproduced: pycocotools treats a ground truth whose `id` is 0 as "unmatched" (`dtm == 0`); here matches are
 * tracked separately from ids.
 */

/** A box as COCO writes it: [left, top, width, height] in pixels. */
export type XYWH = readonly [number, number, number, number] | readonly number[];

export interface CocoImage {
  id: number;
  file_name?: string;
  width?: number;
  height?: number;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

/** A ground-truth annotation (`instances_*.json`). */
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: XYWH;
  /** Segmentation area (what pycocotools uses for area ranges); w·h when absent. */
  area?: number;
  iscrowd?: number | boolean;
  /** Only honoured with `useIgnoreField` (pycocotools overwrites it with `iscrowd`). */
  ignore?: number | boolean;
}

export interface CocoDataset {
  images: readonly CocoImage[];
  annotations: readonly CocoAnnotation[];
  categories: readonly CocoCategory[];
}

/** One detection as in a COCO results file. */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: XYWH;
  score: number;
}

export type AreaRange = readonly [number, number];

export interface CocoEvalParams {
  iouThrs: readonly number[];
  recThrs: readonly number[];
  /** Ascending; the last one is the per-image, per-category cap used when matching. */
  maxDets: readonly number[];
  areaRng: readonly AreaRange[];
  areaRngLbl: readonly string[];
  /** Images to evaluate; null = every image of the ground truth. */
  imgIds: readonly number[] | null;
  /** Categories to evaluate; null = every category of the ground truth. */
  catIds: readonly number[] | null;
  /** false = category labels are ignored (proposal scoring): one pooled "category". */
  useCats: boolean;
  /** Also ignore ground truth whose `ignore` field is truthy (not pycocotools behaviour). */
  useIgnoreField: boolean;
}

/** numpy.linspace(start, stop, num), bit for bit (i·step + start, last = stop). */
export function linspace(start: number, stop: number, num: number): number[] {
  const out: number[] = [];
  const div = num - 1;
  const step = (stop - start) / div;
  for (let i = 0; i < num; i++) out.push(div > 0 && i === div ? stop : i * step + start);
  return out;
}

export function defaultParams(): CocoEvalParams {
  return {
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0, 1, Math.round((1 - 0) / 0.01) + 1),
    maxDets: [1, 10, 100],
    areaRng: [
      [0, 1e5 ** 2],
      [0, 32 ** 2],
      [32 ** 2, 96 ** 2],
      [96 ** 2, 1e5 ** 2],
    ],
    areaRngLbl: ['all', 'small', 'medium', 'large'],
    imgIds: null,
    catIds: null,
    useCats: true,
    useIgnoreField: false,
  };
}

/**
 * pycocotools `maskUtils.iou(dt, gt, iscrowd)` for boxes: a [D][G] matrix; against crowd ground truth the
 * union is the detection's area.
 */
export function bboxIou(dets: readonly XYWH[], gts: readonly XYWH[], iscrowd: readonly boolean[]): number[][] {
  const out: number[][] = [];
  for (let d = 0; d < dets.length; d++) {
    const D = dets[d];
    const da = D[2] * D[3];
    const row: number[] = new Array<number>(gts.length).fill(0);
    for (let g = 0; g < gts.length; g++) {
      const G = gts[g];
      const w = Math.min(D[2] + D[0], G[2] + G[0]) - Math.max(D[0], G[0]);
      if (w <= 0) continue;
      const h = Math.min(D[3] + D[1], G[3] + G[1]) - Math.max(D[1], G[1]);
      if (h <= 0) continue;
      const i = w * h;
      const u = iscrowd[g] ? da : da + G[2] * G[3] - i;
      row[g] = i / u;
    }
    out.push(row);
  }
  return out;
}

/** A ground-truth object as the evaluator sees it. */
export interface EvalGt {
  id: number;
  bbox: XYWH;
  area: number;
  iscrowd: boolean;
  /** Ignored regardless of area (crowd, or `ignore` with useIgnoreField). */
  ignore: boolean;
  /** Keypoint evaluation: x, y, v per keypoint (keypoints.ts). */
  keypoints?: readonly number[];
}

/** A detection as the evaluator sees it. */
export interface EvalDt {
  id: number;
  bbox: XYWH;
  area: number;
  score: number;
  /** Keypoint evaluation: x, y, v per keypoint (keypoints.ts). */
  keypoints?: readonly number[];
}

/** pycocotools' evaluateImg result for one image, category and area range. */
export interface ImageEval {
  /** Detection ids, best score first, cut to maxDet. */
  dtIds: number[];
  /** Ground-truth ids, ignored last. */
  gtIds: number[];
  dtScores: number[];
  /** [T][D]: id of the matched ground truth, or 0. */
  dtMatches: number[][];
  /** [T][G]: id of the matched detection, or 0. */
  gtMatches: number[][];
  /** [T][D] */
  dtMatched: boolean[][];
  /** [T][D] */
  dtIgnore: boolean[][];
  /** [G] */
  gtIgnore: boolean[];
}

/** Stable sort of indices 0..n-1 by `key` ascending (numpy argsort kind='mergesort'). */
function stableArgsort(n: number, key: (i: number) => number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < n; i++) idx.push(i);
  // Array.prototype.sort is stable (ES2019); ties keep index order.
  return idx.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** The [D][G] similarity matrix that matching uses: box IoU (bbox), OKS (keypoints.ts). */
export type SimilarityFn = (dts: readonly EvalDt[], gts: readonly EvalGt[]) => number[][];

const boxSimilarity: SimilarityFn = (dt, gt) => bboxIou(dt.map((d) => d.bbox), gt.map((g) => g.bbox), gt.map((g) => g.iscrowd));

/**
 * pycocotools `computeIoU` (or `computeOks` with `similarity`) + `evaluateImg` for one image and category.
 * Returns null when there is neither ground truth nor a detection (pycocotools' None).
 */
export function evaluateImage(
  gtIn: readonly EvalGt[],
  dtIn: readonly EvalDt[],
  areaRange: AreaRange,
  maxDet: number,
  iouThrs: readonly number[],
  similarity: SimilarityFn = boxSimilarity,
): ImageEval | null {
  if (gtIn.length === 0 && dtIn.length === 0) return null;
  const [lo, hi] = areaRange;
  const gtIgnoreIn = gtIn.map((g) => g.ignore || g.area < lo || g.area > hi);
  const gtOrder = stableArgsort(gtIn.length, (i) => (gtIgnoreIn[i] ? 1 : 0));
  const gt = gtOrder.map((i) => gtIn[i]);
  const gtIg = gtOrder.map((i) => gtIgnoreIn[i]);
  const dtOrder = stableArgsort(dtIn.length, (i) => -dtIn[i].score).slice(0, maxDet);
  const dt = dtOrder.map((i) => dtIn[i]);
  const iscrowd = gt.map((g) => g.iscrowd);
  // pycocotools computes IoUs once with maxDets[-1] detections (same order) and permutes the gt columns.
  const ious = gt.length > 0 && dt.length > 0 ? similarity(dt, gt) : [];

  const T = iouThrs.length;
  const G = gt.length;
  const D = dt.length;
  const gtm: number[][] = [];
  const dtm: number[][] = [];
  const gtMatched: boolean[][] = [];
  const dtMatched: boolean[][] = [];
  const dtIg: boolean[][] = [];
  for (let t = 0; t < T; t++) {
    gtm.push(new Array<number>(G).fill(0));
    dtm.push(new Array<number>(D).fill(0));
    gtMatched.push(new Array<boolean>(G).fill(false));
    dtMatched.push(new Array<boolean>(D).fill(false));
    dtIg.push(new Array<boolean>(D).fill(false));
  }
  if (ious.length > 0) {
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < D; d++) {
        let best = Math.min(iouThrs[t], 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < G; g++) {
          // Already matched and not a crowd: skip.
          if (gtMatched[t][g] && !iscrowd[g]) continue;
          // Matched to regular ground truth and reached the ignored ones: stop.
          if (m > -1 && !gtIg[m] && gtIg[g]) break;
          if (ious[d][g] < best) continue;
          best = ious[d][g];
          m = g;
        }
        if (m === -1) continue;
        dtIg[t][d] = gtIg[m];
        dtm[t][d] = gt[m].id;
        dtMatched[t][d] = true;
        gtm[t][m] = dt[d].id;
        gtMatched[t][m] = true;
      }
    }
  }
  // Unmatched detections outside the area range are ignored.
  for (let d = 0; d < D; d++) {
    const outside = dt[d].area < lo || dt[d].area > hi;
    if (!outside) continue;
    for (let t = 0; t < T; t++) if (!dtMatched[t][d]) dtIg[t][d] = true;
  }
  return {
    dtIds: dt.map((d) => d.id),
    gtIds: gt.map((g) => g.id),
    dtScores: dt.map((d) => d.score),
    dtMatches: dtm,
    gtMatches: gtm,
    dtMatched,
    dtIgnore: dtIg,
    gtIgnore: gtIg,
  };
}

/** Precision / recall of one (category, area range, maxDets) cell over all images (pycocotools accumulate). */
export interface AccumulatedCell {
  /** [T][R], or null when the cell has no non-ignored ground truth (pycocotools −1). */
  precision: number[][] | null;
  /** [T], or null likewise. */
  recall: number[] | null;
  /** [T][R]: score at each recall threshold (0 where unreached). */
  scores: number[][] | null;
  /** Non-ignored ground truth. */
  numGt: number;
}

/** pycocotools `accumulate()` for one cell: the evalImgs of one category and area range, in image order. */
export function accumulateCell(
  evals: readonly (ImageEval | null)[],
  maxDet: number,
  iouThrs: readonly number[],
  recThrs: readonly number[],
): AccumulatedCell {
  const E = evals.filter((e): e is ImageEval => e !== null);
  if (E.length === 0) return { precision: null, recall: null, scores: null, numGt: 0 };
  const scores: number[] = [];
  const owner: number[] = [];
  const pos: number[] = [];
  E.forEach((e, ei) => {
    const n = Math.min(maxDet, e.dtScores.length);
    for (let j = 0; j < n; j++) {
      scores.push(e.dtScores[j]);
      owner.push(ei);
      pos.push(j);
    }
  });
  const order = stableArgsort(scores.length, (i) => -scores[i]);
  let npig = 0;
  for (const e of E) for (const ig of e.gtIgnore) if (!ig) npig++;
  if (npig === 0) return { precision: null, recall: null, scores: null, numGt: 0 };
  const T = iouThrs.length;
  const R = recThrs.length;
  const nd = order.length;
  const sortedScores = order.map((i) => scores[i]);
  const precision: number[][] = [];
  const recall: number[] = [];
  const scoreAt: number[][] = [];
  for (let t = 0; t < T; t++) {
    const rc = new Array<number>(nd);
    const pr = new Array<number>(nd);
    let tp = 0;
    let fp = 0;
    for (let k = 0; k < nd; k++) {
      const i = order[k];
      const e = E[owner[i]];
      const j = pos[i];
      const matched = e.dtMatched[t][j];
      const ignored = e.dtIgnore[t][j];
      if (matched && !ignored) tp++;
      else if (!matched && !ignored) fp++;
      rc[k] = tp / npig;
      pr[k] = tp / (fp + tp + Number.EPSILON);
    }
    recall.push(nd > 0 ? rc[nd - 1] : 0);
    for (let k = nd - 1; k > 0; k--) if (pr[k] > pr[k - 1]) pr[k - 1] = pr[k];
    const q = new Array<number>(R).fill(0);
    const ss = new Array<number>(R).fill(0);
    // np.searchsorted(rc, recThrs, side='left'): first index with rc >= threshold.
    let k = 0;
    for (let r = 0; r < R; r++) {
      while (k < nd && rc[k] < recThrs[r]) k++;
      if (k >= nd) break; // pycocotools' IndexError: the rest stay 0
      q[r] = pr[k];
      ss[r] = sortedScores[k];
    }
    precision.push(q);
    scoreAt.push(ss);
  }
  return { precision, recall, scores: scoreAt, numGt: npig };
}

export interface CocoStats {
  /** AP @[.50:.95], area all, maxDets 100 */
  ap: number;
  ap50: number;
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
  ar1: number;
  ar10: number;
  ar100: number;
  arSmall: number;
  arMedium: number;
  arLarge: number;
}

export interface CategoryResult {
  categoryId: number;
  name: string;
  /** Non-crowd, non-ignored ground truth (area 'all'). */
  numGt: number;
  /** Detections evaluated (after the maxDets cap). */
  numDet: number;
  /** −1 when the category has no ground truth. */
  ap: number;
  ap50: number;
  ap75: number;
  ar100: number;
}

export interface CocoEvalResult {
  params: CocoEvalParams;
  /** Evaluated image ids (sorted) and category ids (sorted; [-1] without useCats). */
  imgIds: number[];
  catIds: number[];
  stats: CocoStats;
  /** pycocotools' `stats` order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl. */
  statsArray: number[];
  perCategory: CategoryResult[];
  /** cells[k][a][m] for catIds[k], areaRng[a], maxDets[m]. */
  cells: AccumulatedCell[][][];
  numDetections: number;
}

export function truthy(v: number | boolean | undefined): boolean {
  return v === true || (typeof v === 'number' && v !== 0);
}

function checkBox(b: XYWH, what: string): void {
  if (b.length !== 4 || !b.every((v) => Number.isFinite(v))) throw new Error(`${what}: bbox must be 4 finite numbers, got ${JSON.stringify(b)}`);
}

/** Mean of the entries > −1 (pycocotools `_summarize`), −1 when there are none. */
export function meanValid(values: Iterable<number>): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v > -1) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? -1 : sum / n;
}

/** A detection as `COCO.loadRes` leaves it: with its area (w·h for boxes; the keypoints' extent for keypoints). */
export interface LoadedDetection {
  image_id: number;
  category_id: number;
  bbox: XYWH;
  area: number;
  score: number;
  keypoints?: readonly number[];
}

/** What `evaluate()` + `accumulate()` leave, before the summary: one cell per category, area range and maxDets. */
export interface EvaluatedCells {
  p: CocoEvalParams;
  /** Ascending. */
  maxDets: number[];
  imgIds: number[];
  catIds: number[];
  /** cells[k][a][m] */
  cells: AccumulatedCell[][][];
  numDetPerCat: number[];
}

/**
 * pycocotools `evaluate()` + `accumulate()`: ground truth and detections grouped by image and category, each
 * group matched (evaluateImage with `similarity`), each cell accumulated. `ignoreGt` adds reasons to ignore a
 * ground truth beyond crowds (keypoints: num_keypoints 0).
 */
export function evaluateCells(
  gt: CocoDataset,
  detections: readonly LoadedDetection[],
  p: CocoEvalParams,
  similarity: SimilarityFn = boxSimilarity,
  ignoreGt: (a: CocoAnnotation) => boolean = () => false,
): EvaluatedCells {
  const maxDets = [...p.maxDets].sort((a, b) => a - b);
  if (maxDets.length === 0) throw new Error('maxDets is empty');
  if (p.areaRng.length !== p.areaRngLbl.length) throw new Error('areaRng and areaRngLbl differ in length');
  const gtImgIds = new Set(gt.images.map((im) => im.id));
  const imgIds = [...new Set(p.imgIds ?? gt.images.map((im) => im.id))].sort((a, b) => a - b);
  const allCatIds = [...new Set(p.catIds ?? gt.categories.map((c) => c.id))].sort((a, b) => a - b);
  const catIds = p.useCats ? allCatIds : [-1];
  const imgIndex = new Map(imgIds.map((id, i) => [id, i]));
  const catIndex = new Map(catIds.map((id, i) => [id, i]));
  const catOf = (c: number): number | undefined => (p.useCats ? catIndex.get(c) : allCatIds.includes(c) ? 0 : undefined);

  for (const d of detections) {
    if (!gtImgIds.has(d.image_id)) throw new Error(`detection for image ${d.image_id}, which is not in the ground truth`);
    checkBox(d.bbox, `detection on image ${d.image_id}`);
    if (!Number.isFinite(d.score)) throw new Error(`detection on image ${d.image_id}: score ${d.score} is not finite`);
  }

  const I = imgIds.length;
  const K = catIds.length;
  const gts: EvalGt[][] = Array.from({ length: I * K }, () => []);
  const dts: EvalDt[][] = Array.from({ length: I * K }, () => []);
  for (const a of gt.annotations) {
    const i = imgIndex.get(a.image_id);
    const k = catOf(a.category_id);
    if (i === undefined || k === undefined) continue;
    checkBox(a.bbox, `annotation ${a.id}`);
    const iscrowd = truthy(a.iscrowd);
    const g: EvalGt = {
      id: a.id,
      bbox: a.bbox,
      area: a.area ?? a.bbox[2] * a.bbox[3],
      iscrowd,
      ignore: iscrowd || (p.useIgnoreField && truthy(a.ignore)) || ignoreGt(a),
    };
    const kp = (a as { keypoints?: readonly number[] }).keypoints;
    if (kp) g.keypoints = kp;
    gts[i * K + k].push(g);
  }
  detections.forEach((d, n) => {
    const i = imgIndex.get(d.image_id);
    const k = catOf(d.category_id);
    if (i === undefined || k === undefined) return;
    const e: EvalDt = { id: n + 1, bbox: d.bbox, area: d.area, score: d.score };
    if (d.keypoints) e.keypoints = d.keypoints;
    dts[i * K + k].push(e);
  });

  const A = p.areaRng.length;
  const M = maxDets.length;
  const maxDet = maxDets[M - 1];
  const cells: AccumulatedCell[][][] = [];
  const numDetPerCat: number[] = new Array<number>(K).fill(0);
  for (let k = 0; k < K; k++) {
    const byArea: AccumulatedCell[][] = [];
    for (let a = 0; a < A; a++) {
      const evals: (ImageEval | null)[] = [];
      for (let i = 0; i < I; i++) {
        const e = evaluateImage(gts[i * K + k], dts[i * K + k], p.areaRng[a], maxDet, p.iouThrs, similarity);
        evals.push(e);
        if (a === 0 && e) numDetPerCat[k] += e.dtIds.length;
      }
      byArea.push(maxDets.map((m) => accumulateCell(evals, m, p.iouThrs, p.recThrs)));
    }
    cells.push(byArea);
  }
  return { p, maxDets, imgIds, catIds, cells, numDetPerCat };
}

/** pycocotools `_summarize(ap, iouThr, areaRng, maxDets)` over evaluated cells (−1 when nothing counts). */
export function summarizeCells(ev: EvaluatedCells, ap: boolean, iouThr: number | null, area: string, md: number): number {
  const { p, maxDets, cells } = ev;
  const a = p.areaRngLbl.indexOf(area);
  const m = maxDets.indexOf(md);
  if (a < 0 || m < 0) return -1;
  const ts = iouThr === null ? p.iouThrs.map((_, t) => t) : p.iouThrs.flatMap((v, t) => (v === iouThr ? [t] : []));
  const values: number[] = [];
  for (let k = 0; k < cells.length; k++) {
    const c = cells[k][a][m];
    for (const t of ts) {
      if (ap) values.push(...(c.precision ? c.precision[t] : []));
      else values.push(c.recall ? c.recall[t] : -1);
    }
  }
  return meanValid(values);
}

/** COCOeval(gt, dets, 'bbox') → evaluate → accumulate → summarize. */
export function evaluateBbox(gt: CocoDataset, detections: readonly CocoDetection[], overrides: Partial<CocoEvalParams> = {}): CocoEvalResult {
  const ev = evaluateCells(
    gt,
    detections.map((d) => ({ ...d, area: d.bbox[2] * d.bbox[3] })),
    { ...defaultParams(), ...overrides },
  );
  return summarizeEvaluation(gt, ev);
}

/** pycocotools `summarize()` of evaluated cells with the box/segm parameters: the twelve stats and per-category figures. */
export function summarizeEvaluation(gt: CocoDataset, ev: EvaluatedCells): CocoEvalResult {
  const { p, maxDets, imgIds, catIds, cells, numDetPerCat } = ev;
  const M = maxDets.length;
  const areaIdx = (lbl: string): number => p.areaRngLbl.indexOf(lbl);
  const summarize = (ap: boolean, iouThr: number | null, area: string, md: number): number => summarizeCells(ev, ap, iouThr, area, md);
  const m0 = maxDets[0];
  const m1 = maxDets[Math.min(1, M - 1)];
  const m2 = maxDets[Math.min(2, M - 1)];
  const stats: CocoStats = {
    // pycocotools' first line is `_summarize(1)`, whose maxDets defaults to a literal 100 (−1 if 100 is not in maxDets).
    ap: summarize(true, null, 'all', 100),
    ap50: summarize(true, 0.5, 'all', m2),
    ap75: summarize(true, 0.75, 'all', m2),
    apSmall: summarize(true, null, 'small', m2),
    apMedium: summarize(true, null, 'medium', m2),
    apLarge: summarize(true, null, 'large', m2),
    ar1: summarize(false, null, 'all', m0),
    ar10: summarize(false, null, 'all', m1),
    ar100: summarize(false, null, 'all', m2),
    arSmall: summarize(false, null, 'small', m2),
    arMedium: summarize(false, null, 'medium', m2),
    arLarge: summarize(false, null, 'large', m2),
  };
  const statsArray = [
    stats.ap, stats.ap50, stats.ap75, stats.apSmall, stats.apMedium, stats.apLarge,
    stats.ar1, stats.ar10, stats.ar100, stats.arSmall, stats.arMedium, stats.arLarge,
  ];

  const names = new Map(gt.categories.map((c) => [c.id, c.name]));
  const aAll = Math.max(0, areaIdx('all'));
  const t50 = p.iouThrs.indexOf(0.5);
  const t75 = p.iouThrs.indexOf(0.75);
  const perCategory: CategoryResult[] = catIds.map((id, k) => {
    const c = cells[k][aAll][M - 1];
    const prec = c.precision;
    return {
      categoryId: id,
      name: names.get(id) ?? (id === -1 ? 'all' : String(id)),
      numGt: c.numGt,
      numDet: numDetPerCat[k],
      ap: prec ? meanValid(prec.flat()) : -1,
      ap50: prec && t50 >= 0 ? meanValid(prec[t50]) : -1,
      ap75: prec && t75 >= 0 ? meanValid(prec[t75]) : -1,
      ar100: c.recall ? meanValid(c.recall) : -1,
    };
  });

  let numDetections = 0;
  for (const n of numDetPerCat) numDetections += n;
  return { params: { ...p, maxDets }, imgIds, catIds, stats, statsArray, perCategory, cells, numDetections };
}

/** The twelve lines pycocotools' `summarize()` prints. */
export function formatSummary(result: CocoEvalResult): string {
  const p = result.params;
  const m = p.maxDets;
  const m0 = m[0];
  const m1 = m[Math.min(1, m.length - 1)];
  const m2 = m[Math.min(2, m.length - 1)];
  const rows: [boolean, number | null, string, number][] = [
    [true, null, 'all', 100], [true, 0.5, 'all', m2], [true, 0.75, 'all', m2],
    [true, null, 'small', m2], [true, null, 'medium', m2], [true, null, 'large', m2],
    [false, null, 'all', m0], [false, null, 'all', m1], [false, null, 'all', m2],
    [false, null, 'small', m2], [false, null, 'medium', m2], [false, null, 'large', m2],
  ];
  const f2 = (v: number): string => v.toFixed(2);
  return rows
    .map(([ap, iouThr, area, md], i) => {
      const title = (ap ? 'Average Precision' : 'Average Recall').padEnd(18);
      const type = ap ? '(AP)' : '(AR)';
      const iouStr = (iouThr === null ? `${f2(p.iouThrs[0])}:${f2(p.iouThrs[p.iouThrs.length - 1])}` : f2(iouThr)).padEnd(9);
      return ` ${title} ${type} @[ IoU=${iouStr} | area=${area.padStart(6)} | maxDets=${String(md).padStart(3)} ] = ${result.statsArray[i].toFixed(3)}`;
    })
    .join('\n');
}
