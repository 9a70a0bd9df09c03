/**
 * tstrack's tracking logic: multi-object trackers over `Detection`s, independent of GStreamer.
 *
 * ```ts
 * const tracker = createTracker('bytetrack', { maxLostFrames: 60 });
 * const out = tracker.update(frame.detections, frame.index);   // out.ids[k] belongs to detections[k]
 * const skip = tracker.predictOnly(frame.index);               // on frames without inference
 * ```
 */
import { ByteTracker } from './bytetrack.js';
import { IouTracker } from './iou-tracker.js';
import { SortTracker } from './sort.js';
import type { Tracker, TrackerKind, TrackerParams } from './types.js';
import { TRACKER_KIND } from '../../ts-runtime/src/settings/track.js';

export { TRACKER_DEFAULTS, CLASSIC_SORT_PARAMS } from './types.js';
export type { FilledBox, TrackEvent, Tracker, TrackerKind, TrackerOutput, TrackerParams } from './types.js';
export { resolveParams, isValidDetection } from './common.js';
export { ByteTracker } from './bytetrack.js';
export { SortTracker } from './sort.js';
export { IouTracker } from './iou-tracker.js';
export { iou, iouMatrix } from './iou.js';
export { solveAssignment, assignWithLimit, assignSparseWithLimit, assignMaxCardinality, type Matching } from './assignment.js';
export { XYAH_MODEL, SORT_MODEL, kalmanInitiate, kalmanPredict, kalmanUpdate, kalmanWarp, warpBox, type KalmanState, type MotionModel, type Similarity } from './kalman.js';

/** The tracker kinds (tstrack's `tracker` values). */
export const TRACKER_KINDS: readonly TrackerKind[] = TRACKER_KIND.values.map((v) => v.nick);

/**
 * Creates a tracker. Missing / invalid parameters fall back to TRACKER_DEFAULTS (values are clamped to valid
 * ranges, nothing throws). An unknown kind falls back to 'bytetrack'.
 */
export function createTracker(kind: TrackerKind, params: Partial<TrackerParams> = {}): Tracker {
  switch (kind) {
    case 'sort':
      return new SortTracker(params);
    case 'iou':
      return new IouTracker(params);
    case 'bytetrack':
    default:
      return new ByteTracker(params);
  }
}
