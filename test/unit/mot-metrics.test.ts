import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MotAccumulator, evaluateMot, parseMot } from '../../eval/mot/metrics.js';

const SEQ = '/work/shared/mot/MOT15/TUD-Campus';

describe('evaluateMot: py-motmetrics golden values', () => {
  it('TUD-Campus tracker_result_test.txt: MOTA 0.526462, IDF1 0.557659, FP 13, FN 150, IDSW 7', () => {
    const gt = readFileSync(`${SEQ}/gt/gt.txt`, 'utf8');
    const hyp = readFileSync(`${SEQ}/tracker_result_test.txt`, 'utf8');
    const m = evaluateMot(gt, hyp);
    expect(m.mota).toBeCloseTo(0.526462, 6);
    expect(m.idf1).toBeCloseTo(0.557659, 6);
    expect(m.fp).toBe(13);
    expect(m.fn).toBe(150);
    expect(m.idsw).toBe(7);
    expect(m.numGt).toBe(359);
    expect(m.numHyp).toBe(222);
    expect(m.numFrames).toBe(71);
    expect(m.numMatches + m.idsw + m.fn).toBe(m.numGt);
    // Older motmetrics (keep any earlier correspondence) agrees on this pair of files.
    const old = evaluateMot(gt, hyp, { carryOver: 'any' });
    expect(old.mota).toBeCloseTo(0.526462, 6);
    expect(old.idf1).toBeCloseTo(0.557659, 6);
  });
});

describe('MotAccumulator: py-motmetrics hand-made cases', () => {
  it('the README example (2 objects, 3 frames): MOTA 50 %, MOTP 0.34, IDF1 83.3 %', () => {
    const acc = new MotAccumulator();
    acc.update(['a', 'b'], [1, 2, 3], [[0.1, NaN, 0.3], [0.5, 0.2, 0.3]]);
    acc.update(['a', 'b'], [1], [[0.2], [0.4]]);
    acc.update(['a', 'b'], [1, 3], [[0.6, 0.2], [0.1, 0.6]]);
    const m = acc.compute();
    expect(m.numFrames).toBe(3);
    expect(m.fp).toBe(1);
    expect(m.fn).toBe(1);
    expect(m.idsw).toBe(1);
    expect(m.numMatches).toBe(4);
    expect(m.mota).toBeCloseTo(0.5, 12);
    expect(m.motp).toBeCloseTo(0.34, 12);
    expect(m.idf1).toBeCloseTo(5 / 6, 12);
    expect(m.idp).toBeCloseTo(5 / 6, 12);
    expect(m.idr).toBeCloseTo(5 / 6, 12);
  });

  it('motmetrics test_mota_motp: all-FP, all-miss, match, switch, history preferred, empty frame', () => {
    const acc = new MotAccumulator();
    acc.update([], [1, 2], [], 0);
    acc.update([1, 2], [], [], 1);
    acc.update([1, 2], [1, 2], [[1, 0.5], [0.3, 1]], 2);
    acc.update([1, 2], [1, 2], [[0.2, NaN], [NaN, 0.1]], 3);
    acc.update([1, 2], [1, 2], [[5, 1], [1, 5]], 4); // a cheaper swap exists, but history wins
    acc.update([], [], [], 5);
    const m = acc.compute();
    expect(m.numMatches).toBe(4);
    expect(m.fp).toBe(2);
    expect(m.fn).toBe(2);
    expect(m.idsw).toBe(2);
    expect(m.numDetections).toBe(6);
    expect(m.numGt).toBe(8);
    expect(m.numHyp).toBe(8);
    expect(m.numFrames).toBe(6);
    expect(m.mota).toBeCloseTo(1 - 6 / 8, 12);
    expect(m.motp).toBeCloseTo(11.1 / 6, 12);
  });

  it('carries over only last-frame correspondences (motmetrics >= 1.4); "any" keeps older ones', () => {
    const run = (carryOver: 'last-frame' | 'any') => {
      const acc = new MotAccumulator({ carryOver });
      acc.update([1], [10], [[0.3]], 0);
      acc.update([1], [], [], 1); // missed
      acc.update([1], [10, 20], [[0.4, 0.1]], 2); // 20 is closer
      return acc.compute();
    };
    expect(run('last-frame').idsw).toBe(1);
    expect(run('any').idsw).toBe(0);
  });

  it('IDF1 uses the optimal global id assignment, not a greedy one', () => {
    // Pair weights (frames admissible): (1,h1)=3, (1,h2)=2, (2,h1)=2. Greedy (1,h1) gives IDTP 3; optimum is
    // (1,h2)+(2,h1) = 4.
    const acc = new MotAccumulator();
    acc.update([1, 2], ['h1'], [[0.1], [0.2]]);
    acc.update([1, 2], ['h1'], [[0.1], [0.2]]);
    acc.update([1], ['h1', 'h2'], [[0.1, 0.2]]);
    acc.update([1], ['h2'], [[0.1]]);
    const m = acc.compute();
    expect(m.idtp).toBe(4);
    expect(m.idf1).toBeCloseTo((2 * 4) / (6 + 5), 12);
    expect(m.idfp).toBe(1);
    expect(m.idfn).toBe(2);
  });

  it('counts mostly tracked / lost and fragmentations', () => {
    const acc = new MotAccumulator();
    // Object 1: hit, miss, hit, hit, hit (80 % → MT, one fragmentation); object 2: never matched (ML).
    const frames: [number[], number[], number[][]][] = [
      [[1, 2], [7], [[0.1], [NaN]]],
      [[1, 2], [], []],
      [[1, 2], [7], [[0.1], [NaN]]],
      [[1, 2], [7], [[0.1], [NaN]]],
      [[1, 2], [7], [[0.1], [NaN]]],
    ];
    for (const [o, h, d] of frames) acc.update(o, h, d);
    const m = acc.compute();
    expect(m.mostlyTracked).toBe(1);
    expect(m.mostlyLost).toBe(1);
    expect(m.partiallyTracked).toBe(0);
    expect(m.fragmentations).toBe(1);
  });
});

describe('evaluateMot on boxes', () => {
  const row = (f: number, id: number, x: number, y: number, w: number, h: number) => `${f},${id},${x},${y},${w},${h},1,-1,-1,-1`;

  it('scores a perfect tracker 1 and counts IoU exactly 0.5 as a match', () => {
    const gt = [row(1, 1, 0, 0, 10, 10), row(1, 2, 50, 50, 20, 40), row(2, 1, 2, 0, 10, 10), row(2, 2, 52, 50, 20, 40)].join('\n');
    const perfect = evaluateMot(gt, gt);
    expect(perfect.mota).toBe(1);
    expect(perfect.idf1).toBe(1);
    expect(perfect.motp).toBe(0);
    // IoU 0.5 (distance exactly 0.5) matches; a hair less does not.
    const half = evaluateMot(row(1, 1, 0, 0, 10, 10), row(1, 9, 0, 0, 10, 5));
    expect(half.fp + half.fn).toBe(0);
    expect(half.motp).toBeCloseTo(0.5, 12);
    const less = evaluateMot(row(1, 1, 0, 0, 10, 10), row(1, 9, 0, 0, 10, 4.99));
    expect(less.fp).toBe(1);
    expect(less.fn).toBe(1);
  });

  it('counts an identity switch and frames present only in the hypothesis', () => {
    const gt = [row(1, 1, 0, 0, 10, 10), row(2, 1, 0, 0, 10, 10), row(3, 1, 0, 0, 10, 10)].join('\n');
    const hyp = [row(1, 5, 0, 0, 10, 10), row(2, 5, 0, 0, 10, 10), row(3, 6, 0, 0, 10, 10), row(4, 6, 100, 100, 10, 10)].join('\n');
    const m = evaluateMot(gt, hyp);
    expect(m.idsw).toBe(1);
    expect(m.fp).toBe(1);
    expect(m.fn).toBe(0);
    expect(m.numFrames).toBe(4);
    expect(m.mota).toBeCloseTo(1 - 2 / 3, 12);
    expect(m.idtp).toBe(2);
  });

  it('optionally filters MOT16-style ground truth (conf 0 / non-pedestrian rows)', () => {
    const gt = ['1,1,0,0,10,10,1,1,1', '1,2,50,0,10,10,0,1,1', '1,3,100,0,10,10,1,7,1'].join('\n');
    expect(evaluateMot(gt, '').numGt).toBe(3);
    expect(evaluateMot(gt, '', { gtFilter: 'mot16' }).numGt).toBe(1);
  });
});

describe('parseMot', () => {
  it('parses comma / whitespace separated rows and skips junk', () => {
    const rows = parseMot('# comment\n1,2,3.5,4,5,6,0.9,-1,-1,-1\n\n2 3 1 2 3 4\r\nbad,line\n3,1,1,1,1\n');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({ frame: 1, id: 2, x: 3.5, y: 4, width: 5, height: 6, conf: 0.9, classId: -1, visibility: -1 });
    expect(rows[1].conf).toBe(1);
  });
});
