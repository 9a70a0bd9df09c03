/**
 * COCO keypoint evaluation reproducing pycocotools' `COCOeval(cocoGt, cocoDt, 'keypoints')` on top of the box
 * evaluator's matching and accumulation (metrics.ts), with what differs for keypoints:
 *
 * - similarity is OKS (`computeOks`): per ground truth with k1 > 0 labelled keypoints (v > 0),
 *   e = (dx² + dy²) / (2σ)² / (area + eps) / 2 over the labelled ones, OKS = mean(exp(−e)); for a ground truth
 *   without labelled keypoints the distance is measured to its box grown by its size on every side;
 *   σ are COCO's per-keypoint sigmas;
 * - parameters: maxDets [20] (per image), area ranges all / medium / large (no small), from the ground truth's
 *   `area`;
 * - a ground truth is ignored when it is a crowd or has num_keypoints 0;
 * - detections are loaded like `COCO.loadRes` with keypoints: the box and area are the extent of all their
 *   keypoints (unlabelled ones included, as pycocotools does);
 * - the summary is `_summarizeKps`: AP, AP50, AP75, APm, APl, AR, AR50, AR75, ARm, ARl.
 */
import { defaultParams, evaluateCells, summarizeCells, truthy } from './metrics';
import type { CocoAnnotation, CocoDataset, CocoEvalParams, EvalDt, EvalGt, EvaluatedCells, LoadedDetection } from './metrics';

/** COCO's per-keypoint OKS sigmas, COCO-17 order (pycocotools `kpt_oks_sigmas`). */
export const COCO_KEYPOINT_SIGMAS: readonly number[] = [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89].map(
  (s) => s / 10,
);

export interface CocoKeypointAnnotation extends CocoAnnotation {
  /** x, y, v per keypoint (v: 0 not labelled, 1 labelled but hidden, 2 visible). */
  keypoints: readonly number[];
  num_keypoints: number;
}

export interface CocoKeypointDataset extends CocoDataset {
  annotations: readonly CocoKeypointAnnotation[];
}

/** One result as in a COCO keypoint results file: x, y, score per keypoint, and the detection's score. */
export interface CocoKeypointDetection {
  image_id: number;
  category_id: number;
  keypoints: readonly number[];
  score: number;
}

export interface KeypointStats {
  ap: number;
  ap50: number;
  ap75: number;
  apMedium: number;
  apLarge: number;
  ar: number;
  ar50: number;
  ar75: number;
  arMedium: number;
  arLarge: number;
}

export interface KeypointEvalResult {
  params: CocoEvalParams;
  stats: KeypointStats;
  /** pycocotools' `stats` order. */
  statsArray: number[];
  numDetections: number;
  evaluated: EvaluatedCells;
}

/** pycocotools `Params(iouType='keypoints')`. */
export function keypointParams(): CocoEvalParams {
  return {
    ...defaultParams(),
    maxDets: [20],
    areaRng: [
      [0, 1e5 ** 2],
      [32 ** 2, 96 ** 2],
      [96 ** 2, 1e5 ** 2],
    ],
    areaRngLbl: ['all', 'medium', 'large'],
  };
}

/** pycocotools `computeOks` for detections (already sorted and cut) against ground truth: a [D][G] matrix. */
export function oks(dts: readonly EvalDt[], gts: readonly EvalGt[], sigmas: readonly number[] = COCO_KEYPOINT_SIGMAS): number[][] {
  const vars = sigmas.map((s) => (2 * s) ** 2);
  const K = sigmas.length;
  const out = dts.map(() => new Array<number>(gts.length).fill(0));
  gts.forEach((g, j) => {
    const gk = g.keypoints ?? [];
    let k1 = 0;
    for (let k = 0; k < K; k++) if (gk[3 * k + 2] > 0) k1++;
    const [bx, by, bw, bh] = g.bbox;
    const x0 = bx - bw;
    const x1 = bx + 2 * bw;
    const y0 = by - bh;
    const y1 = by + 2 * bh;
    dts.forEach((d, i) => {
      const dk = d.keypoints ?? [];
      let sum = 0;
      let n = 0;
      for (let k = 0; k < K; k++) {
        if (k1 > 0 && !(gk[3 * k + 2] > 0)) continue;
        const xd = dk[3 * k];
        const yd = dk[3 * k + 1];
        const dx = k1 > 0 ? xd - gk[3 * k] : Math.max(0, x0 - xd) + Math.max(0, xd - x1);
        const dy = k1 > 0 ? yd - gk[3 * k + 1] : Math.max(0, y0 - yd) + Math.max(0, yd - y1);
        const e = (dx * dx + dy * dy) / vars[k] / (g.area + Number.EPSILON) / 2;
        sum += Math.exp(-e);
        n++;
      }
      out[i][j] = sum / n;
    });
  });
  return out;
}

/** `COCO.loadRes` for keypoint results: box and area from the keypoints' extent. */
function loadKeypointResult(d: CocoKeypointDetection): LoadedDetection {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; 3 * k + 1 < d.keypoints.length; k++) {
    xs.push(d.keypoints[3 * k]);
    ys.push(d.keypoints[3 * k + 1]);
  }
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  return { image_id: d.image_id, category_id: d.category_id, bbox: [x0, y0, x1 - x0, y1 - y0], area: (x1 - x0) * (y1 - y0), score: d.score, keypoints: d.keypoints };
}

/** COCOeval(gt, dets, 'keypoints') → evaluate → accumulate → summarize. */
export function evaluateKeypoints(
  gt: CocoKeypointDataset,
  detections: readonly CocoKeypointDetection[],
  overrides: Partial<CocoEvalParams> = {},
  sigmas: readonly number[] = COCO_KEYPOINT_SIGMAS,
): KeypointEvalResult {
  for (const d of detections) {
    if (d.keypoints.length !== 3 * sigmas.length) throw new Error(`detection on image ${d.image_id}: ${d.keypoints.length / 3} keypoints, expected ${sigmas.length}`);
  }
  const p = { ...keypointParams(), ...overrides };
  const ev = evaluateCells(
    gt,
    detections.map(loadKeypointResult),
    p,
    (dts, gts) => oks(dts, gts, sigmas),
    (a) => truthy(a.iscrowd) || (a as CocoKeypointAnnotation).num_keypoints === 0,
  );
  const md = ev.maxDets[ev.maxDets.length - 1];
  const s = (ap: boolean, thr: number | null, area: string) => summarizeCells(ev, ap, thr, area, md);
  const stats: KeypointStats = {
    ap: s(true, null, 'all'),
    ap50: s(true, 0.5, 'all'),
    ap75: s(true, 0.75, 'all'),
    apMedium: s(true, null, 'medium'),
    apLarge: s(true, null, 'large'),
    ar: s(false, null, 'all'),
    ar50: s(false, 0.5, 'all'),
    ar75: s(false, 0.75, 'all'),
    arMedium: s(false, null, 'medium'),
    arLarge: s(false, null, 'large'),
  };
  let numDetections = 0;
  for (const n of ev.numDetPerCat) numDetections += n;
  return {
    params: { ...p, maxDets: ev.maxDets },
    stats,
    statsArray: [stats.ap, stats.ap50, stats.ap75, stats.apMedium, stats.apLarge, stats.ar, stats.ar50, stats.ar75, stats.arMedium, stats.arLarge],
    numDetections,
    evaluated: ev,
  };
}

/** The ten lines pycocotools' `summarize()` prints for keypoints. */
export function formatKeypointSummary(r: KeypointEvalResult): string {
  const md = r.params.maxDets[r.params.maxDets.length - 1];
  const rows: [boolean, string, string][] = [
    [true, '0.50:0.95', 'all'], [true, '0.50', 'all'], [true, '0.75', 'all'], [true, '0.50:0.95', 'medium'], [true, '0.50:0.95', 'large'],
    [false, '0.50:0.95', 'all'], [false, '0.50', 'all'], [false, '0.75', 'all'], [false, '0.50:0.95', 'medium'], [false, '0.50:0.95', 'large'],
  ];
  return rows
    .map(([ap, iou, area], i) => ` ${(ap ? 'Average Precision' : 'Average Recall').padEnd(18)} ${ap ? '(AP)' : '(AR)'} @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(md).padStart(3)} ] = ${r.statsArray[i].toFixed(3)}`)
    .join('\n');
}
