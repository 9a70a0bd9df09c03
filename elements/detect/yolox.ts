/**
 * YOLOX head (also light_person_detector and other YOLOX exports with `decode_in_inference=False`).
 *
 * Output `[1, N, 5 + C]`: one row per grid cell of the stride-8, -16 and -32 feature maps, in that order,
 * each map row-major. Row = raw cx, cy, w, h, objectness, C class scores (objectness and class scores
 * already passed through a sigmoid by the export). Decoding per cell (gx, gy) of stride s:
 *   cx = (x + gx) * s,  cy = (y + gy) * s,  w = exp(w) * s,  h = exp(h) * s,  score = obj * cls.
 * N must equal the cell count of the input size (ceil(W/s) * ceil(H/s) summed; floor is accepted too).
 */
import { classCount, gridCellCount, singleOutput, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, RawDetection, TensorLike } from './types';

export const YOLOX_STRIDES: readonly number[] = [8, 16, 32];

export interface YoloxLevel {
  stride: number;
  gw: number;
  gh: number;
}

/** The feature-map levels whose cells add up to `n` for this input size, or null. */
export function yoloxLevels(inputWidth: number, inputHeight: number, n: number, strides: readonly number[] = YOLOX_STRIDES): YoloxLevel[] | null {
  for (const round of [Math.ceil, Math.floor]) {
    const levels = strides.map((stride) => ({ stride, gw: round(inputWidth / stride), gh: round(inputHeight / stride) }));
    let total = 0;
    for (const l of levels) total += l.gw * l.gh;
    if (total === n) return levels;
  }
  return null;
}

function decodeYolox(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const out = singleOutput(outputs, 'yolox');
  const n = out.rows;
  const k = out.cols;
  const nc = classCount(k - 5, opts.numClasses, 'yolox');
  const levels = yoloxLevels(opts.inputWidth, opts.inputHeight, n);
  if (levels === null) {
    throw new Error(
      `decoder 'yolox': output '${out.name}' has ${n} rows but a ${opts.inputWidth}x${opts.inputHeight} input has ` +
        `${gridCellCount(opts.inputWidth, opts.inputHeight, YOLOX_STRIDES)} grid cells at strides ${YOLOX_STRIDES.join('/')}`,
    );
  }
  const v = tensorValues(out.tensor);
  const threshold = opts.threshold;
  const dets: RawDetection[] = [];
  let row = 0;
  for (const { stride, gw, gh } of levels) {
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, row++) {
        const base = row * k;
        const obj = v[base + 4];
        if (!(obj >= threshold)) continue; // class scores are <= 1, so obj * cls < threshold
        let best = -1;
        let bestScore = -Infinity;
        for (let c = 0; c < nc; c++) {
          const s = v[base + 5 + c];
          if (s > bestScore) {
            bestScore = s;
            best = c;
          }
        }
        const score = obj * bestScore;
        if (!(score >= threshold)) continue;
        const cx = (v[base] + gx) * stride;
        const cy = (v[base + 1] + gy) * stride;
        const hw = (Math.exp(v[base + 2]) * stride) / 2;
        const hh = (Math.exp(v[base + 3]) * stride) / 2;
        dets.push({ x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh, score, classId: best });
      }
    }
  }
  return dets;
}

export const yoloxDecoder: Decoder = { name: 'yolox', decode: decodeYolox };
