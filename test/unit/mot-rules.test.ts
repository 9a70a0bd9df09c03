import { describe, expect, it } from 'vitest';
import { evaluateMot, parseMot, removeDistractorMatches } from '../../eval/mot/metrics.js';

// 10x10 boxes; a shift of 1 / 2 / 3 px gives IoU 0.818 / 0.667 / 0.538, 4 px 0.429 (not admissible).
const box = (x: number) => `${x},0,10,10`;
// MOT16 ground truth: frame,id,box,consider,class,visibility.
const GT = [
  // frame 1: a pedestrian, a distractor (8), an occluder (9) and a consider-0 pedestrian
  `1,1,${box(0)},1,1,1`,
  `1,2,${box(50)},0,8,1`,
  `1,3,${box(100)},0,9,1`,
  `1,4,${box(150)},0,1,1`,
  // frame 2: a pedestrian and a distractor 2 px to its right
  `2,1,${box(0)},1,1,1`,
  `2,5,${box(2)},0,8,1`,
  // frame 3: a pedestrian and a reflection (12) 3 px to its right
  `3,1,${box(200)},1,1,1`,
  `3,6,${box(203)},0,12,1`,
].join('\n');
// Result: frame,id,box,conf,-1,-1,-1.
const HYP = [
  `1,10,${box(0)},1,-1,-1,-1`, // the pedestrian: a hit
  `1,11,${box(50)},1,-1,-1,-1`, // on the distractor: removed
  `1,12,${box(100)},1,-1,-1,-1`, // on the occluder: not a distractor class, so a false positive
  `1,13,${box(150)},1,-1,-1,-1`, // on the consider-0 pedestrian: not a distractor class either, a false positive
  `1,14,${box(300)},1,-1,-1,-1`, // on nothing: a false positive
  `2,15,${box(3)},1,-1,-1,-1`, // IoU 0.538 with the pedestrian, 0.818 with the distractor: matched to the distractor, removed
  `3,10,${box(200)},1,-1,-1,-1`, // the pedestrian (IoU 1; 0.538 with the reflection)
  `3,16,${box(201)},1,-1,-1,-1`, // 0.818 with the pedestrian, 0.667 with the reflection: the assignment (1 + 0.667 > 0.818 + 0.538) gives it the reflection, removed
].join('\n');

describe('MOTChallenge rules', () => {
  it("mot16: hypotheses matched (max-IoU assignment to all boxes, IoU >= 0.5) to classes 2/7/8/12 are removed; gt keeps consider 1 and class 1", () => {
    const { kept, removed } = removeDistractorMatches(parseMot(GT), parseMot(HYP));
    expect(removed.map((r) => [r.frame, r.id])).toEqual([[1, 11], [2, 15], [3, 16]]);
    expect(kept).toHaveLength(5);

    const m = evaluateMot(GT, HYP, { gtFilter: 'mot16' });
    expect(m.numGt).toBe(3); // the pedestrian on frames 1-3
    expect(m.numHyp).toBe(5);
    expect(m.numMatches).toBe(2); // frames 1 and 3, same id: no switch
    expect(m.idsw).toBe(0);
    expect(m.fn).toBe(1); // frame 2: its only hypothesis went to the distractor
    expect(m.fp).toBe(3); // occluder, consider-0 pedestrian, nothing
    expect(m.mota).toBeCloseTo(1 - 4 / 3, 12);

    // Without the preprocessing the same result scores differently: hypothesis 15 hits the pedestrian and 11, 16 are FPs.
    const raw = evaluateMot(GT, HYP);
    expect(raw.numGt).toBe(8);
    const filteredOnly = evaluateMot(GT.split('\n').filter((l) => l.split(',')[6] === '1' && l.split(',')[7] === '1').join('\n'), HYP);
    expect([filteredOnly.fp, filteredOnly.fn, filteredOnly.numDetections]).toEqual([5, 0, 3]);
  });

  it('mot16: a frame without distractor boxes removes nothing', () => {
    const gt = `1,1,${box(0)},1,1,1\n1,2,${box(100)},0,9,1`;
    const hyp = `1,10,${box(0)},1,-1,-1,-1\n1,11,${box(100)},1,-1,-1,-1`;
    expect(removeDistractorMatches(parseMot(gt), parseMot(hyp)).removed).toEqual([]);
    const m = evaluateMot(gt, hyp, { gtFilter: 'mot16' });
    expect([m.numGt, m.numMatches, m.fp]).toEqual([1, 1, 1]);
  });

  it('mot15: ground-truth rows with conf 0 are dropped (py-motmetrics eval_motchallenge: min_confidence 1), hypotheses are not', () => {
    const gt = `1,1,${box(0)},1,-1,-1,-1\n1,2,${box(50)},0,-1,-1,-1`;
    const hyp = `1,10,${box(0)},1,-1,-1,-1\n1,11,${box(50)},1,-1,-1,-1`;
    const m = evaluateMot(gt, hyp, { gtFilter: 'mot15' });
    expect([m.numGt, m.numMatches, m.fp, m.fn]).toEqual([1, 1, 1, 0]);
    expect(evaluateMot(gt, hyp).numGt).toBe(2);
  });
});
