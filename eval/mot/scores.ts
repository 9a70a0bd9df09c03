/**
 * Detection scores for the tracker: its thresholds (high-threshold, new-track-threshold, …) are probabilities.
 * MOT15's public Faster R-CNN detections are probabilities already; DPM's (MOT16/MOT17 `det.txt`, MOT15's
 * original files) are SVM margins, unbounded, with the decision boundary at 0 (MOT16-11: −0.5 … 4.2, median
 * 0.65). `auto` leaves scores that all lie in [0, 1] as they are and reads any other set as margins: each score s
 * becomes 1 / (1 + e^−s), Platt's logistic with no fitted parameters (no ground truth involved), so margin 0 is
 * 0.5 whatever the set's extremes. `min-max` (the evaluator's earlier rule) maps the set's [min, max] onto [0, 1],
 * which depends on its single highest score: it put MOT16-11's median at 0.24 and 87% of its boxes below the
 * new-track threshold. `none` never changes a score.
 */
export type ScoreNormalization = 'auto' | 'min-max' | 'none';

export interface ScoreMapping {
  /** The score the tracker sees for a detection's `score`. */
  map(score: number): number;
  /** What was done: 'none' (scores used as given), 'logistic' or 'min-max'. */
  applied: 'none' | 'logistic' | 'min-max';
  /** The lowest and highest score of the set (NaN for an empty set). */
  range: [number, number];
}

export function scoreMapping(scores: readonly number[], mode: ScoreNormalization = 'auto'): ScoreMapping {
  let lo = Infinity, hi = -Infinity;
  for (const s of scores) {
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  const range: [number, number] = scores.length > 0 ? [lo, hi] : [NaN, NaN];
  const outside = scores.length > 0 && (lo < 0 || hi > 1);
  if (mode === 'none' || !outside) return { map: (s) => s, applied: 'none', range };
  if (mode === 'min-max') {
    const span = hi - lo;
    return { map: (s) => (span > 0 ? (s - lo) / span : 1), applied: 'min-max', range };
  }
  return { map: (s) => 1 / (1 + Math.exp(-s)), applied: 'logistic', range };
}
