import { describe, expect, it } from 'vitest';
import {
  assignMaxCardinality,
  assignSparseWithLimit,
  assignWithLimit,
  solveAssignment,
} from '../../elements/track/assignment.js';
import { iou, iouMatrix, overlapPairsLtrb, toLtrb } from '../../elements/track/iou.js';
import {
  SORT_MODEL,
  XYAH_MODEL,
  kalmanInitiate,
  kalmanPredict,
  kalmanUpdate,
  type MotionModel,
} from '../../elements/track/kalman.js';
import type { Box } from 'tsvision';

/** Deterministic PRNG (LCG) so failures are reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Brute force over all partial matchings: calls visit(pairs) for each. */
function enumerateMatchings(n: number, m: number, ok: (i: number, j: number) => boolean, visit: (pairs: [number, number][]) => void): void {
  const used = new Array<boolean>(m).fill(false);
  const pairs: [number, number][] = [];
  const rec = (i: number): void => {
    if (i === n) {
      visit(pairs.slice());
      return;
    }
    rec(i + 1);
    for (let j = 0; j < m; j++) {
      if (used[j] || !ok(i, j)) continue;
      used[j] = true;
      pairs.push([i, j]);
      rec(i + 1);
      pairs.pop();
      used[j] = false;
    }
  };
  rec(0);
}

describe('assignment', () => {
  it('solveAssignment finds the optimal complete assignment (square and rectangular)', () => {
    const r = rng(1);
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(r() * 6), m = 1 + Math.floor(r() * 6);
      const c = Float64Array.from({ length: n * m }, () => Math.round(r() * 20) - 5);
      const r2c = solveAssignment(c, n, m);
      const k = Math.min(n, m);
      let got = 0, assigned = 0;
      const cols = new Set<number>();
      for (let i = 0; i < n; i++) {
        if (r2c[i] < 0) continue;
        assigned++;
        cols.add(r2c[i]);
        got += c[i * m + r2c[i]];
      }
      expect(assigned).toBe(k);
      expect(cols.size).toBe(k);
      let best = Infinity;
      enumerateMatchings(n, m, () => true, (p) => {
        if (p.length !== k) return;
        best = Math.min(best, p.reduce((s, [i, j]) => s + c[i * m + j], 0));
      });
      expect(got).toBeCloseTo(best, 9);
    }
  });

  it('assignWithLimit minimises Σ(cost − limit) over admissible pairs (lapjv cost_limit semantics)', () => {
    const r = rng(2);
    for (let t = 0; t < 300; t++) {
      const n = Math.floor(r() * 6), m = Math.floor(r() * 6);
      const limit = 0.7;
      const c = Float64Array.from({ length: n * m }, () => (r() < 0.15 ? NaN : r()));
      const res = assignWithLimit(c, n, m, limit);
      let got = 0;
      for (let i = 0; i < n; i++) {
        const j = res.rowToCol[i];
        if (j < 0) continue;
        expect(res.colToRow[j]).toBe(i);
        expect(c[i * m + j]).toBeLessThanOrEqual(limit);
        got += c[i * m + j] - limit;
      }
      let best = 0;
      enumerateMatchings(n, m, (i, j) => c[i * m + j] <= limit, (p) => {
        best = Math.min(best, p.reduce((s, [i, j]) => s + c[i * m + j] - limit, 0));
      });
      expect(got).toBeCloseTo(best, 9);
      // The sparse entry point gives the same optimum.
      const ei: number[] = [], ej: number[] = [], ec: number[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) if (!Number.isNaN(c[i * m + j])) (ei.push(i), ej.push(j), ec.push(c[i * m + j]));
      const sp = assignSparseWithLimit(n, m, ei, ej, ec, ei.length, limit);
      let sgot = 0;
      for (let i = 0; i < n; i++) if (sp.rowToCol[i] >= 0) sgot += c[i * m + sp.rowToCol[i]] - limit;
      expect(sgot).toBeCloseTo(best, 9);
    }
  });

  it('assignSparseWithLimit keeps the cheapest of duplicate pairs', () => {
    const res = assignSparseWithLimit(1, 2, [0, 0, 0], [0, 0, 1], [0.9, 0.1, 0.3], 3, 0.5);
    expect(res.rowToCol[0]).toBe(0);
    expect(res.count).toBe(1);
  });

  it('assignMaxCardinality maximises the number of pairs, then minimises cost (motmetrics semantics)', () => {
    const r = rng(3);
    for (let t = 0; t < 300; t++) {
      const n = Math.floor(r() * 6), m = Math.floor(r() * 6);
      const c = Float64Array.from({ length: n * m }, () => (r() < 0.4 ? NaN : r()));
      const res = assignMaxCardinality(c, n, m);
      let got = 0;
      for (let i = 0; i < n; i++) if (res.rowToCol[i] >= 0) got += c[i * m + res.rowToCol[i]];
      let bestCount = 0, bestCost = 0;
      enumerateMatchings(n, m, (i, j) => Number.isFinite(c[i * m + j]), (p) => {
        const cost = p.reduce((s, [i, j]) => s + c[i * m + j], 0);
        if (p.length > bestCount || (p.length === bestCount && cost < bestCost)) {
          bestCount = p.length;
          bestCost = cost;
        }
      });
      expect(res.count).toBe(bestCount);
      expect(got).toBeCloseTo(bestCost, 9);
    }
  });

  it('handles empty inputs', () => {
    expect(solveAssignment(new Float64Array(0), 0, 3).length).toBe(0);
    expect(assignWithLimit(new Float64Array(0), 3, 0, 1).count).toBe(0);
    expect(assignMaxCardinality([NaN, NaN], 1, 2).count).toBe(0);
  });
});

describe('iou', () => {
  it('computes IoU of boxes', () => {
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 0, y: 0, width: 10, height: 10 })).toBe(1);
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150, 12);
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 10, y: 0, width: 10, height: 10 })).toBe(0);
    expect(iou({ x: 0, y: 0, width: 0, height: 10 }, { x: 0, y: 0, width: 10, height: 10 })).toBe(0);
  });

  it('overlapPairsLtrb finds exactly the non-zero entries of the dense matrix', () => {
    const r = rng(4);
    for (let t = 0; t < 50; t++) {
      const mk = (): Box => ({ x: r() * 500, y: r() * 300, width: 5 + r() * 80, height: 5 + r() * 120 });
      const a = Array.from({ length: Math.floor(r() * 40) }, mk);
      const b = Array.from({ length: Math.floor(r() * 40) }, mk);
      const dense = iouMatrix(a, b);
      const pairs = overlapPairsLtrb(toLtrb(a), a.length, toLtrb(b), b.length);
      const seen = new Map<number, number>();
      for (let k = 0; k < pairs.count; k++) seen.set(pairs.i[k] * b.length + pairs.j[k], pairs.iou[k]);
      for (let i = 0; i < a.length; i++) {
        for (let j = 0; j < b.length; j++) {
          const v = dense[i * b.length + j];
          if (v > 0) expect(seen.get(i * b.length + j)).toBeCloseTo(v, 12);
          else expect(seen.has(i * b.length + j)).toBe(false);
        }
      }
    }
  });
});

/** Dense reference: F (dim x dim) for a model. */
function denseF(model: MotionModel): number[][] {
  const d = model.dim;
  const f = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  model.velocityOf.forEach((v, k) => {
    if (v >= 0) f[k][v] = 1;
  });
  return f;
}

function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

function transpose(a: number[][]): number[][] {
  return a[0].map((_, j) => a.map((row) => row[j]));
}

function toRows(p: Float64Array, d: number): number[][] {
  return Array.from({ length: d }, (_, i) => Array.from(p.subarray(i * d, i * d + d)));
}

describe('kalman', () => {
  for (const model of [XYAH_MODEL, SORT_MODEL]) {
    it(`${model.name}: predict equals F P Fᵀ + Q and update equals the textbook formulas`, () => {
      const d = model.dim;
      const st = kalmanInitiate(model, { x: 100, y: 50, width: 40, height: 90 });
      // Make the covariance dense by a few steps.
      kalmanPredict(model, st, 3);
      kalmanUpdate(model, st, { x: 104, y: 51, width: 41, height: 88 });
      kalmanPredict(model, st, 2);
      const mean0 = Array.from(st.mean);
      const P0 = toRows(st.cov, d);
      const q = new Float64Array(d);
      model.processNoise(st.mean, q);
      kalmanPredict(model, st, 1);
      const F = denseF(model);
      const expectP = matmul(matmul(F, P0), transpose(F)).map((row, i) => row.map((v, j) => v + (i === j ? q[i] : 0)));
      const expectX = F.map((row) => row.reduce((s, v, k) => s + v * mean0[k], 0));
      for (let i = 0; i < d; i++) {
        expect(st.mean[i]).toBeCloseTo(expectX[i], 9);
        for (let j = 0; j < d; j++) expect(st.cov[i * d + j]).toBeCloseTo(expectP[i][j], 6);
      }
      // Update against a dense reference: K = P Hᵀ (H P Hᵀ + R)⁻¹.
      const P = toRows(st.cov, d);
      const x = Array.from(st.mean);
      const box = { x: 110, y: 49, width: 39, height: 92 };
      const z = new Float64Array(4);
      model.measure(box, z);
      const r = new Float64Array(4);
      model.measurementNoise(st.mean, r);
      const S = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => P[i][j] + (i === j ? r[i] : 0)));
      const Sinv = invert4(S);
      const PHt = P.map((row) => row.slice(0, 4));
      const K = matmul(PHt, Sinv);
      const y = [0, 1, 2, 3].map((k) => z[k] - x[k]);
      const x1 = x.map((v, i) => v + K[i].reduce((s, kv, k) => s + kv * y[k], 0));
      const P1 = P.map((row, i) => row.map((v, j) => v - K[i].reduce((s, kv, k) => s + kv * P[k][j], 0)));
      expect(kalmanUpdate(model, st, box)).toBe(true);
      for (let i = 0; i < d; i++) {
        expect(st.mean[i]).toBeCloseTo(x1[i], 6);
        for (let j = 0; j < d; j++) expect(st.cov[i * d + j]).toBeCloseTo(P1[i][j], 6);
      }
    });

    it(`${model.name}: stays symmetric positive definite through long predict-only runs`, () => {
      const st = kalmanInitiate(model, { x: 10, y: 10, width: 30, height: 60 });
      for (let f = 1; f <= 20; f++) {
        kalmanPredict(model, st, 1);
        kalmanUpdate(model, st, { x: 10 + 3 * f, y: 10 + f, width: 30, height: 60 });
      }
      kalmanPredict(model, st, 2000);
      const d = model.dim;
      for (let i = 0; i < d; i++) {
        expect(Number.isFinite(st.mean[i])).toBe(true);
        expect(st.cov[i * d + i]).toBeGreaterThan(0);
        for (let j = 0; j < d; j++) expect(st.cov[i * d + j]).toBe(st.cov[j * d + i]);
      }
      expect(kalmanUpdate(model, st, { x: 500, y: 500, width: 30, height: 60 })).toBe(true);
      const b = model.box(st.mean);
      expect(b.width).toBeGreaterThan(0);
      expect(b.height).toBeGreaterThan(0);
    });

    it(`${model.name}: learns a constant velocity`, () => {
      const st = kalmanInitiate(model, { x: 0, y: 0, width: 40, height: 80 });
      for (let f = 1; f <= 30; f++) {
        kalmanPredict(model, st, 1);
        kalmanUpdate(model, st, { x: 5 * f, y: -2 * f, width: 40, height: 80 });
      }
      kalmanPredict(model, st, 10);
      const b = model.box(st.mean);
      expect(b.x).toBeCloseTo(5 * 40, -0.5);
      expect(b.y).toBeCloseTo(-2 * 40, -0.5);
    });
  }
});

function invert4(a: number[][]): number[][] {
  const n = 4;
  const m = a.map((row, i) => [...row, ...[0, 1, 2, 3].map((j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const pv = m[c][c];
    for (let k = 0; k < 2 * n; k++) m[c][k] /= pv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let k = 0; k < 2 * n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row) => row.slice(n));
}
