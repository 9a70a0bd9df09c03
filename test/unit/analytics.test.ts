/** tsanalytics' geometry, rules and engine on constructed tracks (no GStreamer). */
import { describe, expect, it } from 'vitest';
import {
  AnalyticsEngine,
  anchorPoint,
  motionOf,
  parseRules,
  pointInPolygon,
  polylineCrossing,
  segmentCrossing,
  selfIntersection,
  sideOfPolyline,
  type AnalyticsFrame,
  type AnalyticsObject,
  type Point,
} from '../../elements/analytics/index';
import type { AnalyticsEvent, AnalyticsParams } from 'tsvision';

const PARAMS: AnalyticsParams = { anchor: 'bottom-center', minDistance: 8, minFrames: 3, anchorHeightFrames: 0, countPredicted: false, forgetFrames: 30 };

/** A 20x40 box whose bottom-centre is at (x, y). */
function at(x: number, y: number, trackId: number | null = 1, extra: Partial<AnalyticsObject> = {}): AnalyticsObject {
  return { trackId, label: 'person', box: { x: x - 10, y: y - 40, width: 20, height: 40 }, ...extra };
}

function frame(index: number, objects: AnalyticsObject[], extra: Partial<AnalyticsFrame> = {}): AnalyticsFrame {
  return { index, pts: index * 40_000_000, time: index * 0.04, frameDuration: 0.04, width: 640, height: 480, objects, ...extra };
}

/** Runs the engine over per-frame objects; returns all events and the last counts. */
function runFrames(rulesJson: object, frames: AnalyticsObject[][], params: AnalyticsParams = PARAMS) {
  const engine = new AnalyticsEngine(parseRules(JSON.stringify(rulesJson), { source: 'test' }), params);
  const events: AnalyticsEvent[] = [];
  let last = engine.update(frame(0, []));
  frames.forEach((objects, i) => {
    last = engine.update(frame(i + 1, objects));
    events.push(...last.events);
  });
  return { events, counts: last.counts, motion: last.motion };
}

// A horizontal line across the frame at y = 240, drawn left to right: "in" is downwards (to its right).
const DOOR = { lines: [{ name: 'door', points: [[0, 240], [640, 240]] }] };

describe('geometry', () => {
  it('segment crossing: which side the move ends on, and none for touching or parallel moves', () => {
    const a: Point = [0, 0];
    const b: Point = [10, 0];
    expect(segmentCrossing([5, -1], [5, 1], a, b)).toEqual({ t: 0.5, side: 1 }); // down: right of a→b
    expect(segmentCrossing([5, 1], [5, -3], a, b)).toEqual({ t: 0.25, side: -1 });
    expect(segmentCrossing([5, -1], [5, 0], a, b)).toBeNull(); // lands on the line: no side yet
    expect(segmentCrossing([11, -1], [11, 1], a, b)).toBeNull(); // beside the end
    expect(segmentCrossing([0, 1], [10, 1], a, b)).toBeNull(); // parallel
    expect(segmentCrossing([2, 0], [8, 0], a, b)).toBeNull(); // collinear
  });

  it('polyline crossing ends on the side of the last segment crossed; side of a point uses the nearest segment', () => {
    const zigzag: Point[] = [[0, 0], [10, 10], [20, 0]];
    expect(polylineCrossing([5, 10], [5, 0], zigzag)?.side).toBe(-1);
    expect(polylineCrossing([0, 5], [20, 5], zigzag)).toMatchObject({ segment: 1 });
    expect(sideOfPolyline([15, 10], zigzag)).toBe(1); // below the rising second segment: its right
    expect(sideOfPolyline([15, 0], zigzag)).toBe(-1);
  });

  it('polygon containment (concave, edges inside) and self-intersection', () => {
    const u: Point[] = [[0, 0], [30, 0], [30, 30], [20, 30], [20, 10], [10, 10], [10, 30], [0, 30]];
    expect(pointInPolygon([5, 20], u)).toBe(true);
    expect(pointInPolygon([15, 20], u)).toBe(false); // in the notch
    expect(pointInPolygon([30, 15], u)).toBe(true); // on an edge
    expect(pointInPolygon([31, 15], u)).toBe(false);
    expect(selfIntersection(u)).toBeNull();
    expect(selfIntersection([[0, 0], [10, 10], [10, 0], [0, 10]])).toEqual([0, 2]); // a bow tie
  });

  it('anchor points', () => {
    const box = { x: 10, y: 20, width: 30, height: 40 };
    expect(anchorPoint(box, 'bottom-center')).toEqual([25, 60]);
    expect(anchorPoint(box, 'center')).toEqual([25, 40]);
    expect(anchorPoint(box, 'top-center')).toEqual([25, 20]);
    expect(anchorPoint(box, 'bottom-left')).toEqual([10, 60]);
    expect(anchorPoint(box, 'bottom-right')).toEqual([40, 60]);
  });
});

describe('line crossings', () => {
  it('a walk down across the line counts one "in", a walk back up one "out"', () => {
    const down = Array.from({ length: 20 }, (_, i) => [at(320, 200 + i * 5)]);
    const up = Array.from({ length: 20 }, (_, i) => [at(320, 295 - i * 5)]);
    const { events, counts } = runFrames(DOOR, [...down, ...up]);
    expect(events.filter((e) => e.type === 'line-crossed').map((e) => e.type === 'line-crossed' && e.direction)).toEqual(['in', 'out']);
    expect(counts.lines.door).toEqual({ in: 1, out: 1, classes: { person: { in: 1, out: 1 } } });
    const first = events[0];
    expect(first).toMatchObject({ type: 'line-crossed', line: 'door', trackId: 1, label: 'person' });
    // y = 245, 250, 255 on frames 10–12: confirmed on the third frame past the line (>= 8 px beyond it by then).
    expect(first.frame).toBe(12);
  });

  it('a box oscillating across the line for 20 frames counts at most once', () => {
    // The anchor jitters 240 ± 6 px: never 8 px past the line.
    const jitter = Array.from({ length: 20 }, (_, i) => [at(320, i % 2 ? 246 : 234)]);
    const jittered = runFrames(DOOR, jitter).counts.lines.door;
    expect(jittered.in + jittered.out).toBe(0);
    // Large swings, but never 3 frames in a row on the other side.
    const swings = Array.from({ length: 20 }, (_, i) => [at(320, i % 4 < 2 ? 220 : 262)]);
    const { counts } = runFrames(DOOR, swings);
    expect(counts.lines.door.in + counts.lines.door.out).toBeLessThanOrEqual(1);
    // The naive counter (min-frames 1, min-distance 0) counts every flicker.
    const naive = runFrames(DOOR, jitter, { ...PARAMS, minFrames: 1, minDistance: 0 }).counts.lines.door;
    expect(naive.in + naive.out).toBe(19);
  });

  it('feet hidden for a few frames (the box shortened from below) cross no line with anchorHeightFrames; their move does', () => {
    // A person standing with the feet 20 px below the door line; for 5 frames a parked car hides the feet (the box
    // ends 30 px higher, 10 px above the line), then they are seen whole again.
    const standing = (h: number): AnalyticsObject => ({ trackId: 1, label: 'person', box: { x: 300, y: 160, width: 30, height: h } });
    const frames = [
      ...Array.from({ length: 6 }, () => [standing(100)]),
      ...Array.from({ length: 5 }, () => [standing(70)]),
      ...Array.from({ length: 6 }, () => [standing(100)]),
    ];
    const plain = runFrames(DOOR, frames).counts.lines.door;
    expect([plain.in, plain.out]).toEqual([1, 1]); // the anchor went up across the line and back
    const lookBack = runFrames(DOOR, frames, { ...PARAMS, anchorHeightFrames: 7 }).counts.lines.door;
    expect([lookBack.in, lookBack.out]).toEqual([0, 0]);
    // Hidden longer than the look-back: the box as it is counts again (7 short frames, 3 frames to confirm).
    const long = [...frames.slice(0, 6), ...Array.from({ length: 12 }, () => [standing(70)]), ...frames.slice(11)];
    const longer = runFrames(DOOR, long, { ...PARAMS, anchorHeightFrames: 7 }).counts.lines.door;
    expect(longer.out).toBe(1);
    // Zones test the box as it is: a zone above the line sees the shortened box inside.
    const zone = { zones: [{ name: 'above', points: [[0, 0], [640, 0], [640, 240], [0, 240]] }] };
    const zoned = runFrames(zone, frames, { ...PARAMS, anchorHeightFrames: 7 }).counts.zones.above;
    expect(zoned.entries).toBe(1);
    // A walk across the line still counts, also while the person shrinks by a pixel a frame (walking away), and
    // any anchor other than a bottom one is left alone.
    const away = Array.from({ length: 30 }, (_, i) => [{ trackId: 2, label: 'person', box: { x: 300, y: 100 + 6 * i, width: 30, height: 100 - i } }]);
    const walked = runFrames(DOOR, away, { ...PARAMS, anchorHeightFrames: 7 }).counts.lines.door;
    expect([walked.in, walked.out]).toEqual([1, 0]);
    // A box a few percent shorter is noise, not an occlusion: its own bottom counts. With min-distance 0, a bottom
    // 1.5 px above the line crosses it — unless the box is below 85% of the tallest (78.5 of 100: feet hidden).
    const noise = { ...PARAMS, minDistance: 0, anchorHeightFrames: 7 };
    const hidden = [...Array.from({ length: 6 }, () => [standing(100)]), ...Array.from({ length: 5 }, () => [standing(78.5)])];
    expect(runFrames(DOOR, hidden, noise).counts.lines.door.out).toBe(0);
    const slight = [...Array.from({ length: 6 }, () => [standing(82)]), ...Array.from({ length: 5 }, () => [standing(78.5)])];
    expect(runFrames(DOOR, slight, noise).counts.lines.door.out).toBe(1); // 78.5 of 82 (96%): noise
    const centre = runFrames(DOOR, frames, { ...PARAMS, anchor: 'center', anchorHeightFrames: 7 }).counts.lines.door;
    expect(centre.in + centre.out).toBe(0); // the centre (205 / 195 px) never reaches the line either way
  });

  it('moving around the end of a line is no crossing', () => {
    const line = { lines: [{ name: 'short', points: [[100, 240], [200, 240]] }] };
    const around = [...Array.from({ length: 10 }, (_, i) => [at(150 + i * 10, 200)]), ...Array.from({ length: 10 }, (_, i) => [at(250, 200 + i * 10)]), ...Array.from({ length: 10 }, (_, i) => [at(250 - i * 10, 300)])];
    expect(runFrames(line, around).counts.lines.short).toMatchObject({ in: 0, out: 0 });
    // Now below the line (having gone round its end): going up through it is a crossing, "out".
    const back = [...around, ...Array.from({ length: 12 }, (_, i) => [at(160, 290 - i * 10)])];
    expect(runFrames(line, back).counts.lines.short).toMatchObject({ in: 0, out: 1 });
  });

  it('a track lost on one side and found again on the other counts once; objects without ids never count', () => {
    const frames: AnalyticsObject[][] = [[at(320, 200)], [at(320, 210)], [], [], [], [at(320, 280)], [at(320, 285)], [at(320, 290)], [at(320, 200, null)], [at(320, 300, null)]];
    const { counts } = runFrames(DOOR, frames);
    expect(counts.lines.door).toMatchObject({ in: 1, out: 0 });
  });

  it('predicted boxes count only with countPredicted; classes restrict a line', () => {
    const walk = Array.from({ length: 20 }, (_, i) => [at(320, 200 + i * 5, 1, { predicted: true })]);
    expect(runFrames(DOOR, walk).counts.lines.door.in).toBe(0);
    expect(runFrames(DOOR, walk, { ...PARAMS, countPredicted: true }).counts.lines.door.in).toBe(1);
    const cars = { lines: [{ ...DOOR.lines[0], classes: ['car'] }] };
    expect(runFrames(cars, Array.from({ length: 20 }, (_, i) => [at(320, 200 + i * 5)])).counts.lines.door.in).toBe(0);
  });

  it('past-frame objects (fill-gaps) are observed in time order before the frame, without double counting', () => {
    const engine = new AnalyticsEngine(parseRules(JSON.stringify(DOOR), { source: 'test' }), PARAMS);
    engine.update(frame(0, [at(320, 220)]));
    engine.update(frame(1, [at(320, 225)]));
    // Frames 2–4 missed; found again on frame 5 far below, with the interpolated gap reported late.
    const gap = [2, 3, 4].map((f) => ({ framesAgo: 5 - f, pts: f * 40_000_000, object: at(320, 230 + (f - 1) * 15) })); // y 245, 260, 275
    const r = engine.update(frame(5, [at(320, 300)], { pastObjects: gap.reverse() }));
    expect(r.events).toEqual([expect.objectContaining({ type: 'line-crossed', direction: 'in', frame: 4 })]);
    expect(r.counts.lines.door.in).toBe(1);
    expect(engine.update(frame(6, [at(320, 305)])).counts.lines.door.in).toBe(1);
  });
});

describe('zones', () => {
  const HALL = { zones: [{ name: 'hall', points: [[100, 100], [300, 100], [300, 300], [100, 300]], dwell: 0.2, maxOccupancy: 1 }] };

  it('entries, exits, occupancy, dwell (once per visit) and overcrowding', () => {
    const frames: AnalyticsObject[][] = [];
    // Track 1 walks in from the left and stays; track 2 joins, then leaves to the right.
    for (let i = 0; i < 20; i++) frames.push([at(60 + i * 10, 200), ...(i >= 8 ? [at(150 + (i - 8) * 20, 250, 2)] : [])]);
    const { events, counts } = runFrames(HALL, frames);
    const types = events.map((e) => `${e.type}:${'trackId' in e ? e.trackId : ''}`);
    expect(types).toContain('zone-entered:1');
    expect(types).toContain('zone-entered:2');
    expect(types).toContain('zone-left:2');
    expect(types.filter((t) => t === 'dwell:1')).toHaveLength(1);
    expect(types).toContain('overcrowded:');
    expect(types).toContain('cleared:');
    expect(counts.zones.hall).toMatchObject({ occupancy: 1, entries: 2, exits: 1 });
    expect(counts.zones.hall.classes.person).toEqual({ occupancy: 1, entries: 2, exits: 1 });
  });

  it('a track that disappears inside leaves the zone once forgotten', () => {
    const frames: AnalyticsObject[][] = [...Array.from({ length: 5 }, () => [at(200, 200)]), ...Array.from({ length: 31 }, () => [])];
    const { events, counts } = runFrames(HALL, frames);
    expect(events.filter((e) => e.type === 'zone-left')).toHaveLength(1);
    expect(counts.zones.hall).toMatchObject({ occupancy: 0, entries: 1, exits: 1 });
  });
});

describe('counts', () => {
  it('the same counts object while nothing changes; a new one when a total or an occupancy does', () => {
    const engine = new AnalyticsEngine(parseRules(JSON.stringify({ ...DOOR, zones: [{ name: 'hall', points: [[0, 300], [640, 300], [640, 480], [0, 480]] }] }), { source: 'test' }), PARAMS);
    const first = engine.update(frame(0, [at(100, 100)])).counts;
    expect(engine.update(frame(1, [at(101, 100)])).counts).toBe(first);
    // Crossing the door (down, "in"): a total changes.
    let counts = first;
    for (let i = 2; i < 12; i++) counts = engine.update(frame(i, [at(100, 100 + i * 20)])).counts;
    expect(counts).not.toBe(first);
    expect(counts.lines.door.in).toBe(1);
    // Standing inside the hall: unchanged; a second person inside: the occupancy changes.
    const settled = engine.update(frame(12, [at(100, 340)])).counts;
    expect(engine.update(frame(13, [at(100, 341)])).counts).toBe(settled);
    let withTwo = settled;
    for (let i = 14; i < 20; i++) withTwo = engine.update(frame(i, [at(100, 341), at(300, 400, 2)])).counts;
    expect(withTwo.zones.hall.occupancy).toBe(2);
    expect(settled.zones.hall.occupancy).toBe(1);
  });

  it('countsJson is JSON.stringify(counts) on every frame; counts read late are still their frame\'s', () => {
    const rules = {
      lines: [{ name: 'door', points: [[0, 240], [640, 240]] }, { name: 'side', points: [[320, 0], [320, 480]] }],
      zones: [{ name: 'hall', points: [[0, 300], [640, 300], [640, 480], [0, 480]] }, { name: 'cars only', points: [[0, 0], [640, 0], [640, 200], [0, 200]], classes: ['car'] }],
    };
    const engine = new AnalyticsEngine(parseRules(JSON.stringify(rules), { source: 'test' }), PARAMS);
    const results = [];
    // A person and a car walk down through the door into the hall, a bike follows; the car leaves the frame.
    for (let i = 0; i < 40; i++) {
      const objects = [at(100, 100 + i * 10, 1), at(400, 60 + i * 10, 2, { label: 'car' }), at(200 + i * 5, 150 + i * 8, 3, { label: 'bike' })];
      const r = engine.update(frame(i, i > 30 ? objects.filter((o) => o.trackId !== 2) : objects));
      expect(r.countsJson).toBe(JSON.stringify(r.counts));
      results.push(r);
    }
    const last = results[results.length - 1].counts;
    expect(last.lines.door).toEqual({ in: 3, out: 0, classes: { person: { in: 1, out: 0 }, car: { in: 1, out: 0 }, bike: { in: 1, out: 0 } } });
    expect(last.zones.hall.occupancy).toBe(2); // the car is not seen any more: not counted, not yet forgotten
    expect(Object.fromEntries(Object.entries(last.zones.hall.classes).map(([k, v]) => [k, v.occupancy]))).toEqual({ person: 1, car: 0, bike: 1 });
    expect(last.zones['cars only'].classes).toEqual({ car: { occupancy: 0, entries: 1, exits: 1 } });
    // Read only now: frame 20's counts are frame 20's, not the latest.
    const early = results[20];
    expect(early.counts).not.toBe(last);
    expect(JSON.stringify(early.counts)).toBe(early.countsJson);
  });
});

describe('motion', () => {
  it('heading clockwise from up and speed in pixels per second', () => {
    const right = Array.from({ length: 10 }, (_, i) => [at(100 + i * 4, 200)]);
    const m = motionOf(runFrames({}, right).motion, 1)!;
    expect(m.heading).toBeCloseTo(90, 5);
    expect(m.speed).toBeCloseTo(100, 5); // 4 px per 0.04 s
    const down = Array.from({ length: 10 }, (_, i) => [at(100, 200 + i * 2)]);
    expect(motionOf(runFrames({}, down).motion, 1)!.heading).toBeCloseTo(180, 5);
  });
});

describe('rules', () => {
  const parse = (text: string, labels?: string[]) => () => parseRules(text, { source: 'rules.json', labels });

  it('accepts the documented shape and normalised units', () => {
    const r = parseRules('{"units":"normalized","lines":[{"name":"door","points":[[0,0.5],[1,0.5]]}],"zones":[]}', { source: 'x' });
    expect(r.lines[0].points).toEqual([[0, 0.5], [1, 0.5]]);
  });

  it('names the source, the path and what is wrong', () => {
    expect(parse('{"lines":[{"name":"door","points":[[0,0]]}]}')).toThrow('rules.json: lines[0].points must NOT have fewer than 2 items');
    expect(parse('{"zones":[{"name":"z","points":[[0,0],[10,10],[10,0],[0,10]]}]}')).toThrow(
      'rules.json: zones[0].points: the polygon of "z" intersects itself (edge 0 crosses edge 2)',
    );
    expect(parse('{"lines":[{"name":"door","points":[[0,0],[1,1]],"classes":["persn"]}]}', ['person', 'car'])).toThrow(
      'rules.json: lines[0].classes[0]: unknown class "persn" (not in the labels file, property labels-file)',
    );
    expect(parse('{"lines":[{"name":"d","points":[[0,0],[1,1]]},{"name":"d","points":[[0,0],[2,1]]}]}')).toThrow('rules.json: lines[1].name: "d" is also the name of lines[0]');
    expect(parse('{"line":[]}')).toThrow('rules.json: the top level: unknown key "line"');
    expect(parse('{"lines":[{"name":"door","points":[[1,1],[1,1]]}]}')).toThrow('has no length');
    expect(parse('{"units":"normalized","lines":[{"name":"door","points":[[0,0],[2,1]]}]}')).toThrow('lines[0].points[1] must lie in 0..1');
  });

  it('JSON syntax errors give the line and column', () => {
    expect(parse('{\n  "lines": [\n    {"name": "door",, "points": []}\n  ]\n}')).toThrow(/^rules\.json: JSON syntax error at line 3, column 21/);
  });
});

describe('rule grid', () => {
  it('returns each rule once per query, also after its 32-bit stamps wrap', async () => {
    const { RuleGrid } = await import('../../elements/analytics/grid');
    // A line across the whole frame (in every cell of a row) and a small zone.
    const grid = new RuleGrid([[0, 100, 640, 100], [10, 10, 20, 20]], 640, 480);
    const out = new Int32Array(2);
    expect(Array.from(out.subarray(0, grid.query(0, 90, 640, 110, out)))).toEqual([0]);
    (grid as unknown as { stamp: number }).stamp = 0xffffffff;
    for (let k = 0; k < 3; k++) expect(Array.from(out.subarray(0, grid.query(0, 0, 640, 110, out))).sort()).toEqual([0, 1]);
  });
});
