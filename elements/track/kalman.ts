/**
 * Constant-velocity Kalman filtering of bounding boxes.
 *
 * One filter implementation serves two published parameterisations ({@link MotionModel}):
 * - {@link XYAH_MODEL}: ByteTrack / DeepSORT, state `(cx, cy, a, h, vcx, vcy, va, vh)` with a = w/h, noise
 *   proportional to the box height (std weights 1/20 for position, 1/160 for velocity).
 * - {@link SORT_MODEL}: SORT, state `(cx, cy, s, r, vcx, vcy, vs)` with s = area, r = w/h (constant aspect).
 *
 * In both, the measurement is the first four state components (H = [I₄ 0]) and each measured component
 * k < 4 may have a velocity component `velocityOf[k]` (F = I + Σ E(k, velocityOf[k]), dt = 1 frame). The
 * structure is exploited instead of multiplying dense matrices: a predict costs O(dim²), an update solves a
 * 4x4 SPD system by an unrolled Cholesky (~0.2–0.4 µs each). State and covariance are Float64Arrays
 * (row-major dim x dim); the covariance is kept exactly symmetric (upper triangle computed, then mirrored),
 * its diagonal positive, and the innovation covariance gets a scale-aware jitter if it ever stops being
 * numerically positive definite, so long runs of predict-only steps stay sane. Updates that would produce
 * non-finite numbers are refused (the state is left untouched).
 */
import type { Box } from 'tsvision';

export interface MotionModel {
  readonly name: string;
  /** State dimension. */
  readonly dim: number;
  /** For each measured component k (0..3): index of its velocity in the state, or −1 for none. */
  readonly velocityOf: readonly number[];
  /** Box → measurement vector z (length 4). */
  measure(box: Box, z: Float64Array): void;
  /** State → box (guards against non-positive sizes). */
  box(mean: Float64Array): Box;
  /** State → `[left, top, right, bottom]` written at `out[4 * index]` (same guards as `box`, no allocation). */
  ltrbInto(mean: Float64Array, out: Float64Array, index: number): void;
  /** Initial state and covariance from a first measurement. */
  initiate(z: Float64Array, mean: Float64Array, cov: Float64Array): void;
  /** Diagonal of the process noise Q for one step, given the state before the step. */
  processNoise(mean: Float64Array, qDiag: Float64Array): void;
  /** Diagonal of the measurement noise R, given the predicted state. */
  measurementNoise(mean: Float64Array, rDiag: Float64Array): void;
  /** Optional state fix-up before each predict step (SORT clamps a shrinking area's velocity). */
  beforePredict?(mean: Float64Array): void;
  /**
   * The size components a camera zoom scales, as [state index, power of the scale] (the box height scales
   * with s, an area with s²), velocities included; the centre and its velocity are indices 0, 1 and
   * velocityOf[0], velocityOf[1].
   */
  readonly sizeScaling: readonly (readonly [number, number])[];
}

const MIN_SIZE = 1e-3;

const STD_POS = 1 / 20;
const STD_VEL = 1 / 160;

/** ByteTrack / DeepSORT box model: x = (cx, cy, aspect w/h, h, velocities). */
export const XYAH_MODEL: MotionModel = {
  name: 'xyah',
  dim: 8,
  velocityOf: [4, 5, 6, 7],
  sizeScaling: [
    [3, 1],
    [7, 1],
  ],
  measure(box, z) {
    z[0] = box.x + box.width / 2;
    z[1] = box.y + box.height / 2;
    z[2] = box.width / box.height;
    z[3] = box.height;
  },
  box(mean) {
    const h = Math.max(mean[3], MIN_SIZE);
    const w = Math.max(mean[2], MIN_SIZE) * h;
    return { x: mean[0] - w / 2, y: mean[1] - h / 2, width: w, height: h };
  },
  ltrbInto(mean, out, index) {
    const h = Math.max(mean[3], MIN_SIZE);
    const w = Math.max(mean[2], MIN_SIZE) * h;
    const o = index * 4;
    out[o] = mean[0] - w / 2;
    out[o + 1] = mean[1] - h / 2;
    out[o + 2] = out[o] + w;
    out[o + 3] = out[o + 1] + h;
  },
  initiate(z, mean, cov) {
    for (let i = 0; i < 4; i++) {
      mean[i] = z[i];
      mean[i + 4] = 0;
    }
    const h = z[3];
    const std = [2 * STD_POS * h, 2 * STD_POS * h, 1e-2, 2 * STD_POS * h, 10 * STD_VEL * h, 10 * STD_VEL * h, 1e-5, 10 * STD_VEL * h];
    cov.fill(0);
    for (let i = 0; i < 8; i++) cov[i * 8 + i] = std[i] * std[i];
  },
  processNoise(mean, q) {
    const h = Math.max(Math.abs(mean[3]), MIN_SIZE);
    const p = STD_POS * h, v = STD_VEL * h;
    q[0] = p * p; q[1] = p * p; q[2] = 1e-4; q[3] = p * p;
    q[4] = v * v; q[5] = v * v; q[6] = 1e-10; q[7] = v * v;
  },
  measurementNoise(mean, r) {
    const h = Math.max(Math.abs(mean[3]), MIN_SIZE);
    const p = STD_POS * h;
    r[0] = p * p; r[1] = p * p; r[2] = 1e-2; r[3] = p * p;
  },
};

/** SORT's box model (Bewley et al. 2016): x = (cx, cy, area, aspect w/h, vcx, vcy, varea). */
export const SORT_MODEL: MotionModel = {
  name: 'sort',
  dim: 7,
  velocityOf: [4, 5, 6, -1],
  sizeScaling: [
    [2, 2],
    [6, 2],
  ],
  measure(box, z) {
    z[0] = box.x + box.width / 2;
    z[1] = box.y + box.height / 2;
    z[2] = box.width * box.height;
    z[3] = box.width / box.height;
  },
  box(mean) {
    const s = Math.max(mean[2], MIN_SIZE * MIN_SIZE);
    const r = Math.max(mean[3], MIN_SIZE);
    const w = Math.sqrt(s * r);
    const h = s / w;
    return { x: mean[0] - w / 2, y: mean[1] - h / 2, width: w, height: h };
  },
  ltrbInto(mean, out, index) {
    const b = SORT_MODEL.box(mean);
    const o = index * 4;
    out[o] = b.x;
    out[o + 1] = b.y;
    out[o + 2] = b.x + b.width;
    out[o + 3] = b.y + b.height;
  },
  initiate(z, mean, cov) {
    for (let i = 0; i < 4; i++) mean[i] = z[i];
    mean[4] = mean[5] = mean[6] = 0;
    cov.fill(0);
    // P = diag(1,1,1,1,1000,1000,1000) * 10 (the unobserved velocities get a large variance).
    for (let i = 0; i < 4; i++) cov[i * 7 + i] = 10;
    for (let i = 4; i < 7; i++) cov[i * 7 + i] = 10000;
  },
  processNoise(_mean, q) {
    q[0] = q[1] = q[2] = q[3] = 1;
    q[4] = q[5] = 0.01;
    q[6] = 1e-4;
  },
  measurementNoise(_mean, r) {
    r[0] = r[1] = 1;
    r[2] = r[3] = 10;
  },
  beforePredict(mean) {
    if (mean[6] + mean[2] <= 0) mean[6] = 0;
  },
};

/** A filter state: mean (dim) and covariance (dim x dim, row-major). */
export interface KalmanState {
  readonly mean: Float64Array;
  readonly cov: Float64Array;
}

/** A camera's move between two frames: p' = (a·x − b·y + tx, b·x + a·y + ty) in frame pixels. */
export interface Similarity {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

const scratchJ = new Float64Array(64);
const scratchJP = new Float64Array(64);

/**
 * Carries a state into the next frame's pixels after the camera moved by `m` (as BoT-SORT's GMC does): the
 * centre by the similarity, its velocity and the sizes by its linear part, the covariance as J·P·Jᵀ.
 */
export function kalmanWarp(model: MotionModel, state: KalmanState, m: Similarity): void {
  const d = model.dim;
  const { mean, cov } = state;
  const J = scratchJ.subarray(0, d * d);
  J.fill(0);
  for (let i = 0; i < d; i++) J[i * d + i] = 1;
  const scale = Math.sqrt(m.a * m.a + m.b * m.b);
  const block = (i: number, j: number) => {
    J[i * d + i] = m.a;
    J[i * d + j] = -m.b;
    J[j * d + i] = m.b;
    J[j * d + j] = m.a;
  };
  block(0, 1);
  const vx = model.velocityOf[0], vy = model.velocityOf[1];
  if (vx >= 0 && vy >= 0) block(vx, vy);
  for (const [i, power] of model.sizeScaling) J[i * d + i] = scale ** power;
  const x = mean[0], y = mean[1];
  const old = Float64Array.from(mean);
  for (let i = 0; i < d; i++) {
    let v = 0;
    for (let k = 0; k < d; k++) v += J[i * d + k] * old[k];
    mean[i] = v;
  }
  mean[0] = m.a * x - m.b * y + m.tx;
  mean[1] = m.b * x + m.a * y + m.ty;
  // P' = J P Jᵀ, kept exactly symmetric.
  const JP = scratchJP.subarray(0, d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += J[i * d + k] * cov[k * d + j];
      JP[i * d + j] = v;
    }
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += JP[i * d + k] * J[j * d + k];
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
}

/** A box carried by the camera's move (its centre by the similarity, its size by the scale). */
export function warpBox(box: Box, m: Similarity): Box {
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const scale = Math.sqrt(m.a * m.a + m.b * m.b);
  const width = box.width * scale, height = box.height * scale;
  const x = m.a * cx - m.b * cy + m.tx, y = m.b * cx + m.a * cy + m.ty;
  return { x: x - width / 2, y: y - height / 2, width, height };
}

const scratchQ = new Float64Array(16);
const scratchR = new Float64Array(4);
const scratchZ = new Float64Array(4);
const scratchPHt = new Float64Array(64);
const scratchK = new Float64Array(64);

/** Creates a filter state initialised from a first box. */
export function kalmanInitiate(model: MotionModel, box: Box): KalmanState {
  const mean = new Float64Array(model.dim);
  const cov = new Float64Array(model.dim * model.dim);
  model.measure(box, scratchZ);
  model.initiate(scratchZ, mean, cov);
  return { mean, cov };
}

/** Advances the state by `steps` frames (x ← F x, P ← F P Fᵀ + Q per frame). */
export function kalmanPredict(model: MotionModel, state: KalmanState, steps = 1): void {
  const d = model.dim;
  const { mean, cov } = state;
  const vel = model.velocityOf;
  const q = scratchQ;
  for (let s = 0; s < steps; s++) {
    model.beforePredict?.(mean);
    model.processNoise(mean, q);
    // A = F P: row k += row v for every (position k, velocity v) pair. Velocity rows are untouched, so the
    // order of the pairs does not matter.
    for (let k = 0; k < 4; k++) {
      const v = vel[k];
      if (v < 0) continue;
      mean[k] += mean[v];
      const rk = k * d, rv = v * d;
      for (let j = 0; j < d; j++) cov[rk + j] += cov[rv + j];
    }
    // P' = A Fᵀ (column j += column vel[j]) is symmetric: compute the upper triangle from A and mirror it, which
    // also keeps P exactly symmetric. A[i][v] (v a velocity column, v > j) is read before row i's column v is
    // written, and mirrored writes only touch columns < the row being read.
    for (let i = 0; i < d; i++) {
      const ri = i * d;
      for (let j = i; j < d; j++) {
        const vj = j < 4 ? vel[j] : -1;
        const val = vj >= 0 ? cov[ri + j] + cov[ri + vj] : cov[ri + j];
        cov[ri + j] = val;
        cov[j * d + i] = val;
      }
      cov[ri + i] += q[i];
    }
  }
}

/** Corrects the state with a measured box. Returns false (state untouched) if the update was degenerate. */
export function kalmanUpdate(model: MotionModel, state: KalmanState, box: Box): boolean {
  const d = model.dim;
  const { mean, cov } = state;
  const z = scratchZ, r = scratchR, K = scratchK, PHt = scratchPHt;
  model.measure(box, z);
  model.measurementNoise(mean, r);
  // Innovation covariance S = H P Hᵀ + R: the top-left 4x4 block of P plus R (upper triangle used).
  const d2 = 2 * d, d3 = 3 * d;
  const s00 = cov[0] + r[0], s01 = cov[1], s02 = cov[2], s03 = cov[3];
  const s11 = cov[d + 1] + r[1], s12 = cov[d + 2], s13 = cov[d + 3];
  const s22 = cov[d2 + 2] + r[2], s23 = cov[d2 + 3];
  const s33 = cov[d3 + 3] + r[3];
  // Cholesky S = L Lᵀ, unrolled; a scale-aware ridge is added if S is not numerically positive definite.
  let ridge = 0;
  let i00 = 0, l10 = 0, l20 = 0, l30 = 0, i11 = 0, l21 = 0, l31 = 0, i22 = 0, l32 = 0, i33 = 0;
  let ok = false;
  for (let attempt = 0; attempt < 8 && !ok; attempt++) {
    if (attempt > 0) ridge = ridge === 0 ? 1e-9 * (Math.abs(s00) + Math.abs(s11) + Math.abs(s22) + Math.abs(s33) + 1) : ridge * 100;
    const t0 = s00 + ridge;
    if (!(t0 > 0)) continue;
    const l00 = Math.sqrt(t0);
    i00 = 1 / l00;
    l10 = s01 * i00;
    l20 = s02 * i00;
    l30 = s03 * i00;
    const t1 = s11 + ridge - l10 * l10;
    if (!(t1 > 0)) continue;
    i11 = 1 / Math.sqrt(t1);
    l21 = (s12 - l20 * l10) * i11;
    l31 = (s13 - l30 * l10) * i11;
    const t2 = s22 + ridge - l20 * l20 - l21 * l21;
    if (!(t2 > 0)) continue;
    i22 = 1 / Math.sqrt(t2);
    l32 = (s23 - l30 * l20 - l31 * l21) * i22;
    const t3 = s33 + ridge - l30 * l30 - l31 * l31 - l32 * l32;
    if (!(t3 > 0)) continue;
    i33 = 1 / Math.sqrt(t3);
    ok = true;
  }
  if (!ok) return false;
  // Kalman gain K = P Hᵀ S⁻¹, row by row: solve S k = (P Hᵀ)[row] by forward / back substitution.
  const y0 = z[0] - mean[0], y1 = z[1] - mean[1], y2 = z[2] - mean[2], y3 = z[3] - mean[3];
  for (let row = 0; row < d; row++) {
    const o = row * d, q = row * 4;
    const b0 = cov[o], b1 = cov[o + 1], b2 = cov[o + 2], b3 = cov[o + 3];
    PHt[q] = b0;
    PHt[q + 1] = b1;
    PHt[q + 2] = b2;
    PHt[q + 3] = b3;
    const f0 = b0 * i00;
    const f1 = (b1 - l10 * f0) * i11;
    const f2 = (b2 - l20 * f0 - l21 * f1) * i22;
    const f3 = (b3 - l30 * f0 - l31 * f1 - l32 * f2) * i33;
    const x3 = f3 * i33;
    const x2 = (f2 - l32 * x3) * i22;
    const x1 = (f1 - l21 * x2 - l31 * x3) * i11;
    const x0 = (f0 - l10 * x1 - l20 * x2 - l30 * x3) * i00;
    K[q] = x0;
    K[q + 1] = x1;
    K[q + 2] = x2;
    K[q + 3] = x3;
    if (!Number.isFinite(x0 * y0 + x1 * y1 + x2 * y2 + x3 * y3)) return false;
  }
  for (let row = 0; row < d; row++) {
    const q = row * 4;
    mean[row] += K[q] * y0 + K[q + 1] * y1 + K[q + 2] * y2 + K[q + 3] * y3;
  }
  // P ← P − K (P Hᵀ)ᵀ; the product is symmetric (P Hᵀ S⁻¹ H P), so compute the upper triangle and mirror it.
  for (let i = 0; i < d; i++) {
    const qi = i * 4;
    const k0 = K[qi], k1 = K[qi + 1], k2 = K[qi + 2], k3 = K[qi + 3];
    for (let j = i; j < d; j++) {
      const qj = j * 4;
      const v = cov[i * d + j] - (k0 * PHt[qj] + k1 * PHt[qj + 1] + k2 * PHt[qj + 2] + k3 * PHt[qj + 3]);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
    // Round-off can push a tiny variance below 0; keep the diagonal positive.
    if (!(cov[i * d + i] > 0)) cov[i * d + i] = 1e-12;
  }
  return true;
}
