/**
 * The best class of each candidate whose best score reaches the threshold: the hot loop of the GFL and YOLOv8
 * decoders (every score of every candidate is looked at). Plain TypeScript here; the runtime plugs in the
 * native addon's vectorised version (useBestClassKernel), which has the same semantics: the first of equal
 * maxima wins, NaN never does, a candidate is kept when its best score is >= threshold.
 */

/** Kept candidates: their index, best class and its score. */
export type BestClassRows = [index: Int32Array, classId: Int32Array, score: Float32Array];

/**
 * Scores of candidate r, class c: at start + r * rowStride + c (row-major), or with rowStride 0 at
 * start + c * rows + r (class planes, YOLOv8's transposed layout).
 */
export type BestClassKernel = (scores: Float32Array, rows: number, classes: number, start: number, rowStride: number, threshold: number) => BestClassRows;

let native: BestClassKernel | null = null;

/** Uses `kernel` for Float32Array scores from now on (null: the TypeScript one). */
export function useBestClassKernel(kernel: BestClassKernel | null): void {
  native = kernel;
}

export function bestClassPerRow(scores: ArrayLike<number>, rows: number, classes: number, start: number, rowStride: number, threshold: number): BestClassRows {
  if (native && scores instanceof Float32Array) return native(scores, rows, classes, start, rowStride, threshold);
  return bestClassJs(scores, rows, classes, start, rowStride, threshold);
}

export function bestClassJs(v: ArrayLike<number>, rows: number, classes: number, start: number, rowStride: number, threshold: number): BestClassRows {
  const index: number[] = [];
  const classId: number[] = [];
  const score: number[] = [];
  if (rowStride > 0) {
    for (let r = 0; r < rows; r++) {
      const base = start + r * rowStride;
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < classes; c++) {
        const s = v[base + c];
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (!(bestScore >= threshold)) continue;
      index.push(r);
      classId.push(best);
      score.push(bestScore);
    }
  } else {
    // Class planes in memory order (cache friendly).
    const bestScore = new Float32Array(rows).fill(-Infinity);
    const best = new Int32Array(rows).fill(-1);
    for (let c = 0; c < classes; c++) {
      const plane = start + c * rows;
      for (let r = 0; r < rows; r++) {
        const s = v[plane + r];
        if (s > bestScore[r]) {
          bestScore[r] = s;
          best[r] = c;
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      if (!(bestScore[r] >= threshold)) continue;
      index.push(r);
      classId.push(best[r]);
      score.push(bestScore[r]);
    }
  }
  return [Int32Array.from(index), Int32Array.from(classId), Float32Array.from(score)];
}
