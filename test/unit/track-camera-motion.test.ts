/** Camera motion compensation in the trackers: states and boxes carried by a known camera move. */
import { describe, expect, it } from 'vitest';
import type { Detection } from 'tsvision';
import { SORT_MODEL, XYAH_MODEL, createTracker, kalmanInitiate, kalmanWarp, warpBox, type Similarity } from '../../elements/track/index';

const box = { x: 100, y: 50, width: 40, height: 80 };
const shift = (tx: number, ty: number): Similarity => ({ a: 1, b: 0, tx, ty });

describe('kalmanWarp / warpBox', () => {
  it('a translation moves the centre only; a zoom scales the height (xyah) or the area (sort) and their velocities', () => {
    const s = kalmanInitiate(XYAH_MODEL, box);
    s.mean[4] = 2; // vx
    s.mean[7] = 1; // vh
    const cov = Float64Array.from(s.cov);
    kalmanWarp(XYAH_MODEL, s, shift(10, -5));
    expect(Array.from(s.mean.subarray(0, 4))).toEqual([130, 85, 0.5, 80]);
    expect(s.mean[4]).toBe(2);
    expect(Array.from(s.cov)).toEqual(Array.from(cov));
    kalmanWarp(XYAH_MODEL, s, { a: 2, b: 0, tx: 0, ty: 0 });
    expect(Array.from(s.mean.subarray(0, 4))).toEqual([260, 170, 0.5, 160]);
    expect(s.mean[4]).toBe(4);
    expect(s.mean[7]).toBe(2);
    const q = kalmanInitiate(SORT_MODEL, box);
    kalmanWarp(SORT_MODEL, q, { a: 2, b: 0, tx: 0, ty: 0 });
    expect(q.mean[2]).toBe(4 * 40 * 80);
    expect(q.mean[3]).toBe(0.5);
  });

  it('a quarter turn swaps the position variances and keeps the covariance symmetric', () => {
    const s = kalmanInitiate(XYAH_MODEL, box);
    s.cov[0] = 9; // var x
    s.cov[9] = 1; // var y
    kalmanWarp(XYAH_MODEL, s, { a: 0, b: 1, tx: 0, ty: 0 });
    expect(s.mean[0]).toBeCloseTo(-90, 9); // (120, 90) → (−90, 120)
    expect(s.mean[1]).toBeCloseTo(120, 9);
    expect(s.cov[0]).toBeCloseTo(1, 9);
    expect(s.cov[9]).toBeCloseTo(9, 9);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(s.cov[i * 8 + j]).toBe(s.cov[j * 8 + i]);
  });

  it('warpBox keeps the box around the moved centre', () => {
    expect(warpBox(box, { a: 1.5, b: 0, tx: 5, ty: 0 })).toEqual({ x: 155, y: 75, width: 60, height: 120 });
  });
});

describe('Tracker.compensate', () => {
  // Two objects fixed in the scene; the camera pans 8 px/frame from frame 20; detections missing on 21..32.
  const at = (f: number): Detection[] => {
    const dx = f >= 20 ? -8 * (f - 20) : 0;
    return [
      { box: { x: 300 + dx, y: 100, width: 60, height: 120 }, label: 'person', classId: 0, confidence: 0.9 },
      { box: { x: 420 + dx, y: 260, width: 60, height: 120 }, label: 'person', classId: 0, confidence: 0.9 },
    ];
  };
  for (const kind of ['bytetrack', 'sort', 'iou'] as const) {
    it(`${kind}: ids survive the pan with compensation, not without`, () => {
      const run = (compensate: boolean) => {
        const t = createTracker(kind);
        let first: (number | null)[] = [], last: (number | null)[] = [];
        for (let f = 0; f < 40; f++) {
          if (compensate && f > 20) t.compensate(shift(-8, 0));
          const out = t.update(f >= 21 && f < 33 ? [] : at(f), f);
          if (f === 19) first = out.ids;
          if (f === 39) last = out.ids;
        }
        return { first, last };
      };
      const on = run(true);
      expect(on.first.every((id) => typeof id === 'number')).toBe(true);
      expect(on.last).toEqual(on.first);
      const off = run(false);
      expect(off.last.some((id) => id !== null && off.first.includes(id))).toBe(false);
    });
  }
});

describe('fill-gaps under a moving camera', () => {
  it('interpolates between the boxes as they were on their own frames', () => {
    // A still object, the camera panning 10 px a frame; detections missing on frames 5..9.
    const t = createTracker('bytetrack', { fillGaps: 10 });
    const det = (f: number): Detection[] => [{ box: { x: 300 - 10 * f, y: 100, width: 60, height: 120 }, label: 'person', classId: 0, confidence: 0.9 }];
    let filled: { frameIndex: number; box: { x: number } }[] = [];
    for (let f = 0; f <= 10; f++) {
      if (f > 0) t.compensate(shift(-10, 0));
      const out = t.update(f >= 5 && f < 10 ? [] : det(f), f);
      if (f === 10) filled = out.filled;
    }
    expect(filled.map((g) => g.frameIndex)).toEqual([5, 6, 7, 8, 9]);
    for (const g of filled) expect(g.box.x).toBeCloseTo(300 - 10 * g.frameIndex, 6);
  });
});
