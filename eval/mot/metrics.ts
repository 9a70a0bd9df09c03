/**
 * CLEAR-MOT and identity (IDF1) metrics, reproducing py-motmetrics (`mm.utils.compare_to_groundtruth(gt, ts,
 * 'iou', distth=0.5)` + `mm.metrics.create().compute(...)`) with its default settings:
 *
 * - distance = 1 − IoU on MOTChallenge boxes (left, top, width, height; both files shifted by the same −1 "matlab"
 *   offset motmetrics applies, which cancels out); a pair is admissible when the distance is <= 0.5 (IoU >= 0.5);
 * - frames = the union of the frame numbers present in either file (a frame only in the hypothesis file yields
 *   FPs, one only in the ground truth FNs);
 * - per frame (MOTAccumulator.update of motmetrics >= 1.4): first every object keeps the hypothesis it was matched
 *   to on the previous evaluated frame if that pair is still admissible (`carryOver: 'last-frame'`; motmetrics
 *   < 1.4 kept any earlier correspondence, `carryOver: 'any'`), then the remaining objects and hypotheses are
 *   matched by a maximum-cardinality, minimum-total-distance assignment (Hungarian). A match of an object whose
 *   last hypothesis differs is an ID switch (SWITCH); leftovers are misses (FN) and false positives (FP);
 * - IDF1 / IDP / IDR: a global one-to-one assignment of ground-truth ids to hypothesis ids maximising the number
 *   of frames in which the pair is admissible (IDTP) — motmetrics' id_global_assignment min-cost problem, solved
 *   exactly per connected component with the Hungarian algorithm.
 *
 * Row filtering (`gtFilter`): by default nothing is filtered and the conf / class columns are ignored
 * (motmetrics' `loadtxt` default, min_confidence −1). The MOTChallenge rules:
 * - `'mot15'`: ground-truth rows with conf < 1 are dropped — what py-motmetrics' `eval_motchallenge` does
 *   (`loadtxt(gt, min_confidence=1)`) and TrackEval's MOT15 "zero-marked" boxes. Several MOT15 train sequences
 *   have such rows (ETH-Bahnhof 2255 of 7670).
 * - `'mot16'` (MOT16/17 ground truth: `frame,id,box,consider,class,visibility`): first the devkit's preprocessing
 *   (TrackEval `MotChallenge2DBox.get_preprocessed_seq_data`, the MATLAB devkit's `preprocessResult.m`): per
 *   frame, hypotheses are matched to *all* ground-truth boxes (any class, any consider flag) by a maximum-IoU
 *   assignment over pairs with IoU >= 0.5, and those matched to a distractor box (class 2 person on vehicle, 7
 *   static person, 8 distractor, 12 reflection) are removed — neither hits nor false positives. Then only rows
 *   with consider ≠ 0 and class 1 (pedestrian) remain as ground truth. A hypothesis matched to a consider-0 box of
 *   another class (e.g. 9, an occluder) is *not* removed by the devkit: it stays, and counts as a false positive.
 */
import { assignMaxCardinality, solveAssignment } from '../../elements/track/assignment.js';

/** One MOTChallenge row: `frame,id,left,top,width,height,conf,class|x,visibility|y,z`. */
export interface MotRow {
  frame: number;
  id: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Column 7; 1 when absent. */
  conf: number;
  /** Column 8 (class in MOT16+ gt, world x / −1 in MOT15); −1 when absent. */
  classId: number;
  /** Column 9 (visibility in MOT16+ gt); −1 when absent. */
  visibility: number;
}

/**
 * Parses MOTChallenge text (comma and/or whitespace separated). Empty lines and lines starting with '#' are
 * skipped, as are rows whose first six fields are not finite numbers.
 */
export function parseMot(text: string): MotRow[] {
  const rows: MotRow[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/[\s,]+/).map(Number);
    if (f.length < 6) continue;
    let ok = true;
    for (let i = 0; i < 6; i++) if (!Number.isFinite(f[i])) ok = false;
    if (!ok) continue;
    rows.push({
      frame: f[0],
      id: f[1],
      x: f[2],
      y: f[3],
      width: f[4],
      height: f[5],
      conf: f.length > 6 && Number.isFinite(f[6]) ? f[6] : 1,
      classId: f.length > 7 && Number.isFinite(f[7]) ? f[7] : -1,
      visibility: f.length > 8 && Number.isFinite(f[8]) ? f[8] : -1,
    });
  }
  return rows;
}

export interface EvaluateOptions {
  /** Largest admissible distance 1 − IoU (default 0.5). */
  maxDistance?: number;
  /** MOTChallenge ground-truth rules (default 'none', see the module comment). */
  gtFilter?: 'none' | 'mot15' | 'mot16';
  /** Which previous correspondences are kept before the Hungarian step (default 'last-frame', motmetrics >= 1.4). */
  carryOver?: 'last-frame' | 'any';
}

export interface MotMetrics {
  /** 1 − (FN + FP + IDSW) / numGt. */
  mota: number;
  /** Mean distance (1 − IoU) over matched pairs, as motmetrics reports it (lower is better). */
  motp: number;
  idf1: number;
  idp: number;
  idr: number;
  idtp: number;
  idfp: number;
  idfn: number;
  /** numDetections / (numDetections + FP). */
  precision: number;
  /** numDetections / numGt. */
  recall: number;
  fp: number;
  fn: number;
  idsw: number;
  /** MATCH events (motmetrics num_matches: matched pairs that are not ID switches). */
  numMatches: number;
  /** MATCH + SWITCH events (motmetrics num_detections). */
  numDetections: number;
  numTransfer: number;
  numAscend: number;
  numMigrate: number;
  /** Ground-truth boxes (motmetrics num_objects). */
  numGt: number;
  /** Hypothesis boxes (motmetrics num_predictions). */
  numHyp: number;
  numFrames: number;
  numUniqueGt: number;
  numUniqueHyp: number;
  /** Ground-truth trajectories covered >= 80 % / 20–80 % / < 20 %. */
  mostlyTracked: number;
  partiallyTracked: number;
  mostlyLost: number;
  /** Times a ground-truth trajectory goes from tracked to missed within its tracked span. */
  fragmentations: number;
}

function groupByFrame(rows: readonly MotRow[]): Map<number, MotRow[]> {
  const m = new Map<number, MotRow[]>();
  for (const r of rows) {
    const g = m.get(r.frame);
    if (g === undefined) m.set(r.frame, [r]);
    else g.push(r);
  }
  return m;
}

/** motmetrics' boxiou → 1 − IoU, NaN when above maxDistance (row-major gt.length x hyp.length). */
export function distanceMatrix(gt: readonly MotRow[], hyp: readonly MotRow[], maxDistance: number): Float64Array {
  const d = new Float64Array(gt.length * hyp.length);
  for (let i = 0; i < gt.length; i++) {
    const a = gt[i];
    const ax0 = a.x - 1, ay0 = a.y - 1;
    const ax1 = ax0 + a.width, ay1 = ay0 + a.height;
    const aVol = Math.max(ax1 - ax0, 0) * Math.max(ay1 - ay0, 0);
    for (let j = 0; j < hyp.length; j++) {
      const b = hyp[j];
      const bx0 = b.x - 1, by0 = b.y - 1;
      const bx1 = bx0 + b.width, by1 = by0 + b.height;
      const iw = Math.max(Math.min(ax1, bx1) - Math.max(ax0, bx0), 0);
      const ih = Math.max(Math.min(ay1, by1) - Math.max(ay0, by0), 0);
      const iVol = iw * ih;
      const bVol = Math.max(bx1 - bx0, 0) * Math.max(by1 - by0, 0);
      const iou = iVol === 0 ? 0 : iVol / (aVol + bVol - iVol);
      const dist = 1 - iou;
      d[i * hyp.length + j] = dist > maxDistance || Number.isNaN(dist) ? NaN : dist;
    }
  }
  return d;
}

/**
 * Maximum-weight bipartite matching value of a sparse non-negative weight map (object → hypothesis → weight),
 * solved exactly per connected component of positive-weight edges (Hungarian on −weight). This equals the
 * IDTP of motmetrics' id_global_assignment, whose (no+nh)² min-cost formulation has the same optimum.
 */
function maxWeightMatching(weights: Map<TrackKey, Map<TrackKey, number>>): number {
  const oIndex = new Map<TrackKey, number>();
  const hIndex = new Map<TrackKey, number>();
  const oKeys: TrackKey[] = [];
  const hKeys: TrackKey[] = [];
  for (const [o, row] of weights) {
    for (const [h, w] of row) {
      if (!(w > 0)) continue;
      if (!oIndex.has(o)) (oIndex.set(o, oKeys.length), oKeys.push(o));
      if (!hIndex.has(h)) (hIndex.set(h, hKeys.length), hKeys.push(h));
    }
  }
  const no = oKeys.length;
  const parent = new Int32Array(no + hKeys.length);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const [o, row] of weights) {
    const oi = oIndex.get(o);
    if (oi === undefined) continue;
    for (const [h, w] of row) {
      const hi = hIndex.get(h);
      if (!(w > 0) || hi === undefined) continue;
      const ra = find(oi), rb = find(no + hi);
      if (ra !== rb) parent[ra] = rb;
    }
  }
  const comps = new Map<number, { os: TrackKey[]; hs: TrackKey[] }>();
  for (let n = 0; n < parent.length; n++) {
    const r = find(n);
    let c = comps.get(r);
    if (c === undefined) comps.set(r, (c = { os: [], hs: [] }));
    if (n < no) c.os.push(oKeys[n]);
    else c.hs.push(hKeys[n - no]);
  }
  let total = 0;
  for (const { os, hs } of comps.values()) {
    if (os.length === 0 || hs.length === 0) continue;
    const n = os.length, m = hs.length;
    const cost = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      const row = weights.get(os[i]);
      for (let j = 0; j < m; j++) cost[i * m + j] = -(row?.get(hs[j]) ?? 0);
    }
    const r2c = solveAssignment(cost, n, m);
    for (let i = 0; i < n; i++) if (r2c[i] >= 0) total -= cost[i * m + r2c[i]];
  }
  return total;
}

function div(a: number, b: number): number {
  return b === 0 ? (a === 0 ? NaN : Infinity) : a / b;
}

/** Object / hypothesis identifier (MOTChallenge ids are numbers; the accumulator also takes strings). */
export type TrackKey = number | string;

/** One accumulator event (motmetrics' mot_events rows other than RAW): what happened to an object / hypothesis on a frame. */
export interface MotEvent {
  frame: number;
  type: 'MATCH' | 'SWITCH' | 'MISS' | 'FP';
  /** Object (ground-truth) id; null for FP. */
  oid: TrackKey | null;
  /** Hypothesis id; null for MISS. */
  hid: TrackKey | null;
  /** SWITCH: the hypothesis the object was matched to before. */
  previousHid?: TrackKey;
}

/**
 * Frame-by-frame event accumulator — a port of py-motmetrics' `MOTAccumulator` (update semantics of
 * motmetrics >= 1.4, max_switch_time = ∞) plus the metrics `mh.compute` derives from its events.
 */
export class MotAccumulator {
  private readonly carryAny: boolean;
  private readonly m = new Map<TrackKey, TrackKey>(); // object → hypothesis (latest pairing)
  private readonly resM = new Map<TrackKey, TrackKey>(); // hypothesis → object
  private readonly lastOccurrence = new Map<TrackKey, number>();
  private readonly lastMatch = new Map<TrackKey, number>();
  private readonly hypHistory = new Map<TrackKey, number>();
  private lastUpdateFrame: number | null = null;
  private frames = 0;
  private nextAutoFrame = 0;
  private fp = 0;
  private fn = 0;
  private idsw = 0;
  private matches = 0;
  private transfer = 0;
  private ascend = 0;
  private migrate = 0;
  private sumD = 0;
  /** Per object: hit (1) / miss (0) per frame it appears in, in frame order. */
  private readonly objTrace = new Map<TrackKey, number[]>();
  private readonly oCount = new Map<TrackKey, number>();
  private readonly hCount = new Map<TrackKey, number>();
  private readonly tps = new Map<TrackKey, Map<TrackKey, number>>();

  /** Events of every update when constructed with `recordEvents` (otherwise null). */
  readonly events: MotEvent[] | null;

  constructor(options: { carryOver?: 'last-frame' | 'any'; recordEvents?: boolean } = {}) {
    this.carryAny = options.carryOver === 'any';
    this.events = options.recordEvents === true ? [] : null;
  }

  private trace(o: TrackKey, v: number): void {
    let tr = this.objTrace.get(o);
    if (tr === undefined) this.objTrace.set(o, (tr = []));
    tr.push(v);
  }

  /**
   * Adds one frame: object ids, hypothesis ids and their distances (flat row-major `oids.length x hids.length`
   * array, or an array of rows). NaN / ±Infinity mark pairs that may not match. `frameId` defaults to
   * the previous one + 1 (starting at 0); frames must be given in increasing order.
   */
  update(oids: readonly TrackKey[], hids: readonly TrackKey[], dists: ArrayLike<number> | ArrayLike<ArrayLike<number>>, frameId?: number): number {
    const frame = frameId ?? this.nextAutoFrame;
    this.nextAutoFrame = frame + 1;
    this.frames++;
    const no = oids.length, nh = hids.length;
    const d = new Float64Array(no * nh);
    const src = dists as ArrayLike<unknown>;
    for (let i = 0; i < no; i++) {
      const row = src[i];
      const nested = typeof row === 'object' && row !== null;
      for (let j = 0; j < nh; j++) {
        const v = nested ? (row as ArrayLike<unknown>)[j] : src[i * nh + j];
        d[i * nh + j] = typeof v === 'number' && Number.isFinite(v) ? v : NaN;
      }
    }

    // RAW-event counts for the identity metrics.
    const seenO = new Set<TrackKey>();
    for (const o of oids) if (!seenO.has(o)) (seenO.add(o), this.oCount.set(o, (this.oCount.get(o) ?? 0) + 1));
    const seenH = new Set<TrackKey>();
    for (const h of hids) if (!seenH.has(h)) (seenH.add(h), this.hCount.set(h, (this.hCount.get(h) ?? 0) + 1));
    for (let i = 0; i < no; i++) {
      for (let j = 0; j < nh; j++) {
        if (Number.isNaN(d[i * nh + j])) continue;
        let row = this.tps.get(oids[i]);
        if (row === undefined) this.tps.set(oids[i], (row = new Map<TrackKey, number>()));
        row.set(hids[j], (row.get(hids[j]) ?? 0) + 1);
      }
    }

    const oMasked = new Uint8Array(no);
    const hMasked = new Uint8Array(nh);
    if (no > 0 && nh > 0) {
      // 1. Keep correspondences of the last update that are still admissible.
      for (let i = 0; i < no; i++) {
        const o = oids[i];
        const hprev = this.m.get(o);
        if (hprev === undefined) continue;
        if (!this.carryAny && this.lastMatch.get(o) !== this.lastUpdateFrame) continue;
        let j = -1;
        for (let k = 0; k < nh; k++) {
          if (hMasked[k] === 0 && hids[k] === hprev) {
            j = k;
            break;
          }
        }
        if (j < 0) continue;
        const dist = d[i * nh + j];
        if (Number.isNaN(dist)) continue;
        oMasked[i] = 1;
        hMasked[j] = 1;
        this.m.set(o, hids[j]);
        this.lastMatch.set(o, frame);
        this.hypHistory.set(hids[j], frame);
        this.matches++;
        this.sumD += dist;
        this.trace(o, 1);
        this.events?.push({ frame, type: 'MATCH', oid: o, hid: hids[j] });
      }
      // 2. Maximum-cardinality, minimum-distance assignment of the rest.
      for (let i = 0; i < no; i++) if (oMasked[i] === 1) d.fill(NaN, i * nh, (i + 1) * nh);
      for (let j = 0; j < nh; j++) if (hMasked[j] === 1) for (let i = 0; i < no; i++) d[i * nh + j] = NaN;
      const a = assignMaxCardinality(d, no, nh);
      for (let i = 0; i < no; i++) {
        const j = a.rowToCol[i];
        if (j < 0) continue;
        const dist = d[i * nh + j];
        if (Number.isNaN(dist)) continue;
        const o = oids[i], h = hids[j];
        const prev = this.m.get(o);
        const isSwitch = prev !== undefined && prev !== h && this.lastOccurrence.has(o);
        if (isSwitch && !this.hypHistory.has(h)) this.ascend++;
        const prevO = this.resM.get(h);
        if (prevO !== undefined && prevO !== o) {
          if (!this.lastMatch.has(o)) this.migrate++;
          this.transfer++;
        }
        this.hypHistory.set(h, frame);
        this.lastMatch.set(o, frame);
        if (isSwitch) this.idsw++;
        else this.matches++;
        if (this.events !== null) {
          this.events.push(isSwitch ? { frame, type: 'SWITCH', oid: o, hid: h, previousHid: prev } : { frame, type: 'MATCH', oid: o, hid: h });
        }
        this.sumD += dist;
        oMasked[i] = 1;
        hMasked[j] = 1;
        this.m.set(o, h);
        this.resM.set(h, o);
        this.trace(o, 1);
      }
    }
    // 3. Misses, 4. false positives, 5. occurrences.
    for (let i = 0; i < no; i++) {
      if (oMasked[i] === 1) continue;
      this.fn++;
      this.trace(oids[i], 0);
      this.events?.push({ frame, type: 'MISS', oid: oids[i], hid: null });
    }
    for (let j = 0; j < nh; j++) {
      if (hMasked[j] !== 0) continue;
      this.fp++;
      this.events?.push({ frame, type: 'FP', oid: null, hid: hids[j] });
    }
    for (const o of oids) this.lastOccurrence.set(o, frame);
    this.lastUpdateFrame = frame;
    return frame;
  }

  /** The metrics of everything accumulated so far. */
  compute(): MotMetrics {
    const numDetections = this.matches + this.idsw;
    const numGt = numDetections + this.fn;
    const numHyp = numDetections + this.fp;
    let gtTotal = 0;
    for (const c of this.oCount.values()) gtTotal += c;
    let hypTotal = 0;
    for (const c of this.hCount.values()) hypTotal += c;
    const idtp = maxWeightMatching(this.tps);
    let mt = 0, pt = 0, ml = 0, frag = 0;
    for (const tr of this.objTrace.values()) {
      let hits = 0;
      for (const v of tr) hits += v;
      const ratio = hits / tr.length;
      if (ratio >= 0.8) mt++;
      else if (ratio >= 0.2) pt++;
      else ml++;
      const first = tr.indexOf(1);
      const last = tr.lastIndexOf(1);
      for (let k = Math.max(first, 0) + 1; k <= last; k++) if (tr[k] === 0 && tr[k - 1] === 1) frag++;
    }
    return {
      mota: 1 - div(this.fn + this.idsw + this.fp, numGt),
      motp: div(this.sumD, numDetections),
      idf1: div(2 * idtp, gtTotal + hypTotal),
      idp: div(idtp, hypTotal),
      idr: div(idtp, gtTotal),
      idtp,
      idfp: hypTotal - idtp,
      idfn: gtTotal - idtp,
      precision: div(numDetections, numDetections + this.fp),
      recall: div(numDetections, numGt),
      fp: this.fp,
      fn: this.fn,
      idsw: this.idsw,
      numMatches: this.matches,
      numDetections,
      numTransfer: this.transfer,
      numAscend: this.ascend,
      numMigrate: this.migrate,
      numGt,
      numHyp,
      numFrames: this.frames,
      numUniqueGt: this.oCount.size,
      numUniqueHyp: this.hCount.size,
      mostlyTracked: mt,
      partiallyTracked: pt,
      mostlyLost: ml,
      fragmentations: frag,
    };
  }
}

/** Evaluates a hypothesis (tracker output) against ground truth; both as parsed rows or MOTChallenge text. */
export function evaluateMot(gtIn: readonly MotRow[] | string, hypIn: readonly MotRow[] | string, options: EvaluateOptions = {}): MotMetrics {
  return accumulateMot(gtIn, hypIn, options).compute();
}

/** The accumulator evaluateMot computes its metrics from (`recordEvents`: keep the per-frame events). */
export function accumulateMot(
  gtIn: readonly MotRow[] | string,
  hypIn: readonly MotRow[] | string,
  options: EvaluateOptions & { recordEvents?: boolean } = {},
): MotAccumulator {
  const maxDistance = options.maxDistance ?? 0.5;
  let gt = typeof gtIn === 'string' ? parseMot(gtIn) : gtIn;
  let hyp = typeof hypIn === 'string' ? parseMot(hypIn) : hypIn;
  if (options.gtFilter === 'mot15') gt = gt.filter((r) => r.conf >= 1);
  if (options.gtFilter === 'mot16') {
    hyp = removeDistractorMatches(gt, hyp).kept;
    gt = gt.filter((r) => r.conf !== 0 && r.classId === 1);
  }
  const gtBy = groupByFrame(gt);
  const hypBy = groupByFrame(hyp);
  const frames = [...new Set([...gtBy.keys(), ...hypBy.keys()])].sort((a, b) => a - b);
  const acc = new MotAccumulator({ carryOver: options.carryOver, recordEvents: options.recordEvents });
  for (const frame of frames) {
    const g = gtBy.get(frame) ?? [];
    const h = hypBy.get(frame) ?? [];
    const dist = g.length > 0 && h.length > 0 ? distanceMatrix(g, h, maxDistance) : new Float64Array(0);
    acc.update(g.map((r) => r.id), h.map((r) => r.id), dist, frame);
  }
  return acc;
}

/** MOT16/17 ground-truth classes whose matched hypotheses the MOTChallenge devkit removes (MOT20 adds 6). */
export const MOT16_DISTRACTOR_CLASSES: readonly number[] = [2, 7, 8, 12];

/**
 * The MOTChallenge devkit's preprocessing of a MOT16/17 result (see the module comment): per frame, a maximum
 * total IoU assignment of hypotheses to every ground-truth box, over pairs with IoU >= 0.5 (TrackEval: Hungarian
 * on −IoU with the others zeroed); hypotheses matched to a box of a distractor class are removed.
 */
export function removeDistractorMatches(
  gt: readonly MotRow[],
  hyp: readonly MotRow[],
  distractors: readonly number[] = MOT16_DISTRACTOR_CLASSES,
): { kept: MotRow[]; removed: MotRow[] } {
  const gtBy = groupByFrame(gt);
  const drop = new Set<MotRow>();
  for (const [frame, h] of groupByFrame(hyp)) {
    const g = gtBy.get(frame);
    if (g === undefined || !g.some((r) => distractors.includes(r.classId))) continue;
    const dist = distanceMatrix(g, h, 0.5);
    const negIou = new Float64Array(dist.length);
    for (let k = 0; k < dist.length; k++) negIou[k] = Number.isNaN(dist[k]) ? 0 : -(1 - dist[k]);
    const gToH = solveAssignment(negIou, g.length, h.length);
    for (let i = 0; i < g.length; i++) {
      const j = gToH[i];
      if (j >= 0 && !Number.isNaN(dist[i * h.length + j]) && distractors.includes(g[i].classId)) drop.add(h[j]);
    }
  }
  const kept: MotRow[] = [];
  const removed: MotRow[] = [];
  for (const r of hyp) (drop.has(r) ? removed : kept).push(r);
  return { kept, removed };
}
