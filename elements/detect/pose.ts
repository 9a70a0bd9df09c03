/**
 * YOLOv8 / YOLO11-pose head: the YOLOv8 layout with keypoints after the class scores.
 *
 * Output `[1, 4 + C + 3K, N]`, channels first: rows 0..3 cx, cy, w, h (model-input pixels), rows 4..4+C-1 class
 * scores (sigmoid applied; C = 1, person, for the COCO pose models), then per keypoint k rows x, y (model-input
 * pixels) and visibility (sigmoid applied). K comes from the model description (`numKeypoints`); without one the
 * head is taken for a single-class one (C = 1), as every Ultralytics pose export is unless retrained.
 *
 * Only candidates that pass the threshold get their keypoints copied (3K floats each), so the cost beyond the
 * box decoder is proportional to the candidates, not to N.
 */
import { singleOutput, tensorValues } from './tensor';
import { yolov8Candidates } from './yolov8';
import type { Decoder, DecoderOptions, RawDetection, TensorLike } from './types';

/** Class and keypoint counts of a `[1, 4+C+3K, N]` output with `channels` rows. */
export function poseLayout(channels: number, numKeypoints?: number, numClasses?: number): { classes: number; keypoints: number } {
  if (numKeypoints !== undefined) {
    const classes = channels - 4 - 3 * numKeypoints;
    if (!Number.isInteger(numKeypoints) || numKeypoints < 1 || classes < 1) {
      throw new Error(`decoder 'yolov8-pose': ${channels} channels cannot hold 4 box values, class scores and ${numKeypoints} keypoints x 3`);
    }
    return { classes: numClasses !== undefined ? Math.min(numClasses, classes) : classes, keypoints: numKeypoints };
  }
  const classes = numClasses ?? 1;
  const k = (channels - 4 - classes) / 3;
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(
      `decoder 'yolov8-pose': ${channels} channels are not 4 + ${classes} class(es) + 3 x keypoints; say how many keypoints the model has in its manifest entry (keypoints)`,
    );
  }
  return { classes, keypoints: k };
}

function decodePose(outputs: Readonly<Record<string, TensorLike>>, opts: DecoderOptions): RawDetection[] {
  const out = singleOutput(outputs, 'yolov8-pose');
  const n = out.cols;
  const { classes, keypoints } = poseLayout(out.rows, opts.numKeypoints, opts.numClasses);
  const v = tensorValues(out.tensor);
  const { dets, columns } = yolov8Candidates(v, n, classes, opts.threshold);
  // The keypoint rows start after all C class rows (even when numClasses restricts which are looked at).
  const kpStart = (out.rows - 3 * keypoints) * n;
  for (let k = 0; k < dets.length; k++) {
    const kp = new Float32Array(3 * keypoints);
    for (let j = 0, row = kpStart + columns[k]; j < 3 * keypoints; j++, row += n) kp[j] = v[row];
    dets[k].keypoints = kp;
  }
  return dets;
}

export const yolov8PoseDecoder: Decoder = { name: 'yolov8-pose', decode: decodePose };
