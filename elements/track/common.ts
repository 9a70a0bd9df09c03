/**
 * Machinery shared by the trackers: parameter resolution, input validation, id allocation, frame stepping,
 * IoU association and output assembly. Internal to elements/track (import the trackers through index.ts).
 */
import type { Box, Detection } from 'tsvision';
import { assignSparseWithLimit } from './assignment.js';
import { createOverlapPairs, overlapPairsLtrb } from './iou.js';
import { kalmanPredict, kalmanWarp, warpBox, type KalmanState, type MotionModel, type Similarity } from './kalman.js';
import {
  TRACKER_DEFAULTS,
  type FilledBox,
  type TrackEvent,
  type Tracker,
  type TrackerKind,
  type TrackerOutput,
  type TrackerParams,
} from './types.js';

// Scratch buffers reused across associate() calls (never retained past a call).
let scratchA = new Float64Array(64);
let scratchB = new Float64Array(64);
let scratchConf = new Float64Array(16);
let scratchCls = new Float64Array(16);
const scratchPairs = createOverlapPairs(256);

/** Largest number of predict steps applied for one frame jump (tracks are long expired by then). */
const MAX_STEPS = 1000;

function num(v: unknown, fallback: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
}

/**
 * Merges `params` over TRACKER_DEFAULTS (or another base), ignoring non-numeric / non-finite values and clamping
 * to sane ranges, so the result is always usable. Never throws.
 */
export function resolveParams(params: Partial<TrackerParams> | undefined, base: Readonly<TrackerParams> = TRACKER_DEFAULTS): TrackerParams {
  const p: Partial<TrackerParams> = params ?? {};
  return {
    highThreshold: num(p.highThreshold, base.highThreshold, -Number.MAX_VALUE, Number.MAX_VALUE),
    lowThreshold: num(p.lowThreshold, base.lowThreshold, -Number.MAX_VALUE, Number.MAX_VALUE),
    newTrackThreshold: num(p.newTrackThreshold, base.newTrackThreshold, -Number.MAX_VALUE, Number.MAX_VALUE),
    matchThreshold: num(p.matchThreshold, base.matchThreshold, 0, 1),
    maxLostFrames: Math.round(num(p.maxLostFrames, base.maxLostFrames, 0, 1e6)),
    minHits: Math.round(num(p.minHits, base.minHits, 1, 1e6)),
    perClass: typeof p.perClass === 'boolean' ? p.perClass : base.perClass,
    fuseScore: typeof p.fuseScore === 'boolean' ? p.fuseScore : base.fuseScore,
    lostMatchThreshold: num(p.lostMatchThreshold, base.lostMatchThreshold, 0, 1),
    // A ratio: 0 (off) or >= 1.
    maxHeightChange: ((v) => (v > 0 && v < 1 ? 1 : v))(num(p.maxHeightChange, base.maxHeightChange, 0, 1e6)),
    fillGaps: Math.round(num(p.fillGaps, base.fillGaps, 0, 1e6)),
    appearance: p.appearance === 'off' || p.appearance === 'auto' ? p.appearance : base.appearance,
    appearanceThreshold: num(p.appearanceThreshold, base.appearanceThreshold, -1, 1),
    appearanceMomentum: num(p.appearanceMomentum, base.appearanceMomentum, 0, 1),
  };
}

/** A detection is usable when its box and confidence are finite and its size is positive. */
export function isValidDetection(d: Detection): boolean {
  const b = d.box;
  return (
    b !== null &&
    typeof b === 'object' &&
    Number.isFinite(b.x) &&
    Number.isFinite(b.y) &&
    Number.isFinite(b.width) &&
    Number.isFinite(b.height) &&
    b.width > 0 &&
    b.height > 0 &&
    Number.isFinite(d.confidence)
  );
}

export type TrackStatus = 'tentative' | 'tracked' | 'lost';

/** One track. `kf` is null for the motion-less IoU tracker. */
export interface TrackRecord {
  id: number | null;
  status: TrackStatus;
  kf: KalmanState | null;
  /** Last detection box the track was matched to (carried along when the camera moves). */
  lastBox: Box;
  /** The same box as it was on its own frame (not carried): where gap filling starts. */
  matchBox: Box;
  label: string;
  classId: number;
  confidence: number;
  maxConfidence: number;
  /** Matched detections in total (including the creating one). */
  hits: number;
  /** SORT-style streak: matched updates since creation / since the last miss (the creating detection is not counted). */
  streak: number;
  startFrame: number;
  lastMatchFrame: number;
  /** Frames (update calls) this confirmed track was missed on since its last match, while a fillable gap (at most fillGaps). */
  missedFrames: number[];
  /** Appearance memory: the moving average of its objects' embeddings (unit length), or null. */
  feature: Float32Array | null;
}

/**
 * An object's re-identification embedding: the first of its classifications that has one (tsclassify
 * output-type=embedding writes it there, hooks may too), at unit length; null when none (or a zero vector).
 */
export function embeddingOf(d: Detection): Float32Array | null {
  for (const c of d.classifications ?? []) {
    const e = c.embedding;
    if (!(e instanceof Float32Array) || e.length === 0) continue;
    let n = 0;
    for (let i = 0; i < e.length; i++) n += e[i] * e[i];
    if (!(n > 0) || !Number.isFinite(n)) return null;
    if (Math.abs(n - 1) < 1e-4) return e;
    const out = new Float32Array(e.length);
    const s = 1 / Math.sqrt(n);
    for (let i = 0; i < e.length; i++) out[i] = e[i] * s;
    return out;
  }
  return null;
}

function copyOf(e: Float32Array | null): Float32Array | null {
  return e ? Float32Array.from(e) : null; // the memory is updated in place: never the detection's own array
}

/** Cosine similarity of two unit vectors (NaN when their lengths differ: different models). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return NaN;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += a[i] * b[i];
  return v;
}

export interface Association {
  /** Pairs as (index into the given track list, index into the given detection list). */
  trackOf: Int32Array;
  /** For each detection of the given list: matched track position or −1. */
  detOf: Int32Array;
}

function cloneBox(b: Box): Box {
  return { x: b.x, y: b.y, width: b.width, height: b.height };
}

/** The box a fraction `a` of the way from `from` to `to` (each coordinate linearly). */
function lerpBox(from: Box, to: Box, a: number): Box {
  return {
    x: from.x + a * (to.x - from.x),
    y: from.y + a * (to.y - from.y),
    width: from.width + a * (to.width - from.width),
    height: from.height + a * (to.height - from.height),
  };
}

/** Appearance lowers an association cost only between boxes overlapping this much (BoT-SORT's proximity 0.5). */
export const APPEARANCE_MIN_IOU = 0.5;

export abstract class BaseTracker implements Tracker {
  abstract readonly kind: TrackerKind;
  readonly params: Readonly<TrackerParams>;
  protected tracks: TrackRecord[] = [];
  protected nextId = 1;
  /** Frame index of the last update / predictOnly, or null before the first call. */
  protected frame: number | null = null;
  /** Number of update() calls (1-based once the first call started). */
  protected updates = 0;
  private rejectedTotal = 0;
  /** Gap boxes filled in during the current update (see recordHit). */
  private filled: FilledBox[] = [];
  protected readonly model: MotionModel | null;

  constructor(params: Partial<TrackerParams> | undefined, model: MotionModel | null, base?: Readonly<TrackerParams>) {
    this.params = Object.freeze(resolveParams(params, base));
    this.model = model;
  }

  get rejectedCount(): number {
    return this.rejectedTotal;
  }

  get liveTrackCount(): number {
    return this.tracks.length;
  }

  reset(): void {
    this.tracks = [];
    this.frame = null;
    this.updates = 0;
    this.rejectedTotal = 0;
  }

  /** True while tracks are confirmed without waiting for minHits (the first minHits − 1 updates, as SORT / ByteTrack do at stream start). */
  protected inWarmup(): boolean {
    return this.updates < this.params.minHits;
  }

  /** Number of frames from the previous call to `frameIndex` (1 for the first call or a non-increasing index). */
  protected stepsTo(frameIndex: number): number {
    if (this.frame === null || !Number.isFinite(frameIndex) || frameIndex <= this.frame) return 1;
    return Math.min(MAX_STEPS, Math.round(frameIndex - this.frame)) || 1;
  }

  /** Advances every track's motion state by `steps` frames. Overridable for kind-specific bookkeeping. */
  protected predictTrack(t: TrackRecord, steps: number): void {
    if (t.kf !== null && this.model !== null) kalmanPredict(this.model, t.kf, steps);
  }

  /** The box a track is associated with on this frame (prediction, or the last box without a motion model). */
  protected currentBox(t: TrackRecord): Box {
    return t.kf !== null && this.model !== null ? this.model.box(t.kf.mean) : t.lastBox;
  }

  protected advance(frameIndex: number): void {
    this.filled = [];
    const steps = this.stepsTo(frameIndex);
    for (const t of this.tracks) this.predictTrack(t, steps);
    // Non-finite or non-increasing indices never move time backwards: they count as the next frame.
    const next = Number.isFinite(frameIndex) ? frameIndex : (this.frame ?? -1) + 1;
    this.frame = this.frame === null || next > this.frame ? next : this.frame + 1;
  }

  /** Splits input into valid detection indices, counting rejected ones. */
  protected validate(detections: readonly Detection[]): { valid: number[]; rejected: number } {
    const valid: number[] = [];
    let rejected = 0;
    for (let i = 0; i < detections.length; i++) {
      const d = detections[i];
      if (d !== null && typeof d === 'object' && isValidDetection(d)) valid.push(i);
      else rejected++;
    }
    this.rejectedTotal += rejected;
    return { valid, rejected };
  }

  protected newTrack(d: Detection, kf: KalmanState | null): TrackRecord {
    const t: TrackRecord = {
      id: null,
      status: 'tentative',
      kf,
      lastBox: cloneBox(d.box),
      matchBox: cloneBox(d.box),
      label: d.label,
      classId: d.classId,
      confidence: d.confidence,
      maxConfidence: d.confidence,
      hits: 1,
      streak: 0,
      startFrame: this.frame ?? 0,
      lastMatchFrame: this.frame ?? 0,
      missedFrames: [],
      feature: this.params.appearance === 'off' ? null : copyOf(embeddingOf(d)),
    };
    this.tracks.push(t);
    return t;
  }

  /** Records a match of `t` with `d` (the motion update is the caller's). */
  protected recordHit(t: TrackRecord, d: Detection): void {
    if (t.id !== null && t.missedFrames.length > 0) this.fillGap(t, d);
    t.lastBox = cloneBox(d.box);
    t.matchBox = cloneBox(d.box);
    t.label = d.label;
    t.classId = d.classId;
    t.confidence = d.confidence;
    if (d.confidence > t.maxConfidence) t.maxConfidence = d.confidence;
    t.hits++;
    t.streak++;
    t.lastMatchFrame = this.frame ?? 0;
    if (this.params.appearance !== 'off') this.remember(t, d);
  }

  /** The track's appearance memory takes in the detection's embedding (an exponential moving average, re-normalised). */
  private remember(t: TrackRecord, d: Detection): void {
    const e = embeddingOf(d);
    if (!e) return;
    const f = t.feature;
    if (!f || f.length !== e.length) {
      t.feature = Float32Array.from(e);
      return;
    }
    const m = this.params.appearanceMomentum;
    let n = 0;
    for (let i = 0; i < f.length; i++) {
      f[i] = m * f[i] + (1 - m) * e[i];
      n += f[i] * f[i];
    }
    const s = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let i = 0; i < f.length; i++) f[i] *= s;
  }

  /**
   * Appearance similarity of a track and a detection embedding (cosine), or NaN when either has none or
   * appearance is off.
   */
  protected similarity(t: TrackRecord, e: Float32Array | null): number {
    return t.feature && e ? cosine(t.feature, e) : NaN;
  }

  /**
   * A confirmed track missed on some frames is matched again: its boxes on those frames are interpolated between
   * the last detection before the gap and `d` (when the gap is at most fillGaps frames; longer ones stay empty).
   */
  private fillGap(t: TrackRecord, d: Detection): void {
    const f = this.frame ?? 0;
    const span = f - t.lastMatchFrame;
    if (t.id !== null && span - 1 <= this.params.fillGaps) {
      const confidence = Math.min(t.confidence, d.confidence);
      for (const m of t.missedFrames) {
        // From the box on its own frame to this one (each in its frame's pixels, also when the camera moved).
        const box = lerpBox(t.matchBox, d.box, (m - t.lastMatchFrame) / span);
        this.filled.push({ frameIndex: m, trackId: t.id, box, label: d.label, classId: d.classId, confidence });
      }
    }
    t.missedFrames = [];
  }

  protected confirm(t: TrackRecord, events: TrackEvent[]): void {
    if (t.id !== null) return;
    t.id = this.nextId++;
    t.status = 'tracked';
    events.push({ type: 'track-started', trackId: t.id, frameIndex: this.frame ?? 0, label: t.label, box: cloneBox(t.lastBox) });
  }

  /** Removes tracks for which `drop` is true; confirmed ones produce 'track-lost'. */
  protected removeWhere(drop: (t: TrackRecord) => boolean, events: TrackEvent[]): void {
    const keep: TrackRecord[] = [];
    for (const t of this.tracks) {
      if (!drop(t)) {
        keep.push(t);
        continue;
      }
      if (t.id !== null) {
        events.push({ type: 'track-lost', trackId: t.id, frameIndex: this.frame ?? 0, label: t.label, box: cloneBox(t.lastBox) });
      }
    }
    this.tracks = keep;
  }

  /** Drops confirmed tracks unmatched for more than maxLostFrames frames. */
  protected expire(events: TrackEvent[]): void {
    const f = this.frame ?? 0;
    const max = this.params.maxLostFrames;
    this.removeWhere((t) => f - t.lastMatchFrame > max, events);
  }

  protected predictedDetection(t: TrackRecord): Detection {
    return {
      box: this.currentBox(t),
      label: t.label,
      classId: t.classId,
      confidence: t.confidence,
      trackId: t.id,
      predicted: true,
    };
  }

  /**
   * IoU association of tracks (their current boxes) with detections: a pair is admissible when IoU > 0 and
   * IoU (× detection confidence when `fuse`) >= minIou, and, with perClass, the classes agree, and (when
   * `maxHeightRatio` > 0) the detection's height is within a factor `maxHeightRatio` of the track box's height.
   * Optimal (Hungarian) under ByteTrack's cost-limit objective.
   */
  protected associate(
    tracks: readonly TrackRecord[],
    dets: readonly Detection[],
    minIou: number,
    fuse: boolean,
    maxHeightRatio = 0,
  ): Association {
    const nt = tracks.length, nd = dets.length;
    const trackOf = new Int32Array(nd).fill(-1);
    const detOf = new Int32Array(nt).fill(-1);
    if (nt === 0 || nd === 0) return { trackOf, detOf: detOf };
    if (scratchA.length < nt * 4) scratchA = new Float64Array(Math.max(nt * 4, scratchA.length * 2));
    if (scratchB.length < nd * 4) scratchB = new Float64Array(Math.max(nd * 4, scratchB.length * 2));
    if (scratchConf.length < nd) {
      scratchConf = new Float64Array(Math.max(nd, scratchConf.length * 2));
      scratchCls = new Float64Array(scratchConf.length);
    }
    const a = scratchA, bb = scratchB, conf = scratchConf, cls = scratchCls;
    const model = this.model;
    for (let i = 0; i < nt; i++) {
      const t = tracks[i];
      if (t.kf !== null && model !== null) {
        model.ltrbInto(t.kf.mean, a, i);
      } else {
        const b = t.lastBox;
        a[i * 4] = b.x;
        a[i * 4 + 1] = b.y;
        a[i * 4 + 2] = b.x + b.width;
        a[i * 4 + 3] = b.y + b.height;
      }
    }
    for (let j = 0; j < nd; j++) {
      const d = dets[j];
      const b = d.box;
      bb[j * 4] = b.x;
      bb[j * 4 + 1] = b.y;
      bb[j * 4 + 2] = b.x + b.width;
      bb[j * 4 + 3] = b.y + b.height;
      conf[j] = fuse ? Math.min(1, Math.max(0, d.confidence)) : 1;
      cls[j] = d.classId;
    }
    const pairs = overlapPairsLtrb(a, nt, bb, nd, scratchPairs);
    const perClass = this.params.perClass;
    const limit = 1 - minIou;
    const pc = pairs.count, pi = pairs.i, pj = pairs.j, pv = pairs.iou;
    // Appearance (when tracks and detections carry embeddings): BoT-SORT's fusion — among pairs whose boxes
    // overlap by IoU >= APPEARANCE_MIN_IOU, the cost is the smaller of the IoU cost and the cosine distance when
    // they look alike; a lost track cannot be taken by an object that looks like someone else.
    const embeddings = this.params.appearance === 'off' ? null : dets.map(embeddingOf);
    const threshold = this.params.appearanceThreshold;
    for (let k = 0; k < pc; k++) {
      const j = pj[k];
      const t = tracks[pi[k]];
      const overlap = pv[k];
      pv[k] = !perClass || cls[j] === t.classId ? 1 - overlap * conf[j] : NaN;
      if (maxHeightRatio > 0) {
        const i4 = pi[k] * 4;
        const r = (bb[j * 4 + 3] - bb[j * 4 + 1]) / (a[i4 + 3] - a[i4 + 1]);
        if (!(r <= maxHeightRatio && r * maxHeightRatio >= 1)) pv[k] = NaN;
      }
      if (embeddings && !Number.isNaN(pv[k])) {
        const sim = this.similarity(t, embeddings[j]);
        if (sim < threshold && t.status === 'lost') pv[k] = NaN;
        else if (sim >= threshold && overlap >= APPEARANCE_MIN_IOU) pv[k] = Math.min(pv[k], 1 - sim);
      }
    }
    const m = assignSparseWithLimit(nt, nd, pi, pj, pv, pc, limit);
    for (let i = 0; i < nt; i++) {
      const j = m.rowToCol[i];
      if (j >= 0) {
        detOf[i] = j;
        trackOf[j] = i;
      }
    }
    return { trackOf, detOf };
  }

  /** Builds the output; `assigned[k]` is the track of input detection k (or null). */
  protected output(
    n: number,
    assigned: (TrackRecord | null)[],
    matchedThisFrame: Set<TrackRecord>,
    events: TrackEvent[],
    rejected: number,
    showId: (t: TrackRecord) => boolean = (t) => t.id !== null,
  ): TrackerOutput {
    const ids: (number | null)[] = new Array<number | null>(n).fill(null);
    const trackBoxes: (Box | null)[] = new Array<Box | null>(n).fill(null);
    for (let k = 0; k < n; k++) {
      const t = assigned[k];
      if (t !== null && t.id !== null && showId(t)) {
        ids[k] = t.id;
        trackBoxes[k] = this.currentBox(t);
      }
    }
    const predicted: Detection[] = [];
    const predictedAge: number[] = [];
    const f = this.frame ?? 0;
    const fillGaps = this.params.fillGaps;
    for (const t of this.tracks) {
      if (t.id === null || matchedThisFrame.has(t)) continue;
      predicted.push(this.predictedDetection(t));
      predictedAge.push(f - t.lastMatchFrame);
      if (f - t.lastMatchFrame <= fillGaps) t.missedFrames.push(f);
    }
    return { ids, trackBoxes, predicted, predictedAge, events, filled: this.filled, rejected };
  }

  abstract update(detections: readonly Detection[], frameIndex: number): TrackerOutput;

  compensate(motion: Similarity): void {
    for (const t of this.tracks) {
      if (t.kf && this.model) kalmanWarp(this.model, t.kf, motion);
      t.lastBox = warpBox(t.lastBox, motion);
    }
  }

  predictOnly(frameIndex: number): TrackerOutput {
    const events: TrackEvent[] = [];
    this.advance(frameIndex);
    this.afterPredictOnly();
    this.expire(events);
    const predicted: Detection[] = [];
    const predictedAge: number[] = [];
    const f = this.frame ?? 0;
    for (const t of this.tracks) {
      if (t.id === null) continue;
      predicted.push(this.predictedDetection(t));
      predictedAge.push(f - t.lastMatchFrame);
    }
    return { ids: [], trackBoxes: [], predicted, predictedAge, events, filled: [], rejected: 0 };
  }

  /** Kind-specific bookkeeping after a predict-only advance. */
  protected afterPredictOnly(): void {}
}
