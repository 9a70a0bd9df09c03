/**
 * Linear assignment (min-cost bipartite matching) on dense cost matrices.
 *
 * The core is the Kuhn–Munkres algorithm in its shortest-augmenting-path form with dual potentials
 * (the Jonker–Volgenant / Crouse formulation that scipy's `linear_sum_assignment` uses): O(n²·m) worst case
 * for n ≤ m, but close to O(n·m) for the near-diagonal IoU matrices a tracker produces. Scratch buffers are
 * kept per module and grown on demand, so steady-state calls do not allocate beyond the result arrays.
 *
 * Three entry points:
 * - {@link solveAssignment}: complete assignment of the smaller side, all costs finite.
 * - {@link assignWithLimit}: partial matching where a pair may only match when `cost <= costLimit`; it minimises
 *   `Σ(cost - costLimit)` over matched pairs, which is exactly `lap.lapjv(extend_cost=True, cost_limit=…)`
 *   as used by ByteTrack (an unmatched row/column "costs" half the limit each).
 * - {@link assignMaxCardinality}: pairs with a non-finite cost are forbidden; finds a matching of maximum
 *   cardinality and, among those, minimum total cost — py-motmetrics' `linear_sum_assignment` semantics.
 */

let bufU = new Float64Array(0);
let bufV = new Float64Array(0);
let bufMinv = new Float64Array(0);
let bufP = new Int32Array(0);
let bufWay = new Int32Array(0);
let bufUsed = new Uint8Array(0);
let bufT = new Float64Array(0);
let bufC = new Float64Array(0);
let sparseParent = new Int32Array(0);
let sparseDegree = new Int32Array(0);
let sparseLastCol = new Int32Array(0);

function ensure(n: number, m: number): void {
  if (bufU.length < n + 1) bufU = new Float64Array(Math.max(n + 1, bufU.length * 2));
  if (bufV.length < m + 1) {
    const size = Math.max(m + 1, bufV.length * 2);
    bufV = new Float64Array(size);
    bufMinv = new Float64Array(size);
    bufP = new Int32Array(size);
    bufWay = new Int32Array(size);
    bufUsed = new Uint8Array(size);
  }
}

/**
 * Hungarian core on an n x m row-major matrix with n ≤ m: writes into rowToCol (length ≥ n) the column of
 * every row. All costs must be finite.
 */
function hungarianCore(a: ArrayLike<number>, n: number, m: number, rowToCol: Int32Array): void {
  ensure(n, m);
  const u = bufU, v = bufV, minv = bufMinv, p = bufP, way = bufWay, used = bufUsed;
  u.fill(0, 0, n + 1);
  v.fill(0, 0, m + 1);
  p.fill(0, 0, m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity, 0, m + 1);
    used.fill(0, 0, m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      const base = (i0 - 1) * m - 1;
      const ui0 = u[i0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j] === 0) {
          const cur = a[base + j] - ui0 - v[j];
          if (cur < minv[j]) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j] < delta) {
            delta = minv[j];
            j1 = j;
          }
        }
      }
      if (j1 === 0) break; // only reachable with non-finite costs; callers guarantee finiteness
      for (let j = 0; j <= m; j++) {
        if (used[j] === 1) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    while (j0 !== 0) {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    }
  }
  for (let j = 1; j <= m; j++) if (p[j] !== 0) rowToCol[p[j] - 1] = j - 1;
}

/**
 * Complete min-cost assignment of an `n x m` row-major matrix of finite costs: every row is assigned when
 * n ≤ m, every column when n > m. Returns `rowToCol` (−1 for rows left out when n > m).
 */
export function solveAssignment(cost: ArrayLike<number>, n: number, m: number): Int32Array {
  const rowToCol = new Int32Array(n).fill(-1);
  if (n === 0 || m === 0) return rowToCol;
  if (n <= m) {
    hungarianCore(cost, n, m, rowToCol);
    return rowToCol;
  }
  // Transpose so that the smaller side is the rows.
  if (bufT.length < n * m) bufT = new Float64Array(Math.max(n * m, bufT.length * 2));
  const t = bufT;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = cost[i * m + j];
  const colToRow = new Int32Array(m).fill(-1);
  hungarianCore(t, m, n, colToRow);
  for (let j = 0; j < m; j++) if (colToRow[j] >= 0) rowToCol[colToRow[j]] = j;
  return rowToCol;
}

/** A partial matching: `rowToCol[i]` / `colToRow[j]` are −1 when unmatched. */
export interface Matching {
  rowToCol: Int32Array;
  colToRow: Int32Array;
  /** Number of matched pairs. */
  count: number;
}

function emptyMatching(n: number, m: number): Matching {
  return { rowToCol: new Int32Array(n).fill(-1), colToRow: new Int32Array(m).fill(-1), count: 0 };
}

/**
 * Solves a compacted sub-problem: rows `rs`, columns `cs` of `cost`, with per-entry mapping `f` applied
 * (f returns the finite cost to optimise), then keeps pairs for which `accept(original)` holds.
 */
function solveCompact(
  cost: ArrayLike<number>,
  m: number,
  rs: Int32Array,
  nr: number,
  cs: Int32Array,
  nc: number,
  f: (c: number) => number,
  accept: (c: number) => boolean,
  out: Matching,
): void {
  if (bufC.length < nr * nc) bufC = new Float64Array(Math.max(nr * nc, bufC.length * 2));
  const c = bufC;
  for (let a = 0; a < nr; a++) {
    const src = rs[a] * m;
    const dst = a * nc;
    for (let b = 0; b < nc; b++) c[dst + b] = f(cost[src + cs[b]]);
  }
  const r2c = solveAssignment(c, nr, nc);
  for (let a = 0; a < nr; a++) {
    const b = r2c[a];
    if (b < 0) continue;
    const i = rs[a], j = cs[b];
    if (!accept(cost[i * m + j])) continue;
    out.rowToCol[i] = j;
    out.colToRow[j] = i;
    out.count++;
  }
}

/**
 * Sparse form of {@link assignWithLimit}: `count` candidate pairs `(ei[k], ej[k])` with cost `ec[k]` between
 * `n` rows and `m` columns; pairs with `ec[k] > costLimit` (or NaN) are ignored; duplicate pairs keep the lowest
 * cost. Same objective and result as the dense version.
 *
 * The problem separates over the connected components of the admissible-pair graph, so each component is
 * solved on its own: a lone pair is matched directly, larger ones by the Hungarian core on the component's
 * sub-matrix with missing pairs clamped to `costLimit` (a row assigned at a missing pair stays unmatched; the
 * clamped complete assignment has the same optimum as the partial problem). Tracking frames decompose into tiny
 * components, so the cost is essentially linear in the number of candidate pairs.
 */
export function assignSparseWithLimit(
  n: number,
  m: number,
  ei: ArrayLike<number>,
  ej: ArrayLike<number>,
  ec: ArrayLike<number>,
  count: number,
  costLimit: number,
): Matching {
  const out = emptyMatching(n, m);
  if (n === 0 || m === 0 || count === 0) return out;
  if (sparseParent.length < n + m) {
    const size = Math.max(n + m, sparseParent.length * 2);
    sparseParent = new Int32Array(size);
    sparseDegree = new Int32Array(size);
    sparseLastCol = new Int32Array(size);
  }
  const parent = sparseParent, degree = sparseDegree, lastCol = sparseLastCol;
  for (let k = 0; k < n + m; k++) {
    parent[k] = k;
    degree[k] = 0;
  }
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  let edges = 0;
  for (let k = 0; k < count; k++) {
    if (!(ec[k] <= costLimit)) continue;
    const i = ei[k], j = ej[k];
    degree[i]++;
    degree[n + j]++;
    lastCol[i] = j;
    edges++;
    const ra = find(i), rb = find(n + j);
    if (ra !== rb) parent[ra] = rb;
  }
  if (edges === 0) return out;
  // Lone pairs: both endpoints have exactly one admissible partner.
  let pending = false;
  for (let i = 0; i < n; i++) {
    if (degree[i] === 0) continue;
    if (degree[i] === 1 && degree[n + lastCol[i]] === 1) {
      const j = lastCol[i];
      out.rowToCol[i] = j;
      out.colToRow[j] = i;
      out.count++;
      degree[i] = 0;
      degree[n + j] = 0;
    } else {
      pending = true;
    }
  }
  if (!pending) return out;
  // Remaining components: local indices per component root.
  const localIndex = new Int32Array(n + m).fill(-1);
  const compRows = new Map<number, number[]>();
  const compCols = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (degree[i] === 0) continue;
    const r = find(i);
    let list = compRows.get(r);
    if (list === undefined) compRows.set(r, (list = []));
    localIndex[i] = list.length;
    list.push(i);
  }
  for (let j = 0; j < m; j++) {
    if (degree[n + j] === 0) continue;
    const r = find(n + j);
    let list = compCols.get(r);
    if (list === undefined) compCols.set(r, (list = []));
    localIndex[n + j] = list.length;
    list.push(j);
  }
  const mats = new Map<number, { c: Float64Array; real: Float64Array }>();
  for (const [r, rows] of compRows) {
    const cols = compCols.get(r) ?? [];
    const size = rows.length * cols.length;
    mats.set(r, { c: new Float64Array(size).fill(costLimit), real: new Float64Array(size).fill(NaN) });
  }
  for (let k = 0; k < count; k++) {
    const c = ec[k];
    if (!(c <= costLimit)) continue;
    const i = ei[k], j = ej[k];
    if (degree[i] === 0) continue;
    const r = find(i);
    const mat = mats.get(r);
    const cols = compCols.get(r);
    if (mat === undefined || cols === undefined) continue;
    const idx = localIndex[i] * cols.length + localIndex[n + j];
    if (Number.isNaN(mat.real[idx]) || c < mat.real[idx]) {
      mat.real[idx] = c;
      mat.c[idx] = c;
    }
  }
  for (const [r, rows] of compRows) {
    const cols = compCols.get(r);
    const mat = mats.get(r);
    if (cols === undefined || mat === undefined) continue;
    const nr = rows.length, nc = cols.length;
    const r2c = solveAssignment(mat.c, nr, nc);
    for (let a = 0; a < nr; a++) {
      const b = r2c[a];
      if (b < 0 || Number.isNaN(mat.real[a * nc + b])) continue;
      out.rowToCol[rows[a]] = cols[b];
      out.colToRow[cols[b]] = rows[a];
      out.count++;
    }
  }
  return out;
}

/**
 * Partial min-cost matching with a cost limit (ByteTrack / lapjv `cost_limit` semantics): a pair (i, j) may
 * match only when `cost[i*m+j] <= costLimit`; the matching minimises `Σ (cost − costLimit)` over matched
 * pairs. NaN entries never match. Dense front end of {@link assignSparseWithLimit}.
 */
export function assignWithLimit(cost: ArrayLike<number>, n: number, m: number, costLimit: number): Matching {
  const ei: number[] = [];
  const ej: number[] = [];
  const ec: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * m;
    for (let j = 0; j < m; j++) {
      const c = cost[base + j];
      if (c <= costLimit) {
        ei.push(i);
        ej.push(j);
        ec.push(c);
      }
    }
  }
  return assignSparseWithLimit(n, m, ei, ej, ec, ei.length, costLimit);
}

/**
 * Maximum-cardinality, then minimum-cost matching where non-finite entries (NaN, ±Infinity) are forbidden
 * pairs — the semantics of py-motmetrics' `lap.linear_sum_assignment` (forbidden edges are replaced by a
 * constant `2·r·c + 1` larger than any admissible solution can make up for, then discarded).
 */
export function assignMaxCardinality(cost: ArrayLike<number>, n: number, m: number): Matching {
  const out = emptyMatching(n, m);
  if (n === 0 || m === 0) return out;
  const rowOk = new Uint8Array(n);
  const colOk = new Uint8Array(m);
  let maxAbs = 0;
  let anyValid = false;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const c = cost[i * m + j];
      if (Number.isFinite(c)) {
        rowOk[i] = 1;
        colOk[j] = 1;
        anyValid = true;
        const a = Math.abs(c);
        if (a > maxAbs) maxAbs = a;
      }
    }
  }
  if (!anyValid) return out;
  const rs = new Int32Array(n);
  const cs = new Int32Array(m);
  let nr = 0, nc = 0;
  for (let i = 0; i < n; i++) if (rowOk[i] === 1) rs[nr++] = i;
  for (let j = 0; j < m; j++) if (colOk[j] === 1) cs[nc++] = j;
  const r = Math.min(nr, nc);
  const large = 2 * r * (maxAbs + 1) + 1;
  solveCompact(
    cost, m, rs, nr, cs, nc,
    (c) => (Number.isFinite(c) ? c : large),
    (c) => Number.isFinite(c),
    out,
  );
  return out;
}
