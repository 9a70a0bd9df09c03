/**
 * Public types and defaults of the multi-object trackers (tstrack's logic).
 */
import type { Box, Detection, TrackSettings, TrackerParams } from 'tsvision';
import { defaultsOf } from '../../ts-runtime/src/settings/spec.js';
import type { Similarity } from './kalman.js';
import { TRACKER_PARAMS } from '../../ts-runtime/src/settings/track.js';

export type TrackerKind = TrackSettings['tracker'];

/** The built-in trackers' parameters; defined (and documented) in the public API. */
export type { TrackerParams };

/**
 * Defaults: tstrack's property defaults (ByteTrack's published settings adapted to this interface, plus lost-track
 * re-identification and a height consistency check; see ts-runtime/src/settings/track.ts, where they are declared).
 * `{ lostMatchThreshold: 0, maxHeightChange: 0 }` is plain ByteTrack.
 */
export const TRACKER_DEFAULTS: Readonly<TrackerParams> = Object.freeze(defaultsOf(TRACKER_PARAMS));

/**
 * Classic SORT (Bewley et al. 2016: max_age 1, min_hits 3, iou_threshold 0.3) in this interface's terms.
 * SORT's min_hits counts updates after the creating detection, so it is minHits 4 here; SORT uses every
 * detection it is given, so thresholds are 0.
 */
export const CLASSIC_SORT_PARAMS: Readonly<TrackerParams> = Object.freeze({
  highThreshold: 0,
  lowThreshold: 0,
  newTrackThreshold: 0,
  matchThreshold: 0.3,
  maxLostFrames: 1,
  minHits: 4,
  perClass: false,
  fuseScore: false,
  lostMatchThreshold: 0,
  maxHeightChange: 0,
  fillGaps: 0,
  appearance: 'off',
  appearanceThreshold: 0.7,
  appearanceMomentum: 0.9,
});

export interface TrackEvent {
  /** 'track-started': a track was confirmed and got its id. 'track-lost': a confirmed track was dropped for good (its id will not come back). */
  type: 'track-started' | 'track-lost';
  trackId: number;
  /** Frame index of the update / predictOnly call that produced the event. */
  frameIndex: number;
  label: string;
  /** 'track-started': the confirming detection's box; 'track-lost': the last detection box the track was matched to. */
  box: Box;
}

/** A box of a frame on which a confirmed track was missed, filled in when the track was found again (fillGaps). */
export interface FilledBox {
  /** The frame the box belongs to (an earlier update() call's frameIndex). */
  frameIndex: number;
  trackId: number;
  /** Linear interpolation between the detections before and after the gap. */
  box: Box;
  label: string;
  classId: number;
  /** The lower confidence of the two detections around the gap. */
  confidence: number;
}

export interface TrackerOutput {
  /** For each input detection (same order): its confirmed track's id, or null (unmatched, tentative, ignored or rejected). */
  ids: (number | null)[];
  /**
   * For each input detection: the track's filtered box after this update (Kalman state; the last matched box
   * for the iou tracker), or null where `ids` is null.
   */
  trackBoxes: (Box | null)[];
  /**
   * Confirmed live tracks not matched on this frame, with their predicted boxes (`predicted: true`, trackId set,
   * label / classId / confidence of their last detection). Includes lost tracks still inside maxLostFrames.
   */
  predicted: Detection[];
  /** For each entry of `predicted`: frames since that track was last matched (1 = missed only this frame). */
  predictedAge: number[];
  events: TrackEvent[];
  /**
   * Boxes of earlier frames on which tracks matched on this frame had been missed (gaps of at most fillGaps
   * frames), in track order then frame order. Always empty from predictOnly.
   */
  filled: FilledBox[];
  /** Detections rejected on this call (non-finite numbers, non-positive size). */
  rejected: number;
}

export interface Tracker {
  readonly kind: TrackerKind;
  readonly params: Readonly<TrackerParams>;
  /**
   * Associates this frame's detections. `frameIndex` should increase; a jump of k frames since the previous
   * call predicts k steps (frames without inference may be skipped entirely or passed to predictOnly).
   */
  update(detections: readonly Detection[], frameIndex: number): TrackerOutput;
  /** Advances the motion model to `frameIndex` without detections; `ids`/`trackBoxes` are empty, `predicted` lists all confirmed live tracks. */
  predictOnly(frameIndex: number): TrackerOutput;
  /**
   * The camera moved by `motion` since the previous call (frame pixels of the previous frame → the next one's):
   * every track is carried along before the next update / predictOnly (camera motion compensation).
   */
  compensate(motion: Similarity): void;
  /** Total detections rejected since creation / reset. */
  readonly rejectedCount: number;
  /** Number of live tracks (tentative, tracked and lost). */
  readonly liveTrackCount: number;
  /** Drops all tracks (ids keep increasing: they are never reused within one instance). */
  reset(): void;
}
