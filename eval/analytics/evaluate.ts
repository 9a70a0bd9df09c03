/**
 * tsanalytics' accuracy on MOTChallenge sequences with ground truth.
 *
 * Truth: the ground-truth trajectories (every annotated box of every identity; MOT16: pedestrians to consider),
 * smoothed over 0.4 s (a centred moving average per identity: hand-drawn boxes wobble too, and a foot point that
 * wobbles along a line is not someone crossing it), run through the rule engine as a naive counter (min-frames 1,
 * min-distance 0: a crossing is any move of the anchor across the line; an entry any move into the zone).
 * Occupancy truth: per frame, the (smoothed) annotated objects whose anchor is inside the zone.
 *
 * Prediction: the tracker's output on the sequence's public detections (what tstrack writes; fill-gaps boxes on
 * the frames they belong to), through the engine with the parameters under test.
 *
 * Errors: per line and direction |predicted − true| crossings, summed over lines and directions and divided by
 * the true total (the "total crossing-count error"); the same for zone entries; occupancy mean absolute error
 * per frame and zone.
 *
 * Ceiling: oracleIdentities() gives each detection the identity of the annotated person it covers — a tracker
 * that never loses, swaps or invents an identity on these detections. What it still gets wrong is the
 * detections' share of the error (people missed, boxes that do not cover their person); the rest of a real
 * tracker's error is the tracker's.
 */
import type { AnalyticsParams } from 'tsvision';
import { AnalyticsEngine, ANALYTICS_DEFAULTS, type AnalyticsObject } from '../../elements/analytics/engine.js';
import { parseRules, type Rules } from '../../elements/analytics/rules.js';
import { iou } from '../../elements/track/iou.js';
import type { MotRow } from '../mot/metrics.js';

/**
 * The rules every sequence is scored with, in fractions of the frame (so the same rules fit every resolution):
 * two vertical lines (people walking across the view), two horizontal ones (towards or away from the camera),
 * a diagonal one, and three zones. Fixed before looking at any count; defaults are chosen on the average over
 * all sequences.
 */
export const EVAL_RULES: Rules = parseRules(
  JSON.stringify({
    units: 'normalized',
    lines: [
      { name: 'vertical-middle', points: [[0.5, 0.02], [0.5, 0.98]] },
      { name: 'vertical-third', points: [[0.33, 0.02], [0.33, 0.98]] },
      { name: 'horizontal-low', points: [[0.02, 0.8], [0.98, 0.8]] },
      { name: 'horizontal-middle', points: [[0.02, 0.6], [0.98, 0.6]] },
      { name: 'diagonal', points: [[0.15, 0.35], [0.85, 0.95]] },
    ],
    zones: [
      { name: 'centre', points: [[0.3, 0.35], [0.7, 0.35], [0.7, 0.95], [0.3, 0.95]] },
      { name: 'right', points: [[0.62, 0.2], [0.98, 0.2], [0.98, 0.98], [0.62, 0.98]] },
      { name: 'triangle', points: [[0.05, 0.98], [0.45, 0.4], [0.6, 0.98]] },
    ],
  }),
  { source: 'eval/analytics/evaluate.ts EVAL_RULES' },
);

export const NAIVE_PARAMS: Readonly<AnalyticsParams> = Object.freeze({ ...ANALYTICS_DEFAULTS, minFrames: 1, minDistance: 0, anchorHeightFrames: 0 });

/**
 * Perfect identities for detection rows: per frame, detections and annotated boxes paired greedily by IoU
 * (highest first, IoU ≥ 0.5, each once); a paired detection keeps its box and takes the person's id,
 * unpaired ones (false detections) are dropped. `box: 'annotation'`: each paired person's annotated box instead
 * (the people the detections find, where they are: what the detections' boxes, as against their misses, cost).
 */
export function oracleIdentities(detections: readonly MotRow[], truth: readonly MotRow[], box: 'detection' | 'annotation' = 'detection'): MotRow[] {
  const byFrame = <T extends MotRow>(rows: readonly T[]) => {
    const m = new Map<number, T[]>();
    for (const r of rows) (m.get(r.frame) ?? m.set(r.frame, []).get(r.frame)!).push(r);
    return m;
  };
  const truthByFrame = byFrame(truth);
  const out: MotRow[] = [];
  for (const [frame, dets] of byFrame(detections)) {
    const people = truthByFrame.get(frame) ?? [];
    const pairs: [number, number, number][] = [];
    dets.forEach((d, i) =>
      people.forEach((g, j) => {
        const overlap = iou(d, g);
        if (overlap >= 0.5) pairs.push([overlap, i, j]);
      }),
    );
    pairs.sort((a, b) => b[0] - a[0]);
    const usedDet = new Set<number>(), usedPerson = new Set<number>();
    for (const [, i, j] of pairs) {
      if (usedDet.has(i) || usedPerson.has(j)) continue;
      usedDet.add(i);
      usedPerson.add(j);
      out.push(box === 'detection' ? { ...dets[i], id: people[j].id } : { ...people[j] });
    }
  }
  return out.sort((a, b) => a.frame - b.frame || a.id - b.id);
}

export interface SequenceCounts {
  /** `line:direction` → crossings. */
  crossings: Map<string, number>;
  /** zone → entries. */
  entries: Map<string, number>;
  /** Per frame (1-based MOT frame − 1) and zone: occupancy. */
  occupancy: Map<string, number[]>;
}

/** Centred moving average of each identity's boxes over `window` frames (rows of frames within the window). */
export function smoothTrajectories(rows: readonly MotRow[], window: number): MotRow[] {
  const half = Math.floor(window / 2);
  const byId = new Map<number, MotRow[]>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const out: MotRow[] = [];
  for (const track of byId.values()) {
    track.sort((a, b) => a.frame - b.frame);
    for (let i = 0; i < track.length; i++) {
      let x = 0, y = 0, w = 0, h = 0, n = 0;
      for (let j = i; j >= 0 && track[i].frame - track[j].frame <= half; j--) ((x += track[j].x), (y += track[j].y), (w += track[j].width), (h += track[j].height), n++);
      for (let j = i + 1; j < track.length && track[j].frame - track[i].frame <= half; j++) ((x += track[j].x), (y += track[j].y), (w += track[j].width), (h += track[j].height), n++);
      out.push({ ...track[i], x: x / n, y: y / n, width: w / n, height: h / n });
    }
  }
  return out.sort((a, b) => a.frame - b.frame || a.id - b.id);
}

/** Runs the engine over MOT rows (frame-ordered per identity): counts, entries and per-frame occupancy. */
export function countRows(
  rows: readonly MotRow[],
  numFrames: number,
  size: { width: number; height: number },
  params: Readonly<AnalyticsParams>,
  rules: Rules = EVAL_RULES,
  fps = 25,
): SequenceCounts {
  const byFrame = new Map<number, AnalyticsObject[]>();
  for (const r of rows) {
    const list = byFrame.get(r.frame) ?? [];
    list.push({ trackId: r.id, label: 'person', box: { x: r.x, y: r.y, width: r.width, height: r.height } });
    byFrame.set(r.frame, list);
  }
  const engine = new AnalyticsEngine(rules, params);
  const crossings = new Map<string, number>();
  const entries = new Map<string, number>();
  const occupancy = new Map<string, number[]>(rules.zones.map((z) => [z.name, new Array<number>(numFrames).fill(0)]));
  for (const l of rules.lines) for (const d of ['in', 'out']) crossings.set(`${l.name}:${d}`, 0);
  for (const z of rules.zones) entries.set(z.name, 0);
  for (let f = 1; f <= numFrames; f++) {
    const r = engine.update({
      index: f - 1,
      pts: null,
      time: (f - 1) / fps,
      frameDuration: 1 / fps,
      width: size.width,
      height: size.height,
      objects: byFrame.get(f) ?? [],
    });
    for (const e of r.events) {
      if (e.type === 'line-crossed') crossings.set(`${e.line}:${e.direction}`, crossings.get(`${e.line}:${e.direction}`)! + 1);
      else if (e.type === 'zone-entered') entries.set(e.zone, entries.get(e.zone)! + 1);
    }
    for (const z of rules.zones) occupancy.get(z.name)![f - 1] = r.counts.zones[z.name].occupancy;
  }
  return { crossings, entries, occupancy };
}

export interface SequenceErrors {
  trueCrossings: number;
  crossingError: number;
  trueEntries: number;
  entryError: number;
  occupancyMae: number;
  /** `line:direction` → [true, predicted]. */
  perLine: Map<string, [number, number]>;
}

export function compare(truth: SequenceCounts, predicted: SequenceCounts): SequenceErrors {
  let trueCrossings = 0;
  let crossingError = 0;
  const perLine = new Map<string, [number, number]>();
  for (const [key, t] of truth.crossings) {
    const p = predicted.crossings.get(key) ?? 0;
    trueCrossings += t;
    crossingError += Math.abs(p - t);
    perLine.set(key, [t, p]);
  }
  let trueEntries = 0;
  let entryError = 0;
  for (const [zone, t] of truth.entries) {
    trueEntries += t;
    entryError += Math.abs((predicted.entries.get(zone) ?? 0) - t);
  }
  let sum = 0;
  let n = 0;
  for (const [zone, t] of truth.occupancy) {
    const p = predicted.occupancy.get(zone)!;
    for (let i = 0; i < t.length; i++) {
      sum += Math.abs(p[i] - t[i]);
      n++;
    }
  }
  return { trueCrossings, crossingError, trueEntries, entryError, occupancyMae: n > 0 ? sum / n : 0, perLine };
}

/** The counts of a tsexport JSON Lines file written after tsanalytics (its per-frame events and counts). */
export function countsFromJsonl(jsonl: string, numFrames: number, rules: Rules = EVAL_RULES): SequenceCounts {
  const crossings = new Map<string, number>();
  const entries = new Map<string, number>();
  const occupancy = new Map<string, number[]>(rules.zones.map((z) => [z.name, new Array<number>(numFrames).fill(0)]));
  for (const l of rules.lines) for (const d of ['in', 'out']) crossings.set(`${l.name}:${d}`, 0);
  for (const z of rules.zones) entries.set(z.name, 0);
  for (const text of jsonl.split('\n')) {
    if (text.trim() === '') continue;
    const line = JSON.parse(text) as {
      frame: number;
      events: { type: string; line?: string; zone?: string; direction?: string }[];
      counts: { zones: Record<string, { occupancy: number }> };
    };
    for (const e of line.events) {
      if (e.type === 'line-crossed') crossings.set(`${e.line}:${e.direction}`, (crossings.get(`${e.line}:${e.direction}`) ?? 0) + 1);
      else if (e.type === 'zone-entered') entries.set(e.zone!, (entries.get(e.zone!) ?? 0) + 1);
    }
    if (line.frame < numFrames) for (const [zone, z] of Object.entries(line.counts.zones)) occupancy.get(zone)![line.frame] = z.occupancy;
  }
  return { crossings, entries, occupancy };
}
