/**
 * tsanalytics' rule evaluation on tracked objects, frame by frame: line crossings, zone entries and exits,
 * dwell, occupancy (overcrowded / cleared) and each object's motion. Pure TypeScript, no GStreamer.
 *
 * Correctness under jitter: each track keeps, per line, the side it is *settled* on and, per zone, whether it
 * is settled inside. Its anchor changes side only by a move that crosses the line itself (not around its end),
 * and a change is confirmed — counted, and the new side settled — once the anchor has been `minDistance`
 * pixels past the line (or the zone edge) and has stayed on the new side `minFrames` observations in a row. A
 * box that flickers across the line returns to its settled side before that and counts nothing; a track that
 * comes back across counts the other direction. Objects without a track id cannot be followed and are ignored;
 * predicted boxes count only with `countPredicted`. Past-frame objects (tstrack fill-gaps, reported on the
 * buffer that re-found their track) are observed before the frame's own objects, oldest first, so each track's
 * observations stay in time order and nothing counts twice.
 *
 * Cost: a track keeps state only for the rules it is near (a move whose bounds meet the line's, a point in the
 * zone's bounds) or still busy with (a pending change, inside a zone); a grid over the frame (grid.ts) finds the
 * rules near each move, so an object far from every rule costs a grid lookup. A line's side is taken afresh
 * (sideOfPolyline) when a track comes near it again — a track that walked around its end is on the side it
 * stands on.
 */
import type { AnalyticsCounts, AnalyticsEvent, AnalyticsParams, Box, ObjectMotion } from 'tsvision';
import { ANALYTICS_PARAMS } from '../../ts-runtime/src/settings/analytics.js';
import { defaultsOf } from '../../ts-runtime/src/settings/spec.js';
import {
  boundsOf,
  distanceToPolygonEdge,
  distanceToPolyline,
  inBounds,
  pointInPolygon,
  polylineCrossing,
  segmentNearBounds,
  sideOfPolyline,
  type Bounds,
  type Point,
} from './geometry.js';
import { RuleGrid } from './grid.js';
import { toPixels, type LineRule, type Rules, type ZoneRule } from './rules.js';

export const ANALYTICS_DEFAULTS: Readonly<AnalyticsParams> = Object.freeze(defaultsOf(ANALYTICS_PARAMS));

export interface AnalyticsObject {
  readonly trackId?: number | null;
  readonly label: string;
  readonly box: Box;
  readonly predicted?: boolean;
}

/** An object of an earlier frame reported late (tstrack fill-gaps). */
export interface PastAnalyticsObject {
  readonly framesAgo: number;
  readonly pts: number | null;
  readonly object: AnalyticsObject;
}

export interface AnalyticsFrame {
  readonly index: number;
  /** Nanoseconds, or null. */
  readonly pts: number | null;
  /** Seconds since the stream started (from pts, or index / frame rate): dwell and speeds use it. */
  readonly time: number;
  /** Seconds per frame (for past objects without pts); 0 when unknown. */
  readonly frameDuration?: number;
  readonly width: number;
  readonly height: number;
  readonly objects: readonly AnalyticsObject[];
  readonly pastObjects?: readonly PastAnalyticsObject[];
}

export interface AnalyticsResult {
  readonly events: AnalyticsEvent[];
  /**
   * The running totals after this frame, built when first read (most frames only need their JSON): the very
   * object of the previous frame when nothing changed.
   */
  readonly counts: AnalyticsCounts;
  /** JSON.stringify(counts), kept per rule: only the rules whose figures changed are written again. */
  readonly countsJson: string;
  /**
   * Motion of the tracked objects seen on this frame that have moved, as [track id, heading, speed] triples
   * (ObjectMotion's units): a flat array, because it crosses to C++ every frame.
   */
  readonly motion: Float64Array;
}

/** The motion of `trackId` in an AnalyticsResult's motion triples, or undefined. */
export function motionOf(motion: Float64Array, trackId: number): ObjectMotion | undefined {
  for (let i = 0; i + 2 < motion.length; i += 3) if (motion[i] === trackId) return { heading: motion[i + 1], speed: motion[i + 2] };
  return undefined;
}

/** The anchor point of a box. */
export function anchorPoint(box: Box, anchor: AnalyticsParams['anchor']): Point {
  const cx = box.x + box.width / 2;
  const bottom = box.y + box.height;
  switch (anchor) {
    case 'center':
      return [cx, box.y + box.height / 2];
    case 'top-center':
      return [cx, box.y];
    case 'bottom-left':
      return [box.x, bottom];
    case 'bottom-right':
      return [box.x + box.width, bottom];
    default:
      return [cx, bottom];
  }
}

/**
 * lineAnchor: a box counts as shortened by an occlusion when it is below this share of the track's tallest recent
 * box. Boxes fluctuate by a few percent from frame to frame; taking their running maximum without this margin
 * pushes every anchor down by that noise (past the lower end of a door line drawn to the frame's bottom edge, as
 * in examples/rules/door.json).
 */
const OCCLUDED_HEIGHT = 0.85;

/** A side change waiting for confirmation (hysteresis): observations on the new side, farthest distance past (pixels). */
interface Pending {
  frames: number;
  distance: number;
}

function resetPending(p: Pending): void {
  p.frames = 0;
  p.distance = 0;
}

interface LineState extends Pending {
  /** The line's position in the rules. */
  rule: number;
  /** The confirmed side: +1 right, −1 left, 0 not yet known (first seen on the line). */
  settled: -1 | 0 | 1;
  /** The side the anchor is on now (changed only by moves across the line). */
  side: -1 | 0 | 1;
  last: Point;
}

interface ZoneState extends Pending {
  /** The zone's position in the rules. */
  rule: number;
  inside: boolean;
  /** When the current visit started (seconds), and whether its dwell event was sent. */
  enteredAt: number;
  dwellSent: boolean;
}

interface TrackState {
  id: number;
  label: string;
  lastFrame: number;
  /** The frame whose objects (not past objects) last included the track. */
  seenOn: number;
  /**
   * The lines / zones near the track or busy with it (a few at most: short lists, not maps — this is the
   * per-object, per-frame path).
   */
  lines: LineState[];
  zones: ZoneState[];
  /** Smoothed velocity (pixels/s) of the anchor and where/when it was last seen. */
  vx: number;
  vy: number;
  last: Point;
  lastTime: number;
  moved: boolean;
  /** The anchor lines were last tested with (lineAnchor), and the heights of the track's last boxes it looks back on (a ring). */
  lineLast: Point;
  heights: Float64Array | null;
  heightNext: number;
}

interface LineTotals {
  in: number;
  out: number;
  classes: Map<string, { in: number; out: number }>;
}
interface ZoneTotals {
  entries: number;
  exits: number;
  classes: Map<string, { entries: number; exits: number }>;
  overcrowded: boolean;
}

/** Weight of the newest velocity sample in the motion average. */
const MOTION_SMOOTHING = 0.3;

export class AnalyticsEngine {
  private rules: Rules;
  private pixelRules: Rules | null = null;
  private pixelSize = '';
  /** Bounds of each line and zone of pixelRules (a cheap first test: most objects are far from most rules). */
  private lineBounds: Bounds[] = [];
  private zoneBounds: Bounds[] = [];
  private lineGrid: RuleGrid | null = null;
  private zoneGrid: RuleGrid | null = null;
  /** Scratch lists of rule indices (the candidates of one observation), sized with the rules. */
  private near = new Int32Array(0);
  private toVisit = new Int32Array(0);
  private readonly tracks = new Map<number, TrackState>();
  /** Totals per line / zone, in rule order. */
  private lineTotals: LineTotals[] = [];
  private zoneTotals: ZoneTotals[] = [];
  /**
   * The last counts and, per rule, its entry in them: an entry is made again only when that rule's figures
   * changed, so most entries (and the JSON written of them, see wire.ts) carry over from frame to frame.
   */
  private countsOf: (() => AnalyticsCounts) | null = null;
  private lastCountsJson = '';
  private lineCounts: (AnalyticsCounts['lines'][string] | null)[] = [];
  private zoneCounts: (AnalyticsCounts['zones'][string] | null)[] = [];
  /** Per rule, `"name":{…}` of its entry. */
  private lineJson: string[] = [];
  private zoneJson: string[] = [];
  /** Occupancy per zone on the last frame (and per class, only where a zone holds several classes). */
  private occupancy = new Int32Array(0);
  private classOccupancy: (Map<string, number> | undefined)[] = [];
  /** The one class each zone's occupants had on the last frame ('' none; null several: see classOccupancy). */
  private occupantClass: (string | null)[] = [];
  /** The frame being evaluated: its height (lineAnchor). */
  private frameHeight = Infinity;

  constructor(
    rules: Rules,
    private readonly params: Readonly<AnalyticsParams> = ANALYTICS_DEFAULTS,
  ) {
    this.rules = { units: 'pixels', lines: [], zones: [] };
    this.setRules(rules);
  }

  /** Replaces the rules at a frame boundary: totals (and track states) survive for rules that keep their name. */
  setRules(rules: Rules): void {
    // Where each new rule was in the old rules (by name), or -1.
    const oldLine = new Map(this.rules.lines.map((l, i) => [l.name, i]));
    const oldZone = new Map(this.rules.zones.map((z, i) => [z.name, i]));
    const lineFrom = rules.lines.map((l) => oldLine.get(l.name) ?? -1);
    const zoneFrom = rules.zones.map((z) => oldZone.get(z.name) ?? -1);
    this.lineTotals = lineFrom.map((i) => (i >= 0 ? this.lineTotals[i] : { in: 0, out: 0, classes: new Map() }));
    this.zoneTotals = zoneFrom.map((i) => (i >= 0 ? this.zoneTotals[i] : { entries: 0, exits: 0, classes: new Map(), overcrowded: false }));
    this.lineCounts = rules.lines.map(() => null);
    this.zoneCounts = rules.zones.map(() => null);
    this.occupancy = new Int32Array(rules.zones.length).fill(-1);
    this.classOccupancy = [];
    this.occupantClass = rules.zones.map(() => '');
    const remap = <S extends { rule: number }>(states: S[], from: number[]): S[] => {
      const to = new Map(from.flatMap((old, i) => (old >= 0 ? [[old, i] as const] : [])));
      return states.flatMap((state) => {
        const rule = to.get(state.rule);
        if (rule === undefined) return [];
        state.rule = rule;
        return [state];
      });
    };
    for (const t of this.tracks.values()) {
      t.lines = remap(t.lines, lineFrom);
      t.zones = remap(t.zones, zoneFrom);
    }
    this.rules = rules;
    this.pixelRules = null;
    this.countsOf = null;
    this.lastCountsJson = '';
  }

  /** The rules in pixels of a width x height frame (cached until the size or the rules change). */
  rulesInPixels(width: number, height: number): Rules {
    const sizeKey = `${width}x${height}`;
    if (!this.pixelRules || this.pixelSize !== sizeKey) {
      this.pixelRules = toPixels(this.rules, width, height);
      this.pixelSize = sizeKey;
      this.lineBounds = this.pixelRules.lines.map((l) => boundsOf(l.points));
      this.zoneBounds = this.pixelRules.zones.map((z) => boundsOf(z.points));
      this.lineGrid = new RuleGrid(this.lineBounds, width, height);
      this.zoneGrid = new RuleGrid(this.zoneBounds, width, height);
      const most = Math.max(this.lineBounds.length, this.zoneBounds.length);
      this.near = new Int32Array(most);
      this.toVisit = new Int32Array(2 * most);
    }
    return this.pixelRules;
  }

  update(frame: AnalyticsFrame): AnalyticsResult {
    const rules = this.rulesInPixels(frame.width, frame.height);
    this.frameHeight = frame.height;
    const events: AnalyticsEvent[] = [];
    const past = [...(frame.pastObjects ?? [])].sort((a, b) => b.framesAgo - a.framesAgo);
    for (const p of past) {
      const time = p.pts !== null ? p.pts / 1e9 : frame.time - p.framesAgo * (frame.frameDuration ?? 0);
      this.observe(p.object, frame.index - p.framesAgo, p.pts, time, rules, events);
    }
    // The tracks of this frame's objects, each once, in the order of their first object.
    const seen: TrackState[] = [];
    for (const o of frame.objects) {
      const t = this.observe(o, frame.index, frame.pts, frame.time, rules, events);
      if (t && t.seenOn !== frame.index) {
        t.seenOn = frame.index;
        seen.push(t);
      }
    }
    this.forget(frame, events);
    const counts = this.counts(rules, seen, frame, events);
    const motion = new Float64Array(3 * seen.length);
    let n = 0;
    for (const t of seen) {
      if (!t.moved) continue;
      motion[n++] = t.id;
      motion[n++] = ((Math.atan2(t.vx, -t.vy) * 180) / Math.PI + 360) % 360;
      motion[n++] = Math.sqrt(t.vx * t.vx + t.vy * t.vy);
    }
    const countsJson = this.lastCountsJson;
    return {
      events,
      get counts() {
        return counts();
      },
      countsJson,
      motion: n === motion.length ? motion : motion.subarray(0, n),
    };
  }

  /** Observes one object; returns its track when it was followed (tracked, and counted under countPredicted). */
  private observe(o: AnalyticsObject, frameIndex: number, pts: number | null, time: number, rules: Rules, events: AnalyticsEvent[]): TrackState | null {
    if (o.trackId === null || o.trackId === undefined) return null;
    if (o.predicted && !this.params.countPredicted) return null;
    const { box } = o;
    if (!(Number.isFinite(box.x) && Number.isFinite(box.y) && Number.isFinite(box.width) && Number.isFinite(box.height))) return null;
    const p = anchorPoint(box, this.params.anchor);
    let t = this.tracks.get(o.trackId);
    /** Where the anchor was at the track's previous observation (null: first seen). */
    let previous: Point | null = null;
    let previousLine: Point | null = null;
    if (!t) {
      t = { id: o.trackId, label: o.label, lastFrame: frameIndex, seenOn: -1, lines: [], zones: [], vx: 0, vy: 0, last: p, lastTime: time, moved: false, lineLast: p, heights: null, heightNext: 0 };
      this.tracks.set(o.trackId, t);
    } else if (frameIndex <= t.lastFrame) {
      return t; // already observed on this frame (or later): an id is one object per frame
    } else {
      previous = t.last;
      previousLine = t.lineLast;
      const dt = time - t.lastTime;
      if (dt > 0) {
        const a = t.moved ? MOTION_SMOOTHING : 1;
        t.vx += a * ((p[0] - t.last[0]) / dt - t.vx);
        t.vy += a * ((p[1] - t.last[1]) / dt - t.vy);
        t.moved = true;
      }
    }
    t.label = o.label;
    t.lastFrame = frameIndex;
    t.last = p;
    t.lastTime = time;
    const trackId = o.trackId;
    // Lines see the anchor of an occluded box as if its feet were visible (lineAnchor); zones the box as it is.
    const q = this.lineAnchor(t, box, p);
    t.lineLast = q;
    const from = previousLine ?? q;

    // Lines: those the track has state for, and those near its move, in rule order.
    let visits = this.rulesToVisit(t.lines, this.lineGrid!.query(from[0], from[1], q[0], q[1], this.near));
    for (let k = 0; k < visits; k++) {
      const i = this.toVisit[k];
      const line = rules.lines[i];
      if (!appliesTo(line, o.label)) continue; // its state (if any) waits for the class to come back
      let state = stateOf(t.lines, i);
      if (!state) {
        if (!segmentNearBounds(from, q, this.lineBounds[i])) continue;
        // Near the line again (or for the first time): the side it comes from is its settled side.
        const side = sideOfPolyline(from, line.points);
        state = { rule: i, settled: side, side, last: from, frames: 0, distance: 0 };
        t.lines.push(state);
        if (!previous) continue;
      }
      if (this.observeLine(state, i, line, q)) {
        const direction = state.settled > 0 ? 'in' : 'out';
        const totals = this.lineTotals[i];
        totals[direction]++;
        this.lineCounts[i] = null;
        const perClass = totals.classes.get(o.label) ?? { in: 0, out: 0 };
        perClass[direction]++;
        totals.classes.set(o.label, perClass);
        events.push({ type: 'line-crossed', line: line.name, direction, trackId, label: o.label, frame: frameIndex, pts });
      }
      // Settled and away from the line: forget it (taken afresh when the track comes near again).
      if (state.side === state.settled && state.side !== 0 && !segmentNearBounds(from, q, this.lineBounds[i])) removeState(t.lines, state);
    }

    // Zones: those the track has state for (inside, or a change pending), and those whose bounds hold the anchor.
    visits = this.rulesToVisit(t.zones, this.zoneGrid!.query(p[0], p[1], p[0], p[1], this.near));
    for (let k = 0; k < visits; k++) {
      const i = this.toVisit[k];
      const zone = rules.zones[i];
      if (!appliesTo(zone, o.label)) continue;
      let s = stateOf(t.zones, i);
      if (!s) {
        if (!inBounds(p, this.zoneBounds[i])) continue;
        s = { rule: i, inside: false, enteredAt: time, dwellSent: false, frames: 0, distance: 0 };
        t.zones.push(s);
      }
      const change = this.observeZone(s, zone, i, p, time);
      if (change) this.zoneChange(i, change, trackId, t.label, frameIndex, pts, events);
      if (s.inside && zone.dwell !== undefined && !s.dwellSent && time - s.enteredAt >= zone.dwell) {
        s.dwellSent = true;
        events.push({ type: 'dwell', zone: zone.name, seconds: time - s.enteredAt, trackId, label: o.label, frame: frameIndex, pts });
      }
      if (!s.inside && s.frames === 0) removeState(t.zones, s);
    }
    return t;
  }

  /**
   * The point lines test a track's box with: its anchor, except that a bottom anchor of a box shorter than
   * OCCLUDED_HEIGHT of the track's tallest of its last anchorHeightFrames boxes is put that far below the box's
   * top. A person whose feet go behind something keeps a foot point where the feet are, instead of one that jumps
   * up (across a line) and back; a person walking away shrinks by a pixel or so a frame, far less than that.
   */
  private lineAnchor(t: TrackState, box: Box, p: Point): Point {
    const n = this.params.anchorHeightFrames;
    const anchor = this.params.anchor;
    if (n === 0 || !(anchor === 'bottom-center' || anchor === 'bottom-left' || anchor === 'bottom-right')) return p;
    if (t.heights === null) t.heights = new Float64Array(n);
    const heights = t.heights;
    heights[t.heightNext] = box.height;
    t.heightNext = (t.heightNext + 1) % n;
    // A box cut off by the frame's bottom edge has its feet outside the frame, not hidden: its bottom is the
    // lowest point there is, and the one kept.
    const bottom = box.y + box.height;
    if (bottom >= this.frameHeight - 1) return p;
    let tallest = 0;
    for (let k = 0; k < n; k++) if (heights[k] > tallest) tallest = heights[k];
    return box.height < OCCLUDED_HEIGHT * tallest ? [p[0], Math.min(box.y + tallest, this.frameHeight)] : p;
  }

  /**
   * Writes to toVisit the rules a track has state for and the first `nearCount` of `near`, each once, in rule
   * order; returns how many. (Typed scratch arrays and an insertion sort: this runs per object and frame.)
   */
  private rulesToVisit(states: readonly { rule: number }[], nearCount: number): number {
    const list = this.toVisit;
    let n = 0;
    for (let k = 0; k < states.length; k++) list[n++] = states[k].rule;
    const held = n;
    for (let k = 0; k < nearCount; k++) {
      const rule = this.near[k];
      let have = false;
      for (let h = 0; h < held && !have; h++) have = list[h] === rule;
      if (!have) list[n++] = rule;
    }
    for (let a = 1; a < n; a++) {
      const v = list[a];
      let b = a - 1;
      for (; b >= 0 && list[b] > v; b--) list[b + 1] = list[b];
      list[b + 1] = v;
    }
    return n;
  }

  /** Returns true when a crossing is confirmed (the new side is then `settled`). */
  private observeLine(state: LineState, index: number, line: LineRule, p: Point): boolean {
    const crossing = segmentNearBounds(state.last, p, this.lineBounds[index]) ? polylineCrossing(state.last, p, line.points) : null;
    state.last = p;
    if (crossing) state.side = crossing.side;
    else if (state.side === 0) state.side = sideOfPolyline(p, line.points);
    if (state.settled === 0) {
      state.settled = state.side; // first seen on the line: its first side is where it starts, not a crossing
      return false;
    }
    if (state.side === state.settled || state.side === 0) {
      resetPending(state);
      return false;
    }
    if (!this.confirm(state, distanceToPolyline(p, line.points), line)) return false;
    state.settled = state.side;
    return true;
  }

  /** Returns 'entered' / 'left' when a zone change is confirmed. */
  private observeZone(state: ZoneState, zone: ZoneRule, index: number, p: Point, time: number): 'entered' | 'left' | null {
    const inside = inBounds(p, this.zoneBounds[index]) && pointInPolygon(p, zone.points);
    if (inside === state.inside) {
      resetPending(state);
      return null;
    }
    if (!this.confirm(state, distanceToPolygonEdge(p, zone.points), zone)) return null;
    state.inside = inside;
    if (inside) {
      state.enteredAt = time;
      state.dwellSent = false;
    }
    return inside ? 'entered' : 'left';
  }

  /** One more observation on the new side: confirmed once far enough for long enough (then reset). */
  private confirm(state: Pending, distance: number, rule: LineRule | ZoneRule): boolean {
    state.frames++;
    state.distance = Math.max(state.distance, distance);
    const confirmed = state.frames >= (rule.minFrames ?? this.params.minFrames) && state.distance >= (rule.minDistance ?? this.params.minDistance);
    if (confirmed) resetPending(state);
    return confirmed;
  }

  private zoneChange(index: number, change: 'entered' | 'left', trackId: number, label: string, frame: number, pts: number | null, events: AnalyticsEvent[]) {
    const totals = this.zoneTotals[index];
    const zone = this.rules.zones[index].name;
    this.zoneCounts[index] = null;
    const perClass = totals.classes.get(label) ?? { entries: 0, exits: 0 };
    if (change === 'entered') {
      totals.entries++;
      perClass.entries++;
    } else {
      totals.exits++;
      perClass.exits++;
    }
    totals.classes.set(label, perClass);
    events.push({ type: change === 'entered' ? 'zone-entered' : 'zone-left', zone, trackId, label, frame, pts });
  }

  /** Tracks not seen for forgetFrames frames leave their zones and are dropped. */
  private forget(frame: AnalyticsFrame, events: AnalyticsEvent[]) {
    for (const [id, t] of this.tracks) {
      if (frame.index - t.lastFrame < this.params.forgetFrames) continue;
      const inside = t.zones.filter((s) => s.inside).map((s) => s.rule);
      for (const zone of inside.sort((a, b) => a - b)) this.zoneChange(zone, 'left', id, t.label, frame.index, frame.pts, events);
      this.tracks.delete(id);
    }
  }

  private counts(rules: Rules, seen: readonly TrackState[], frame: AnalyticsFrame, events: AnalyticsEvent[]): () => AnalyticsCounts {
    // Occupancy: the objects on this frame settled inside each zone (one pass over them). Per class only where a
    // zone holds objects of several classes (most zones hold one class, or are restricted to one).
    const nZones = rules.zones.length;
    const occupancy = new Int32Array(nZones);
    const occupantClass: (string | null)[] = new Array<string | null>(nZones).fill('');
    const classOccupancy: (Map<string, number> | undefined)[] = [];
    for (const t of seen) {
      for (let k = 0; k < t.zones.length; k++) {
        const z = t.zones[k];
        if (!z.inside) continue;
        const i = z.rule;
        occupancy[i]++;
        const only = occupantClass[i];
        if (only === t.label) continue;
        if (only === '') {
          occupantClass[i] = t.label;
          continue;
        }
        let perClass = classOccupancy[i];
        if (!perClass) {
          perClass = classOccupancy[i] = new Map([[only!, occupancy[i] - 1]]);
          occupantClass[i] = null;
        }
        perClass.set(t.label, (perClass.get(t.label) ?? 0) + 1);
      }
    }
    for (let i = 0; i < nZones; i++) {
      const perClass = classOccupancy[i];
      const zone = rules.zones[i];
      const totals = this.zoneTotals[i];
      if (zone.maxOccupancy !== undefined && occupancy[i] > zone.maxOccupancy !== totals.overcrowded) {
        totals.overcrowded = !totals.overcrowded;
        events.push({
          type: totals.overcrowded ? 'overcrowded' : 'cleared',
          zone: zone.name,
          occupancy: occupancy[i],
          maxOccupancy: zone.maxOccupancy,
          frame: frame.index,
          pts: frame.pts,
        });
      }
      if (this.zoneCounts[i] && !sameOccupancy(occupancy[i], occupantClass[i], perClass, this.occupancy[i], this.occupantClass[i], this.classOccupancy[i]))
        this.zoneCounts[i] = null;
    }
    this.occupancy = occupancy;
    this.occupantClass = occupantClass;
    this.classOccupancy = classOccupancy;
    // Most frames change few rules' figures: the other entries (their JSON, and when none changed, the counts)
    // carry over.
    let changed = !this.countsOf;
    for (let i = 0; i < rules.lines.length; i++) {
      if (this.lineCounts[i]) continue;
      const t = this.lineTotals[i];
      const entry = { in: t.in, out: t.out, classes: Object.fromEntries(t.classes) };
      this.lineCounts[i] = entry;
      this.lineJson[i] = `${JSON.stringify(rules.lines[i].name)}:${JSON.stringify(entry)}`;
      changed = true;
    }
    for (let i = 0; i < nZones; i++) {
      if (this.zoneCounts[i]) continue;
      const totals = this.zoneTotals[i];
      const classes: AnalyticsCounts['zones'][string]['classes'] = {};
      for (const [label, c] of totals.classes) classes[label] = { occupancy: 0, ...c };
      const only = occupantClass[i];
      const occupants: Iterable<[string, number]> = classOccupancy[i] ?? (only ? [[only, occupancy[i]]] : []);
      for (const [label, n] of occupants) (classes[label] ??= { occupancy: 0, entries: 0, exits: 0 }).occupancy = n;
      const entry = { occupancy: occupancy[i], entries: totals.entries, exits: totals.exits, classes };
      this.zoneCounts[i] = entry;
      this.zoneJson[i] = `${JSON.stringify(rules.zones[i].name)}:${JSON.stringify(entry)}`;
      changed = true;
    }
    if (!changed) return this.countsOf!;
    this.lineJson.length = rules.lines.length;
    this.zoneJson.length = nZones;
    this.lastCountsJson = `{"lines":{${this.lineJson.join(',')}},"zones":{${this.zoneJson.join(',')}}}`;
    // The objects for hooks only when one asks, from the entries as they are now (later frames make new ones).
    const lineEntries = this.lineCounts.slice(), zoneEntries = this.zoneCounts.slice();
    let built: AnalyticsCounts | null = null;
    this.countsOf = () => {
      if (!built) {
        const lines: AnalyticsCounts['lines'] = {};
        rules.lines.forEach((line, i) => (lines[line.name] = lineEntries[i]!));
        const zones: AnalyticsCounts['zones'] = {};
        rules.zones.forEach((zone, i) => (zones[zone.name] = zoneEntries[i]!));
        built = { lines, zones };
      }
      return built;
    };
    return this.countsOf;
  }

  /**
   * The live figures of the last frame, in rule order: [in, out] per line, then [occupancy, overcrowded 0/1] per
   * zone (what tsoverlay draws beside each rule).
   */
  figures(): Float64Array {
    const lines = this.lineTotals.length;
    const out = new Float64Array(2 * (lines + this.zoneTotals.length));
    this.lineTotals.forEach((t, i) => {
      out[2 * i] = t.in;
      out[2 * i + 1] = t.out;
    });
    this.zoneTotals.forEach((t, i) => {
      out[2 * (lines + i)] = Math.max(0, this.occupancy[i] ?? 0);
      out[2 * (lines + i) + 1] = t.overcrowded ? 1 : 0;
    });
    return out;
  }
}

/** Whether a zone's occupancy (and its split by class) is what it was. */
function sameOccupancy(
  n: number,
  only: string | null,
  perClass: ReadonlyMap<string, number> | undefined,
  lastN: number,
  lastOnly: string | null,
  lastPerClass: ReadonlyMap<string, number> | undefined,
): boolean {
  if (n !== lastN || only !== lastOnly) return false;
  if (!perClass) return !lastPerClass;
  if (!lastPerClass || perClass.size !== lastPerClass.size) return false;
  for (const [label, c] of perClass) if (lastPerClass.get(label) !== c) return false;
  return true;
}

/** A track's state for rule `rule`, if it has one. */
function stateOf<S extends { rule: number }>(states: readonly S[], rule: number): S | undefined {
  for (let k = 0; k < states.length; k++) if (states[k].rule === rule) return states[k];
  return undefined;
}

function removeState<S>(states: S[], state: S): void {
  const k = states.indexOf(state);
  if (k >= 0) states.splice(k, 1);
}

function appliesTo(rule: LineRule | ZoneRule, label: string): boolean {
  return !rule.classes || rule.classes.includes(label);
}
