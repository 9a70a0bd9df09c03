/**
 * tstrack's settings (besides the base class's). The tracker parameters are also the built-in trackers'
 * parameters (elements/track: `TrackerParams`, `TRACKER_DEFAULTS`).
 *
 * Defaults: ByteTrack (Zhang et al. 2022) with parameters chosen on `npm run eval:mot` (the mean MOTA + IDF1 over
 * ten MOTChallenge sequences with public detections and four videos with yolox_nano, leave-one-sequence-out; see
 * eval/mot/README.md) — τ_high 0.5, τ_low 0.1, new-track ε 0.6, match IoU·score ≥ 0.1, track buffer 30 frames,
 * confirmation on the fourth consecutive detection, gaps of up to 5 frames filled — plus a frame-to-frame height
 * consistency check (maxHeightChange) that is not part of ByteTrack, and a re-identification stage for lost
 * tracks (lostMatchThreshold) that is off by default; `{ maxHeightChange: 0 }` is plain ByteTrack.
 * (Before: ByteTrack's published 0.6 / 0.1 / 0.7 / 0.2, confirmation on the second detection, lostMatchThreshold
 * 0.1, fillGaps 20, chosen on one 71-frame sequence.)
 *
 * Thresholds apply to the detector's confidence *as given* (no rescaling inside the tracker); they are chosen
 * for detectors whose scores are probabilities in 0..1. Which kinds read which parameter is listed per field.
 */
import { declare, enumType } from './spec.js';

const COUNT_MAX = 1000000;

export const TRACKER_KIND = enumType('GstTsTrackerKind', [
  {
    nick: 'bytetrack',
    description: 'ByteTrack: Kalman filter, two-stage IoU association (high, then low-confidence detections)',
  },
  { nick: 'sort', description: 'SORT: Kalman filter, one IoU association of all detections' },
  { nick: 'iou', description: "IoU tracker: no motion model, association with each track's last box" },
]);

/** The parameters of the built-in trackers. */
export const TRACKER_PARAMS = declare({
  /**
   * bytetrack: detections with confidence >= this are "high" (first association stage; ByteTrack τ_high). iou: a
   * track is confirmed only once one of its detections reached it. sort: unused.
   */
  highThreshold: {
    type: 'double',
    default: 0.5,
    min: 0,
    max: 1,
    nick: 'High threshold',
    blurb:
      'bytetrack: detections with at least this confidence are associated first (ByteTrack tau_high); iou: a track is confirmed only once one of its detections reached it; sort: unused',
  },
  /** all: detections with confidence < this are ignored (output id null); bytetrack: [low, high) is the second-stage band (ByteTrack τ_low). */
  lowThreshold: {
    type: 'double',
    default: 0.1,
    min: 0,
    max: 1,
    nick: 'Low threshold',
    blurb:
      'Detections below this confidence are ignored (no id); bytetrack associates those between low-threshold and high-threshold in a second stage with still-unmatched tracks',
  },
  /** all: an unmatched detection starts a new (tentative) track only if its confidence >= this (ByteTrack ε = τ_high + 0.1). */
  newTrackThreshold: {
    type: 'double',
    default: 0.6,
    min: 0,
    max: 1,
    nick: 'New-track threshold',
    blurb: 'An unmatched detection starts a new (tentative) track only with at least this confidence',
  },
  /** all: minimum IoU between a track's (predicted) box and a detection for them to be associated (ByteTrack's 1 − match_thresh is 0.2; 0.1 scored better on eval:mot). */
  matchThreshold: {
    type: 'double',
    default: 0.1,
    min: 0,
    max: 1,
    nick: 'Match threshold',
    blurb:
      "Minimum intersection-over-union between a track's predicted box and a detection for them to be associated (bytetrack with fuse-score: IoU x confidence)",
  },
  /** all: frames a confirmed track survives without a matching detection (kept, predicted, re-findable with its id) before it is dropped (ByteTrack track_buffer 30). */
  maxLostFrames: {
    type: 'uint',
    default: 30,
    min: 0,
    max: COUNT_MAX,
    nick: 'Max lost frames',
    blurb:
      'Frames a confirmed track survives without a matching detection (predicted, and re-found with its id) before it is dropped for good (a track-lost event)',
  },
  /** all: detections (consecutive, counting the first) a tentative track needs before it is confirmed and gets an id (ByteTrack activates on the 2nd). */
  minHits: {
    type: 'uint',
    default: 4,
    min: 1,
    max: COUNT_MAX,
    nick: 'Min hits',
    blurb:
      'Consecutive detections a new track needs before it is confirmed and gets an id (tracks found during the first min-hits - 1 frames are confirmed at once)',
  },
  /** all: only associate detections with tracks of the same classId. */
  perClass: {
    type: 'bool',
    default: false,
    nick: 'Per class',
    blurb: 'Only associate detections with tracks of the same class id',
  },
  /** bytetrack: weight IoU by the detection confidence in the high-score stages (ByteTrack's fuse_score, its MOT17 setting); others: unused. */
  fuseScore: {
    type: 'bool',
    default: true,
    nick: 'Fuse score',
    blurb:
      "bytetrack: weight the IoU by the detection confidence when associating high-confidence detections (ByteTrack's fuse_score); other trackers: unused",
  },
  /**
   * bytetrack: re-identification gate for lost tracks. After the regular stages, a lost confirmed track may take a
   * still-unmatched high detection whose IoU with the track's predicted box *or* its last detected box is at least
   * this (a larger gate than matchThreshold: a lost track's prediction grows uncertain, and an occluded object
   * tends to reappear near where it was last seen), provided the heights differ by at most 25 %. 0 turns the stage
   * off (plain ByteTrack); others: unused. Default 0: on eval:mot the stage lowered both MOTA and IDF1 on
   * average.
   */
  lostMatchThreshold: {
    type: 'double',
    default: 0,
    min: 0,
    max: 1,
    nick: 'Lost-track match threshold',
    blurb:
      "bytetrack: re-identification of lost tracks. A high-confidence detection left unmatched may continue a lost track when its IoU with the track's predicted box or with its last detected box is at least this and the heights differ by at most 25%; 0: off (as in ByteTrack); other trackers: unused",
  },
  /**
   * bytetrack: a detection whose height is not within this factor of a track's predicted height cannot continue
   * that track (an object's image height does not halve or double from one frame to the next; such a box is
   * another object or a partial-body detection). 0 turns the check off (plain ByteTrack); others: unused.
   */
  maxHeightChange: {
    type: 'double',
    default: 2,
    min: 0,
    max: 100,
    nick: 'Max height change',
    blurb:
      "bytetrack: a detection whose height is not within this factor of a track's predicted height cannot continue the track (a box that halves or doubles from one frame to the next is another object or a partial-body detection); 0: off (as in ByteTrack); other trackers: unused",
  },
  /**
   * all: longest gap, in frames, in a confirmed track's detections that is filled in when the track is found
   * again. The boxes of the frames it was missed on are interpolated linearly between the detections before and
   * after the gap and reported with the re-finding frame as past-frame objects (DeepStream's "past-frame data":
   * those frames have already gone downstream). 0 turns it off. Default 5 (eval:mot: longer gaps, e.g. ByteTrack's
   * offline interpolation interval 20, add more false boxes than they recover on average, most where the camera moves).
   */
  fillGaps: {
    type: 'uint',
    default: 5,
    min: 0,
    max: COUNT_MAX,
    nick: 'Fill gaps',
    blurb:
      'When a confirmed track is found again after missing on at most this many frames, its boxes on the frames it missed (interpolated between the detections before and after the gap) are reported on the re-finding buffer as past-frame objects (custom meta TsvisionPastObjectsMeta; tsexport writes them as past_objects). Those frames have already gone downstream: nothing is delayed. 0: off',
  },
  /**
   * Appearance (re-identification embeddings on the objects, e.g. from tsclassify output-type=embedding
   * upstream): each track keeps an exponential moving average of its objects' embeddings; association then
   * prefers the appearance-consistent pairing among overlapping candidates (BoT-SORT's min of IoU and cosine
   * distances), a lost track is not re-found by an object whose embedding says it is someone else, and it may be
   * re-found by an object it looks like near where it was last seen (within two of its heights) even when the
   * boxes no longer overlap. `auto` without embeddings is exactly motion-only tracking.
   */
  appearance: {
    type: 'enum',
    enum: enumType('GstTsAppearance', [
      { nick: 'auto', description: "Use the objects' embeddings when they have them (the first classification with an embedding)" },
      { nick: 'off', description: 'Motion only, embeddings or not' },
    ]),
    default: 'auto',
    nick: 'Appearance',
    blurb:
      "Whether association uses the objects' re-identification embeddings (e.g. tsclassify output-type=embedding upstream): auto uses them when present, off ignores them",
  },
  /**
   * Cosine similarity at or above which two embeddings may be the same object. BoT-SORT's 0.5 (distance 0.25 of
   * (1 − cos) / 2) suits its ResNet-50 features; with osnet_x0_25 on the four videos of ../shared (yolox_nano
   * detections), mean IDF1 is 0.660 at 0.5, 0.696 at 0.7, 0.663 at 0.85 (motion only 0.672): 0.7 in every
   * leave-one-sequence-out fold.
   */
  appearanceThreshold: {
    type: 'double',
    default: 0.7,
    min: -1,
    max: 1,
    nick: 'Appearance threshold',
    blurb:
      'Cosine similarity of two embeddings at or above which they may be the same object; below it a lost track cannot be re-found by that object. A lost track is re-found beyond its boxes only at a similarity halfway between this and 1',
  },
  /** Weight of the track's remembered embedding against a new one (BoT-SORT's 0.9). */
  appearanceMomentum: {
    type: 'double',
    default: 0.9,
    min: 0,
    max: 1,
    nick: 'Appearance momentum',
    blurb: "How much of a track's embedding is kept when a new one comes (exponential moving average; 0: only the latest)",
  },
});

export const MOTION_COMPENSATION = enumType('GstTsMotionCompensation', [
  {
    nick: 'sparse-flow',
    description:
      "Estimate the camera's move between frames (sparse optical flow on a downscaled grey frame, away from the objects; a similarity fitted by RANSAC) and carry every track along; needs frames in system memory in one of the 8 pixel formats",
  },
  { nick: 'off', description: 'No camera motion compensation (a fixed camera)' },
]);

export const TRACK_SETTINGS = declare({
  /** The tracking algorithm (ignored when the module has an update() hook). */
  tracker: {
    type: 'enum',
    enum: TRACKER_KIND,
    default: 'bytetrack',
    nick: 'Tracker',
    blurb: 'Tracking algorithm (ignored when the module has an update() hook)',
  },
  ...TRACKER_PARAMS,
  /** Camera motion compensation: moving cameras (a car, a handheld phone, a PTZ turning). */
  motionCompensation: {
    type: 'enum',
    enum: MOTION_COMPENSATION,
    default: 'sparse-flow',
    nick: 'Motion compensation',
    blurb:
      "How tracks follow a moving camera: sparse-flow estimates the camera's move between frames and carries every track along (about 1-3 ms a frame on one core; frames without readable pixels, e.g. memory:NVMM, get none), off assumes a fixed camera",
  },
  /** For detectors that do not mark the frames they skip: the detector runs on every Nth frame. */
  inferenceInterval: {
    type: 'uint',
    default: 1,
    min: 1,
    max: COUNT_MAX,
    nick: 'Inference interval',
    blurb:
      'For upstream detectors that do not mark the frames they skip (tsdetect marks them, so leave 1 behind it): the detector runs on every Nth frame (frame index % N == 0, counted from 0 at this element). An object-less frame in between is a frame without inference: tracks are only predicted and their predicted boxes are added (predicted=true). A frame that carries objects is always tracked',
  },
  /** On frames without inference, which confirmed tracks get predicted boxes (-1: those matched on the latest inference frame). */
  predictedMaxAge: {
    type: 'int',
    default: -1,
    min: -1,
    max: COUNT_MAX,
    nick: 'Predicted max age',
    blurb:
      'On frames without inference, add predicted boxes only for confirmed tracks last matched at most this many frames ago; -1: the tracks matched on the latest frame the detector ran on',
  },
});
