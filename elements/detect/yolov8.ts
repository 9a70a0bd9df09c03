/**
 * YOLOv8 / YOLO11-style head (anchor-free, decode inside the graph, no objectness).
 *
 * Output `[1, 4 + C, N]` — channels first ("transposed"): row 0..3 = cx, cy, w, h in model-input pixels
 * for each of the N candidates, rows 4.. = class scores (sigmoid applied). score = best class score.
 */
import { bestClassPerRow } from './scan';
import { classCount, singleOutput, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, RawDetection, TensorLike } from './types';

function decodeYolov8(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const out = singleOutput(outputs, 'yolov8');
  const channels = out.rows;
  const n = out.cols;
  const nc = classCount(channels - 4, opts.numClasses, 'yolov8');
  const v = tensorValues(out.tensor);
  const [index, classId, scores] = bestClassPerRow(v, n, nc, 4 * n, 0, opts.threshold);
  const dets: RawDetection[] = new Array(index.length);
  for (let k = 0; k < index.length; k++) {
    const i = index[k];
    const cx = v[i];
    const cy = v[n + i];
    const hw = v[2 * n + i] / 2;
    const hh = v[3 * n + i] / 2;
    dets[k] = { x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh, score: scores[k], classId: classId[k] };
  }
  return dets;
}

export const yolov8Decoder: Decoder = { name: 'yolov8', decode: decodeYolov8 };
