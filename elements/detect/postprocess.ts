/** Maps decoded boxes from model-input pixels to frame pixels and builds the public Detection objects. */
import type { Detection, Keypoint, Rotation } from '../../ts-runtime/api';
import { regularizeRotation } from './obb';
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
 * lie outside the frame), named from `pose.names` (`kp<k>` beyond it), with `pose.skeleton`. Oriented boxes get
 * their `rotation` in frame pixels (not clipped; the box is its enclosing box, clipped): a uniform letterbox
 * (scaleX = scaleY) leaves the angle as it is and divides width and height by the scale; a stretching resize
 * maps the width axis exactly and keeps the rectangle's area (a rotated rectangle stretched unevenly is a
 * parallelogram). A candidate's `mask` (already in frame pixels: seg heads' attachMasks) is handed on as is.
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
    if (r.rotation) d.rotation = rotationToFrame(r.rotation, transform);
    if (r.mask) d.mask = r.mask;
    out.push(d);
  }
  return out;
}

/** An oriented box from model-input to frame pixels (see toDetections). */
function rotationToFrame(r: Rotation, { scaleX, scaleY, padX, padY }: BoxTransform): Rotation {
  const cx = (r.cx - padX) / scaleX;
  const cy = (r.cy - padY) / scaleY;
  if (scaleX === scaleY) return { cx, cy, width: r.width / scaleX, height: r.height / scaleX, angle: r.angle };
  // The width axis's half vector, mapped; the height is the mapped parallelogram's extent across it.
  const ux = ((r.width / 2) * Math.cos(r.angle)) / scaleX;
  const uy = ((r.width / 2) * Math.sin(r.angle)) / scaleY;
  const vx = ((-r.height / 2) * Math.sin(r.angle)) / scaleX;
  const vy = ((r.height / 2) * Math.cos(r.angle)) / scaleY;
  const half = Math.hypot(ux, uy);
  if (!(half > 0)) return { cx, cy, width: 0, height: 0, angle: r.angle };
  return regularizeRotation({ cx, cy, width: 2 * half, height: (2 * Math.abs(ux * vy - uy * vx)) / half, angle: Math.atan2(uy, ux) });
}
