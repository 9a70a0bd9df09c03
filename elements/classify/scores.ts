/**
 * Turning a classifier's output vector into classifications: activation (softmax for logits, sigmoid
 * for multi-label models), top-k, threshold and labels.
 */

export type Activation = 'auto' | 'softmax' | 'sigmoid' | 'none';

export interface ScoreOptions {
  /** auto: softmax, unless the values already are probabilities (multi-label: sigmoid unless in 0..1). */
  activation: Activation;
  /** Every class whose probability reaches `threshold` (sigmoid), instead of one distribution (softmax). */
  multiLabel: boolean;
  /** Keep at most this many classes, best first (0: no limit). */
  topK: number;
  /** Minimum probability of a kept class. */
  threshold: number;
  labels: readonly string[];
  attribute: string;
}

export interface ScoredClass {
  attribute: string;
  label: string;
  classId: number;
  confidence: number;
}

/** True when `values` look like a probability distribution already (all in 0..1, summing to 1 ± 1 %). */
export function isDistribution(values: ArrayLike<number>): boolean {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= 0.01;
}

function inUnitRange(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!(values[i] >= 0 && values[i] <= 1)) return false;
  return true;
}

/** Numerically stable softmax. */
export function softmax(values: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.exp(values[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

export function sigmoid(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = 1 / (1 + Math.exp(-values[i]));
  return out;
}

/** Which activation `auto` resolves to for these values. */
export function resolveActivation(values: ArrayLike<number>, activation: Activation, multiLabel: boolean): Exclude<Activation, 'auto'> {
  if (activation !== 'auto') return activation;
  if (multiLabel) return inUnitRange(values) ? 'none' : 'sigmoid';
  return isDistribution(values) ? 'none' : 'softmax';
}

/** The classes of one output vector, best first. */
export function scoreClasses(values: ArrayLike<number>, options: ScoreOptions): ScoredClass[] {
  const activation = resolveActivation(values, options.activation, options.multiLabel);
  const probs = activation === 'softmax' ? softmax(values) : activation === 'sigmoid' ? sigmoid(values) : Float64Array.from(values);
  const limit = options.topK > 0 ? options.topK : probs.length;
  const order: number[] = [];
  for (let i = 0; i < probs.length; i++) if (probs[i] >= options.threshold && Number.isFinite(probs[i])) order.push(i);
  order.sort((a, b) => probs[b] - probs[a] || a - b);
  // Single-label: the distribution's best classes (top-k); multi-label: every class above threshold (top-k caps it).
  return order.slice(0, limit).map((classId) => ({
    attribute: options.attribute,
    label: options.labels[classId] ?? String(classId),
    classId,
    confidence: probs[classId],
  }));
}

/** The vector scaled to unit length (re-identification embeddings are compared by cosine). */
export function l2Normalize(values: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  const norm = Math.sqrt(sum);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = norm > 0 ? values[i] / norm : 0;
  return out;
}
