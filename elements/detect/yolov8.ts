/**
 * YOLOv8 / YOLO11-style head (anchor-free, decode inside the graph, no objectness).
 *
 * Output `[1, 4 + C, N]` — channels first ("transposed"): row 0..3 = cx, cy, w, h in model-input pixels
 * for each of the N candidates, rows 4.. = class scores (sigmoid applied). score = best class score.
 */
import { classCount, singleOutput, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, RawDetection, TensorLike } from './types';

function decodeYolov8(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const out = singleOutput(outputs, 'yolov8');
  const channels = out.rows;
  const n = out.cols;
  const nc = classCount(channels - 4, opts.numClasses, 'yolov8');
  const v = tensorValues(out.tensor);
  const threshold = opts.threshold;
  // Best class per candidate, scanning the class planes in memory order (cache friendly).
  const bestScore = new Float32Array(n).fill(-Infinity);
  const best = new Int32Array(n).fill(-1);
  for (let c = 0; c < nc; c++) {
    const plane = (4 + c) * n;
    for (let i = 0; i < n; i++) {
      const s = v[plane + i];
      if (s > bestScore[i]) {
        bestScore[i] = s;
        best[i] = c;
      }
    }
  }
  const dets: RawDetection[] = [];
  for (let i = 0; i < n; i++) {
    const score = bestScore[i];
    if (!(score >= threshold)) continue;
    const cx = v[i];
    const cy = v[n + i];
    const hw = v[2 * n + i] / 2;
    const hh = v[3 * n + i] / 2;
    dets.push({ x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh, score, classId: best[i] });
  }
  return dets;
}

export const yolov8Decoder: Decoder = { name: 'yolov8', decode: decodeYolov8 };
