/**
 * YOLOv8 / YOLO11-style head (anchor-free, decode inside the graph, no objectness).
 *
 * Output `[1, 4 + C, N]` — channels first ("transposed"): row 0..3 = cx, cy, w, h in model-input pixels
 * for each of the N candidates, rows 4.. = class scores (sigmoid applied). score = best class score.
 */
import { bestClassPerRow } from './scan';
import { classCount, singleOutput, tensorValues } from './tensor';
import type { Decoder, DecoderOptions, RawDetection, TensorLike } from './types';

/**
 * The candidates of a channels-first YOLOv8-layout tensor `v` (N = `n` columns; rows 0..3 the box, then `classes`
 * class rows) whose best class passes `threshold`: their boxes, and the column each came from.
 */
export function yolov8Candidates(v: ArrayLike<number>, n: number, classes: number, threshold: number): { dets: RawDetection[]; columns: ArrayLike<number> } {
  const [index, classId, scores] = bestClassPerRow(v, n, classes, 4 * n, 0, threshold);
  const dets: RawDetection[] = new Array(index.length);
  for (let k = 0; k < index.length; k++) {
    const i = index[k];
    const cx = v[i];
    const cy = v[n + i];
    const hw = v[2 * n + i] / 2;
    const hh = v[3 * n + i] / 2;
    dets[k] = { x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh, score: scores[k], classId: classId[k] };
  }
  return { dets, columns: index };
}

function decodeYolov8(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const out = singleOutput(outputs, 'yolov8');
  const nc = classCount(out.rows - 4, opts.numClasses, 'yolov8');
  return yolov8Candidates(tensorValues(out.tensor), out.cols, nc, opts.threshold).dets;
}

export const yolov8Decoder: Decoder = { name: 'yolov8', decode: decodeYolov8 };
