/**
 * The decoders' best-class scan: the native addon's vectorised kernel against the TypeScript one, on both
 * layouts (row-major: GFL, transposed class planes: YOLOv8), with ties, NaN, a threshold between floats.
 */
import { describe, expect, it } from 'vitest';
import { bestClassJs } from '../../elements/detect/scan';
import { loadPixelAddon } from '../../ts-runtime/preprocess/index';

function random(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s / 4294967296) * 0.6;
  }
  return out;
}

describe('best class per candidate', () => {
  const addon = loadPixelAddon();
  const cases: [string, number, number, number, number][] = [
    // name, rows, classes, start, rowStride (0: class planes)
    ['GFL level 40x40, 80 classes', 1600, 80, 0, 80],
    ['rows with a stride wider than the classes, after an offset', 300, 17, 5, 21],
    ['YOLOv8 8400 candidates, 80 class planes after 4 box planes', 8400, 80, 4 * 8400, 0],
    ['one class', 50, 1, 0, 1],
  ];
  for (const [name, rows, classes, start, rowStride] of cases) {
    it(`native == TypeScript: ${name}`, () => {
      const size = rowStride > 0 ? start + (rows - 1) * rowStride + classes : start + classes * rows;
      const v = random(size, rows + classes);
      // ties: the first of equal maxima wins; NaN never wins
      // candidate 0: classes 0 and 2 tie above every random score (< 0.6)
      v[start] = 0.65;
      if (classes > 2) v[start + (rowStride > 0 ? 2 : 2 * rows)] = 0.65;
      v[start + (rowStride > 0 ? rowStride : 1)] = Number.NaN;
      for (const threshold of [0.5, 0.65, Math.fround(0.65), Math.fround(0.65) + 1e-12, 0.7]) {
        const js = bestClassJs(v, rows, classes, start, rowStride, threshold);
        const native = addon.bestClass(v, rows, classes, start, rowStride, threshold);
        expect([...native[0]], `index, threshold ${threshold}`).toEqual([...js[0]]);
        expect([...native[1]], 'class').toEqual([...js[1]]);
        expect([...native[2]], 'score').toEqual([...js[2]]);
      }
      const kept = bestClassJs(v, rows, classes, start, rowStride, 0.5);
      expect(kept[0].length).toBeGreaterThan(0);
      expect(kept[0][0]).toBe(0);
      expect(kept[1][0]).toBe(0); // the first of the tied classes
      expect(kept[2][0]).toBe(Math.fround(0.65));
    });
  }

  it('rejects a layout that reaches past the scores', () => {
    expect(() => addon.bestClass(new Float32Array(10), 3, 4, 0, 4, 0.5)).toThrow(/past the end/);
    expect(() => addon.bestClass(new Float32Array(10), 3, 4, 0, 0, 0.5)).toThrow(/past the end/);
  });
});
