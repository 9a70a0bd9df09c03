/** eval/analytics: the counting evaluator on constructed trajectories (errors it must and must not report). */
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../elements/analytics/rules';
import { compare, countRows, NAIVE_PARAMS, oracleIdentities } from '../../eval/analytics/evaluate';
import type { MotRow } from '../../eval/mot/metrics';

const SIZE = { width: 640, height: 480 };
// A horizontal line at y = 240 ("in" is downwards) and a zone over the lower half.
const RULES = parseRules(
  JSON.stringify({ lines: [{ name: 'door', points: [[0, 240], [640, 240]] }], zones: [{ name: 'low', points: [[0, 250], [640, 250], [640, 480], [0, 480]] }] }),
  { source: 'test' },
);

/** A 20x40 box per frame whose bottom-centre walks from (x, y0) by dy per frame. */
function walk(id: number, x: number, y0: number, dy: number, frames: number, first = 1): MotRow[] {
  return Array.from({ length: frames }, (_, i) => ({ frame: first + i, id, x: x - 10, y: y0 + i * dy - 40, width: 20, height: 40, conf: 1, classId: -1, visibility: -1 }));
}

describe('eval/analytics', () => {
  it('the truth scored against itself has no error; an extra and a missing crossing are counted', () => {
    const people = [...walk(1, 100, 200, 5, 30), ...walk(2, 300, 300, -5, 30)]; // one goes in, one comes out
    const truth = countRows(people, 30, SIZE, NAIVE_PARAMS, RULES);
    expect(truth.crossings.get('door:in')).toBe(1);
    expect(truth.crossings.get('door:out')).toBe(1);
    const self = compare(truth, countRows(people, 30, SIZE, NAIVE_PARAMS, RULES));
    expect(self).toMatchObject({ trueCrossings: 2, crossingError: 0, entryError: 0, occupancyMae: 0 });
    // Person 2 never seen, and a third one going in: out 0 of 1, in 2 of 1.
    const predicted = countRows([...walk(1, 100, 200, 5, 30), ...walk(3, 500, 200, 5, 30)], 30, SIZE, NAIVE_PARAMS, RULES);
    const errors = compare(truth, predicted);
    expect(errors.crossingError).toBe(2);
    expect(errors.perLine.get('door:in')).toEqual([1, 2]);
    expect(errors.perLine.get('door:out')).toEqual([1, 0]);
    expect(errors.occupancyMae).toBeGreaterThan(0);
  });

  it('oracle identities: a detection takes the id of the person it covers; false and duplicate detections are dropped', () => {
    const truth = [...walk(7, 100, 200, 5, 3), ...walk(9, 400, 200, 5, 3)];
    const shifted = (r: MotRow, dx: number): MotRow => ({ ...r, id: -1, x: r.x + dx });
    const detections = [
      ...truth.filter((r) => r.id === 7).map((r) => shifted(r, 2)), // person 7, slightly off
      ...truth.filter((r) => r.id === 9 && r.frame !== 2).map((r) => shifted(r, 0)), // person 9, missed on frame 2
      { ...shifted(truth[0], 5) }, // a second, worse box on person 7 in frame 1
      { frame: 1, id: -1, x: 600, y: 10, width: 20, height: 40, conf: 1, classId: -1, visibility: -1 }, // on nobody
    ];
    const oracle = oracleIdentities(detections, truth);
    expect(oracle.map((r) => [r.frame, r.id])).toEqual([[1, 7], [1, 9], [2, 7], [3, 7], [3, 9]]);
    expect(oracle[0].x).toBe(truth[0].x + 2); // the detection's box, the better of the two
  });
});
