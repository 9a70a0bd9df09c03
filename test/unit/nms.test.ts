/** Greedy NMS and IoU. */
import { describe, expect, it } from 'vitest';
import { iou, nms } from '../../elements/detect/index';
import type { RawDetection } from '../../elements/detect/index';

const det = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0): RawDetection => ({ x1, y1, x2, y2, score, classId });

describe('iou', () => {
  it('is 1 for identical boxes and 0 for disjoint or touching ones', () => {
    expect(iou(det(0, 0, 10, 10, 1), det(0, 0, 10, 10, 1))).toBe(1);
    expect(iou(det(0, 0, 10, 10, 1), det(20, 20, 30, 30, 1))).toBe(0);
    expect(iou(det(0, 0, 10, 10, 1), det(10, 0, 20, 10, 1))).toBe(0);
  });

  it('computes intersection over union', () => {
    // 10x10 and 10x10 overlapping 5x10: 50 / 150
    expect(iou(det(0, 0, 10, 10, 1), det(5, 0, 15, 10, 1))).toBeCloseTo(1 / 3, 12);
    // containment: 25 / 100
    expect(iou(det(0, 0, 10, 10, 1), det(2, 2, 7, 7, 1))).toBeCloseTo(0.25, 12);
    // symmetric
    const a = det(3, 4, 17, 21, 1);
    const b = det(8, -2, 30, 12, 1);
    expect(iou(a, b)).toBeCloseTo(iou(b, a), 15);
    // (17-8)*(12-4) = 72; areas 14*17=238, 22*14=308 → 72 / 474
    expect(iou(a, b)).toBeCloseTo(72 / 474, 12);
  });

  it('is 0 for empty or inverted boxes', () => {
    expect(iou(det(5, 5, 5, 10, 1), det(0, 0, 10, 10, 1))).toBe(0);
    expect(iou(det(10, 10, 0, 0, 1), det(0, 0, 10, 10, 1))).toBe(0);
  });
});

describe('nms', () => {
  const overlapping = [
    det(0, 0, 100, 100, 0.6, 0),
    det(5, 5, 105, 105, 0.9, 0), // IoU with the first ≈ 0.82
    det(2, 2, 102, 102, 0.8, 1), // other class
    det(200, 200, 250, 250, 0.5, 0),
  ];

  it('keeps the best box of an overlapping cluster, best first', () => {
    const kept = nms(overlapping, 0.5, { classAware: true });
    expect(kept.map((d) => d.score)).toEqual([0.9, 0.8, 0.5]);
    expect(kept[0]).toBe(overlapping[1]); // the same objects are returned
  });

  it('is class-aware by default: boxes of different classes never suppress each other', () => {
    expect(nms(overlapping, 0.5).map((d) => d.score)).toEqual([0.9, 0.8, 0.5]);
    const sameBoxes = [det(0, 0, 10, 10, 0.9, 0), det(0, 0, 10, 10, 0.8, 1), det(0, 0, 10, 10, 0.7, 2)];
    expect(nms(sameBoxes, 0.1)).toHaveLength(3);
  });

  it('is class-agnostic on request', () => {
    expect(nms(overlapping, 0.5, { classAware: false }).map((d) => d.score)).toEqual([0.9, 0.5]);
  });

  it('suppresses only above the IoU threshold (strictly greater)', () => {
    const a = det(0, 0, 10, 10, 0.9);
    const b = det(5, 0, 15, 10, 0.8); // IoU 1/3
    expect(nms([a, b], 1 / 3)).toHaveLength(2);
    expect(nms([a, b], 0.33)).toHaveLength(1);
  });

  it('uses only kept boxes to suppress (greedy, not transitive)', () => {
    // b overlaps a (suppressed); c overlaps b but not a → c survives
    const a = det(0, 0, 10, 10, 0.9);
    const b = det(4, 0, 14, 10, 0.8); // IoU(a,b) = 60/140 ≈ 0.43
    const c = det(8, 0, 18, 10, 0.7); // IoU(a,c) = 20/180 ≈ 0.11, IoU(b,c) ≈ 0.43
    expect(nms([a, b, c], 0.3)).toEqual([a, c]);
  });

  it('limits the result to maxDetections, best first', () => {
    const many = Array.from({ length: 20 }, (_, i) => det(i * 20, 0, i * 20 + 10, 10, i / 20));
    const kept = nms(many, 0.5, { maxDetections: 5 });
    expect(kept.map((d) => d.score)).toEqual([19, 18, 17, 16, 15].map((i) => i / 20));
    expect(nms(many, 0.5, { maxDetections: 0 })).toEqual([]);
    expect(nms(many, 0.5)).toHaveLength(20);
  });

  it('breaks score ties by input order, deterministically', () => {
    const a = det(0, 0, 10, 10, 0.5);
    const b = det(1, 1, 11, 11, 0.5); // overlaps a, same score
    const c = det(50, 50, 60, 60, 0.5);
    expect(nms([a, b, c], 0.5)).toEqual([a, c]);
    expect(nms([b, a, c], 0.5)).toEqual([b, c]);
    expect(nms([c, b, a], 0.5)).toEqual([c, b]);
    // unsuppressed ties keep their input order
    const far = [det(0, 0, 1, 1, 0.5), det(10, 10, 11, 11, 0.5), det(20, 20, 21, 21, 0.5)];
    expect(nms(far, 0.5)).toEqual(far);
  });

  it('handles empty input, drops NaN scores, keeps empty boxes without letting them suppress', () => {
    expect(nms([], 0.5)).toEqual([]);
    const empty = det(5, 5, 5, 5, 0.95);
    const real = det(0, 0, 10, 10, 0.9);
    expect(nms([det(0, 0, 10, 10, Number.NaN), real, empty], 0.5)).toEqual([empty, real]);
  });

  it('is fast enough for thousands of candidates', () => {
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const dets: RawDetection[] = [];
    for (let i = 0; i < 8000; i++) {
      const x = rand() * 600;
      const y = rand() * 600;
      dets.push(det(x, y, x + 10 + rand() * 60, y + 10 + rand() * 60, rand(), Math.floor(rand() * 80)));
    }
    const t0 = performance.now();
    const kept = nms(dets, 0.45);
    const ms = performance.now() - t0;
    expect(kept.length).toBeGreaterThan(0);
    // scores never increase along the result, and no kept pair of one class overlaps above the threshold
    for (let i = 1; i < kept.length; i++) expect(kept[i].score).toBeLessThanOrEqual(kept[i - 1].score);
    for (let i = 0; i < kept.length; i++) {
      for (let j = i + 1; j < kept.length; j++) {
        if (kept[i].classId === kept[j].classId && iou(kept[i], kept[j]) > 0.45) throw new Error(`kept ${i} and ${j} overlap`);
      }
    }
    expect(ms).toBeLessThan(1000);
  });
});
