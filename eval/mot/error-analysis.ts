/**
 * Where a tracker's CLEAR-MOT errors come from, given the detections it was fed (MOTChallenge rows):
 *
 * - Detection-level bound: per frame, a maximum-cardinality / minimum-distance matching (IoU >= 0.5, as in
 *   metrics.ts) of the ground truth with *all* detections. Ground-truth boxes it leaves unmatched (`fnFloor`)
 *   are misses of every output that consists of detection boxes (what tstrack writes), whatever the tracker
 *   does; `1 − fnFloor / numGt` bounds MOTA from above.
 * - Confidence-threshold baseline: the same matching of the detections at or above a threshold, every row its
 *   own id (no identity errors possible): the best MOTA of a tracker that only filters detections by score.
 * - The tracker's events, from metrics.ts's accumulator (exactly the FP / FN / IDSW it counts):
 *   misses split into "no detection" (the detection-level matching has none for that box either) and
 *   "detection not reported" (where one detection could cover either of two boxes, the matching picks one, so
 *   the split can move by such ties); false positives split by the hypothesis box's best IoU with any ground-truth box
 *   of the frame: >= 0.5 "duplicate" (the object is matched to another hypothesis), [0.3, 0.5) "poorly
 *   localised" (a detection of a real object that misses the IoU 0.5 criterion), < 0.3 "no object".
 *
 *   npx vite-node eval/mot/errors-cli.ts [SEQ]      (see errors-cli.ts)
 */
import { assignMaxCardinality } from '../../elements/track/assignment.js';
import { accumulateMot, distanceMatrix, parseMot, type MotRow, type TrackKey } from './metrics.js';

/** FPs whose best ground-truth IoU is at least this (and below the match criterion) are "poorly localised". */
export const POOR_LOCALISATION_IOU = 0.3;

export interface ThresholdBaseline {
  threshold: number;
  fp: number;
  fn: number;
  /** 1 − (FN + FP) / numGt (no identity errors). */
  mota: number;
}

export interface ErrorAnalysis {
  numGt: number;
  numDetections: number;
  /** Ground-truth boxes no detection can cover (per-frame maximum matching of all detections). */
  fnFloor: number;
  /** Detections left unmatched by that matching. */
  detectionFp: number;
  /** 1 − fnFloor / numGt: MOTA bound of any output made of detection boxes. */
  motaBound: number;
  /** Best confidence threshold on the raw detections (ids per row, so without identity errors). */
  bestThreshold: ThresholdBaseline;
  /** The tracker's errors (metrics.ts's counts). */
  fn: { total: number; noDetection: number; detectionNotReported: number };
  fp: { total: number; duplicate: number; poorlyLocalised: number; noObject: number };
  idsw: number;
  /** One line per error, in frame order. */
  lines: string[];
}

function byFrame(rows: readonly MotRow[]): Map<number, MotRow[]> {
  const m = new Map<number, MotRow[]>();
  for (const r of rows) {
    const g = m.get(r.frame);
    if (g === undefined) m.set(r.frame, [r]);
    else g.push(r);
  }
  return m;
}

/** Per frame: indices of `gt` rows matched by a maximum-cardinality, minimum-distance matching with `rows`. */
function matchedGt(gt: readonly MotRow[], rows: readonly MotRow[], maxDistance: number): Set<number> {
  const out = new Set<number>();
  if (gt.length === 0 || rows.length === 0) return out;
  const d = distanceMatrix(gt, rows, maxDistance);
  const a = assignMaxCardinality(d, gt.length, rows.length);
  for (let i = 0; i < gt.length; i++) {
    const j = a.rowToCol[i];
    if (j >= 0 && !Number.isNaN(d[i * rows.length + j])) out.add(i);
  }
  return out;
}

function bestIou(box: MotRow, gt: readonly MotRow[]): number {
  let best = 0;
  if (gt.length === 0) return 0;
  const d = distanceMatrix(gt, [box], 1);
  for (let i = 0; i < gt.length; i++) if (1 - d[i] > best) best = 1 - d[i];
  return best;
}

function fmtBox(r: MotRow): string {
  return `${r.x.toFixed(0)},${r.y.toFixed(0)} ${r.width.toFixed(0)}x${r.height.toFixed(0)}`;
}

/** Analyses `hyp` (tracker output) against `gt`, given the `det` rows the tracker was fed. */
export function analyseErrors(
  gtIn: readonly MotRow[] | string,
  detIn: readonly MotRow[] | string,
  hypIn: readonly MotRow[] | string,
  options: { maxDistance?: number } = {},
): ErrorAnalysis {
  const maxDistance = options.maxDistance ?? 0.5;
  const gt = typeof gtIn === 'string' ? parseMot(gtIn) : gtIn;
  const det = typeof detIn === 'string' ? parseMot(detIn) : detIn;
  const hyp = typeof hypIn === 'string' ? parseMot(hypIn) : hypIn;
  const gtBy = byFrame(gt), detBy = byFrame(det), hypBy = byFrame(hyp);
  const frames = [...new Set([...gtBy.keys(), ...detBy.keys()])].sort((a, b) => a - b);

  // Detection-level matching; `covered` holds "frame:gt id" of the boxes some detection can cover.
  const covered = new Set<string>();
  let fnFloor = 0, detectionFp = 0;
  for (const f of frames) {
    const g = gtBy.get(f) ?? [], d = detBy.get(f) ?? [];
    const m = matchedGt(g, d, maxDistance);
    for (const i of m) covered.add(`${f}:${g[i].id}`);
    fnFloor += g.length - m.size;
    detectionFp += d.length - m.size;
  }

  // Confidence thresholds on the raw detections: every distinct score (at most ~200 candidates).
  const scores = [...new Set(det.map((r) => r.conf))].sort((a, b) => a - b);
  const stride = Math.max(1, Math.ceil(scores.length / 200));
  let bestThreshold: ThresholdBaseline = { threshold: -Infinity, fp: detectionFp, fn: fnFloor, mota: 1 - (fnFloor + detectionFp) / Math.max(1, gt.length) };
  for (let k = 0; k < scores.length; k += stride) {
    const th = scores[k];
    let fp = 0, fn = 0;
    for (const f of frames) {
      const g = gtBy.get(f) ?? [];
      const d = (detBy.get(f) ?? []).filter((r) => r.conf >= th);
      const m = matchedGt(g, d, maxDistance).size;
      fn += g.length - m;
      fp += d.length - m;
    }
    const mota = 1 - (fn + fp) / Math.max(1, gt.length);
    if (mota > bestThreshold.mota) bestThreshold = { threshold: th, fp, fn, mota };
  }

  // The tracker's errors, as metrics.ts counts them.
  const acc = accumulateMot(gt, hyp, { maxDistance, recordEvents: true });
  const lines: string[] = [];
  const fn = { total: 0, noDetection: 0, detectionNotReported: 0 };
  const fp = { total: 0, duplicate: 0, poorlyLocalised: 0, noObject: 0 };
  let idsw = 0;
  const find = (rows: readonly MotRow[] | undefined, id: TrackKey | null): MotRow | undefined => rows?.find((r) => r.id === id);
  for (const e of acc.events ?? []) {
    if (e.type === 'MISS') {
      fn.total++;
      const g = find(gtBy.get(e.frame), e.oid);
      if (covered.has(`${e.frame}:${e.oid}`)) {
        fn.detectionNotReported++;
        lines.push(`frame ${e.frame}: FN gt ${e.oid} (${g ? fmtBox(g) : '?'}): a detection covers it but was not reported`);
      } else {
        fn.noDetection++;
        const best = g ? Math.max(0, ...(detBy.get(e.frame) ?? []).map((r) => bestIou(r, [g]))) : 0;
        lines.push(`frame ${e.frame}: FN gt ${e.oid} (${g ? fmtBox(g) : '?'}): no detection (best detection IoU ${best.toFixed(2)})`);
      }
    } else if (e.type === 'FP') {
      fp.total++;
      const h = find(hypBy.get(e.frame), e.hid);
      const best = h ? bestIou(h, gtBy.get(e.frame) ?? []) : 0;
      const kind = best >= 1 - maxDistance ? 'duplicate' : best >= POOR_LOCALISATION_IOU ? 'poorly localised' : 'no object';
      if (kind === 'duplicate') fp.duplicate++;
      else if (kind === 'poorly localised') fp.poorlyLocalised++;
      else fp.noObject++;
      lines.push(`frame ${e.frame}: FP id ${e.hid} (${h ? fmtBox(h) : '?'}, conf ${h ? h.conf.toFixed(3) : '?'}): ${kind} (best gt IoU ${best.toFixed(2)})`);
    } else if (e.type === 'SWITCH') {
      idsw++;
      lines.push(`frame ${e.frame}: IDSW gt ${e.oid}: id ${e.previousHid} -> ${e.hid}`);
    }
  }
  return {
    numGt: gt.length,
    numDetections: det.length,
    fnFloor,
    detectionFp,
    motaBound: 1 - fnFloor / Math.max(1, gt.length),
    bestThreshold,
    fn,
    fp,
    idsw,
    lines,
  };
}

/** A short multi-line summary of an analysis. */
export function formatErrorAnalysis(a: ErrorAnalysis, verbose = false): string {
  const pct = (v: number): string => (v * 100).toFixed(1);
  const out = [
    `ground truth ${a.numGt}, detections ${a.numDetections}: ${a.fnFloor} gt boxes no detection can cover (MOTA bound with detection boxes ${pct(a.motaBound)}), ${a.detectionFp} detections cover no gt box`,
    `best confidence threshold on the raw detections (no identity errors): >= ${a.bestThreshold.threshold.toFixed(3)}: MOTA ${pct(a.bestThreshold.mota)} (FP ${a.bestThreshold.fp}, FN ${a.bestThreshold.fn})`,
    `tracker FN ${a.fn.total}: ${a.fn.noDetection} without a detection, ${a.fn.detectionNotReported} with a detection not reported`,
    `tracker FP ${a.fp.total}: ${a.fp.poorlyLocalised} poorly localised (gt IoU ${POOR_LOCALISATION_IOU}–0.5), ${a.fp.noObject} no object (< ${POOR_LOCALISATION_IOU}), ${a.fp.duplicate} duplicates`,
    `tracker IDSW ${a.idsw}`,
  ];
  if (verbose) out.push(...a.lines);
  return out.join('\n');
}
