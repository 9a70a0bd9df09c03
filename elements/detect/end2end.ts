/**
 * End-to-end heads with NMS inside the graph (YOLO26 / YOLOv10 `[1, K, 6]`, YOLOv7 `--end2end` `[K, 7]`).
 *
 * - `[1, K, 6]` or `[K, 6]`: x1, y1, x2, y2, score, classId per row, model-input pixels; rows below the
 *   threshold (including zero padding) are dropped.
 * - `[1, K, 7]` or `[K, 7]`: batchIndex, x1, y1, x2, y2, classId, score (YOLOv7 ONNX-runtime end2end
 *   layout); only batch 0 is kept.
 */
import { singleOutput, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, RawDetection, TensorLike } from './types';

function decodeEnd2end(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const out = singleOutput(outputs, 'end2end');
  const k = out.cols;
  if (k !== 6 && k !== 7) {
    throw new Error(`decoder 'end2end' expects rows of 6 (x1,y1,x2,y2,score,class) or 7 (batch,x1,y1,x2,y2,class,score) values, got ${k}`);
  }
  const v = tensorValues(out.tensor);
  const threshold = opts.threshold;
  const maxClass = opts.numClasses ?? Infinity;
  const dets: RawDetection[] = [];
  for (let i = 0; i < out.rows; i++) {
    const b = i * k;
    let x1: number, y1: number, x2: number, y2: number, score: number, cls: number;
    if (k === 6) {
      x1 = v[b];
      y1 = v[b + 1];
      x2 = v[b + 2];
      y2 = v[b + 3];
      score = v[b + 4];
      cls = v[b + 5];
    } else {
      if (v[b] !== 0) continue;
      x1 = v[b + 1];
      y1 = v[b + 2];
      x2 = v[b + 3];
      y2 = v[b + 4];
      cls = v[b + 5];
      score = v[b + 6];
    }
    if (!(score >= threshold)) continue;
    const classId = Math.round(cls);
    if (!(classId >= 0 && classId < maxClass)) continue;
    dets.push({ x1, y1, x2, y2, score, classId });
  }
  return dets;
}

export const end2endDecoder: Decoder = { name: 'end2end', decode: decodeEnd2end };
