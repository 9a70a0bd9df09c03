/**
 * YOLOv5-style head (also YOLOv7 and other anchor-based exports with the decode inside the graph).
 *
 * Output `[1, N, 5 + C]` (N = 3 anchors per grid cell, any order): cx, cy, w, h already in model-input
 * pixels, objectness, C class scores (sigmoid applied). score = obj * best class score.
 */
import { classCount, singleOutput, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, RawDetection, TensorLike } from './types';

function decodeYolov5(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const out = singleOutput(outputs, 'yolov5');
  const n = out.rows;
  const k = out.cols;
  const nc = classCount(k - 5, opts.numClasses, 'yolov5');
  const v = tensorValues(out.tensor);
  const threshold = opts.threshold;
  const dets: RawDetection[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * k;
    const obj = v[base + 4];
    if (!(obj >= threshold)) continue;
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
    const cx = v[base];
    const cy = v[base + 1];
    const hw = v[base + 2] / 2;
    const hh = v[base + 3] / 2;
    dets.push({ x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh, score, classId: best });
  }
  return dets;
}

export const yolov5Decoder: Decoder = { name: 'yolov5', decode: decodeYolov5 };
