/** Maps decoded boxes from model-input pixels to frame pixels and builds the public Detection objects. */
import type { Detection, Keypoint } from '../../ts-runtime/api';
import type { RawDetection } from './types';

/** How the frame was fitted into the model input: modelX = frameX * scaleX + padX (same for y). */
export interface BoxTransform {
  readonly scaleX: number;
  readonly scaleY: number;
  readonly padX: number;
  readonly padY: number;
}

/** Names of a pose model's keypoints (in the order its head gives them) and the skeleton joining them. */
export interface PoseNames {
  readonly names: readonly string[];
  readonly skeleton?: readonly (readonly [number, number])[];
}

/**
 * Converts model-input boxes to frame-pixel Detections: frameX = (modelX - padX) / scaleX (same for y),
 * clipped to the frame (0..frameWidth, 0..frameHeight). Boxes left with no area (or non-finite
 * coordinates) are dropped. label = labels[classId], or the class id as text when there is no such label.
 * Order is preserved. Candidates with keypoints (pose heads) get them in frame pixels (not clipped: a joint may
 * lie outside the frame), named from `pose.names` (`kp<k>` beyond it), with `pose.skeleton`. A candidate's `mask`
 * (already in frame pixels: seg heads' attachMasks) is handed on as is.
 */
export function toDetections(
  raw: readonly RawDetection[],
  transform: BoxTransform,
  frameWidth: number,
  frameHeight: number,
  labels: readonly string[],
  pose?: PoseNames,
): Detection[] {
  const { scaleX, scaleY, padX, padY } = transform;
  if (!(scaleX > 0 && scaleY > 0)) throw new RangeError(`invalid transform scale ${scaleX}x${scaleY}`);
  const out: Detection[] = [];
  for (const r of raw) {
    const x1 = Math.min(Math.max((r.x1 - padX) / scaleX, 0), frameWidth);
    const y1 = Math.min(Math.max((r.y1 - padY) / scaleY, 0), frameHeight);
    const x2 = Math.min(Math.max((r.x2 - padX) / scaleX, 0), frameWidth);
    const y2 = Math.min(Math.max((r.y2 - padY) / scaleY, 0), frameHeight);
    const width = x2 - x1;
    const height = y2 - y1;
    if (!(width > 0 && height > 0)) continue; // also drops NaN
    const d: Detection = {
      box: { x: x1, y: y1, width, height },
      label: labels[r.classId] ?? String(r.classId),
      classId: r.classId,
      confidence: r.score,
    };
    const kp = r.keypoints;
    if (kp) {
      const names = pose?.names ?? [];
      const points: Keypoint[] = new Array(kp.length / 3);
      for (let k = 0; k < points.length; k++) {
        points[k] = { name: names[k] ?? `kp${k}`, x: (kp[3 * k] - padX) / scaleX, y: (kp[3 * k + 1] - padY) / scaleY, confidence: kp[3 * k + 2] };
      }
      d.keypoints = points;
      if (pose?.skeleton) d.skeleton = pose.skeleton.map(([a, b]) => [a, b]);
    }
    if (r.mask) d.mask = r.mask;
    out.push(d);
  }
  return out;
}
