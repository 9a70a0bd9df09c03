/// <reference types="node" />
/// <reference lib="es2022" />
/**
 * tsvision — the public hook API.
 *
 * Hooks run on the Node.js the plugin embeds, not the `node` on your PATH: Node.js 18 on Debian 12 (libnode108,
 * 18.20.4 when this was written), Node.js 20 on Debian 13 (libnode115). These types describe the older of the two,
 * so that a hook written against them runs on both: Node 18's JavaScript (ES2022) and APIs, @types/node 18 (a
 * dependency of this package, referenced above) and, in a project whose tsconfig.json says
 * `"extends": "tsvision/tsconfig.hook.json"`, lib ES2022 — so Node 20's additions such as `Array.prototype.toSorted`
 * fail to type-check instead of throwing a TypeError in the pipeline on Debian 12.
 *
 * A hook module's default export is an object of optional functions (any of them may be async):
 *
 * ```ts
 * import type { DetectHook } from 'tsvision';
 * const hook: DetectHook = {
 *   filter(detections) { return detections.filter((d) => d.confidence > 0.5); },
 * };
 * export default hook;
 * ```
 */

import type { ClassifyConfig, TrackSettings } from './src/settings/index';

/** An axis-aligned box in pixels of the frame it belongs to (top-left origin). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One classification result attached to an object or to a whole frame. */
export interface Classification {
  /** What was classified, e.g. "color" or "species" (tsclassify's `attribute-name`). */
  attribute: string;
  label: string;
  classId: number;
  confidence: number;
  /** An embedding vector, when the classifier exposes one (re-identification models). */
  embedding?: Float32Array;
}

/**
 * One keypoint of an object (a pose model's joint), in pixels of the frame. `confidence` is the model's visibility
 * score (0..1); a point the model did not see still has a position (low confidence), so filter on it.
 */
export interface Keypoint {
  /** As the model description names it, e.g. COCO's `nose`, `left_eye`, … `right_ankle`. */
  name: string;
  x: number;
  y: number;
  confidence: number;
}

/**
 * An oriented (rotated) box: a rectangle `width` x `height` centred on (`cx`, `cy`) in frame pixels, turned by
 * `angle` radians CLOCKWISE on screen (image coordinates: x right, y down) about its centre. Its `width` side runs
 * along (cos angle, sin angle), its `height` side along (-sin angle, cos angle); angle 0 is an axis-aligned box.
 * Its corners are centre ± (width/2)(cos, sin) ± (height/2)(-sin, cos) — Ultralytics' `xywhr` and OpenCV's
 * RotatedRect (angle in degrees there) read the same way. tsdetect's OBB decoder gives angles in [0, π/2) as
 * Ultralytics' `regularize_rboxes` does (width and height swapped where that turns the angle by π/2).
 */
export interface Rotation {
  cx: number;
  cy: number;
  width: number;
  height: number;
  angle: number;
}

/**
 * An object's instance mask: a bitmap at frame resolution over the object's box. Pixel (col, row) of the bitmap is
 * frame pixel (x + col, y + row); `data` holds width x height bytes, row-major, non-zero inside the object (tsdetect
 * writes 1 and 0). tsdetect's masks cover the frame pixels whose centre lies in the box, so `x`, `y` are the box's
 * corner rounded to pixel centres and the mask never reaches outside the box. The data is a view into memory the
 * element shares between the frame's masks (no copy per object): copy it (`data.slice()`) to keep it past the hook
 * call, and do not write into it.
 */
export interface Mask {
  x: number;
  y: number;
  width: number;
  height: number;
  data: Uint8Array;
}

/** A detected object, the same shape in every element and hook. */
export interface Detection {
  box: Box;
  label: string;
  classId: number;
  confidence: number;
  /** Set by tstrack once a track is confirmed; absent (or null) before. */
  trackId?: number | null;
  /** True when tstrack predicted the box on a frame without a detection. */
  predicted?: boolean;
  classifications?: Classification[];
  /** A pose model's keypoints (tsdetect's pose decoder, or any postprocess() hook), in frame pixels. */
  keypoints?: Keypoint[];
  /**
   * Which keypoints the skeleton joins: pairs of indices into `keypoints` (COCO's 19 limbs for COCO-17 models).
   * tsoverlay draws these lines; without it only the points are drawn.
   */
  skeleton?: [number, number][];
  /**
   * An oriented-box model's rectangle (tsdetect's OBB decoder, or any postprocess() hook). `box` is then the
   * axis-aligned box enclosing it (clipped to the frame), so that everything that reads boxes keeps working.
   */
  rotation?: Rotation;
  /** An instance segmentation model's mask of the object (tsdetect's yolov8-seg decoder, or any postprocess() hook). */
  mask?: Mask;
}

/** Raw video formats tsvision elements accept directly (no videoconvert needed). */
export type PixelFormat = 'RGB' | 'BGR' | 'RGBx' | 'BGRx' | 'RGBA' | 'BGRA' | 'I420' | 'NV12';

/**
 * Read-only, zero-copy view of pixel memory. Valid only while the hook call runs (until its promise
 * settles): afterwards it is detached and reads as empty.
 */
export interface PixelView {
  readonly length: number;
  readonly byteLength: number;
  readonly [index: number]: number;
  subarray(begin?: number, end?: number): PixelView;
  slice(begin?: number, end?: number): Uint8Array;
}

/** One plane of a frame: plane `i` starts at `offset` bytes into `Frame.data`, rows `stride` bytes apart. */
export interface Plane {
  readonly offset: number;
  readonly stride: number;
}

/**
 * How the YUV values of a frame map to RGB, from the caps' colorimetry (what videoconvert honours too).
 * `matrix`: `bt709` for GStreamer's BT709 matrix (e.g. `colorimetry=bt709`, the default for HD video), `bt601`
 * for every other one. `range`: `full` for 0..255 (e.g. jpegdec's `1:4:0:0`), `limited` for Y 16..235 and
 * U/V 16..240 (e.g. `bt601`, `bt709`). Meaningful for the YUV formats (I420, NV12) only.
 */
export interface Colorimetry {
  readonly matrix: 'bt601' | 'bt709';
  readonly range: 'limited' | 'full';
}

/** A video frame as a hook sees it. */
export interface Frame {
  /** 0-based count of frames this element has seen. */
  readonly index: number;
  /** Presentation timestamp in nanoseconds, or null when the buffer has none. */
  readonly pts: number | null;
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  /** The frame's pixels (all planes), read-only and zero-copy. */
  readonly data: PixelView;
  readonly planes: readonly Plane[];
  /**
   * The caps' colorimetry of YUV frames (see {@link Colorimetry}); set on every frame the elements hand to
   * hooks. Optional for frames built elsewhere: absent means BT.601 limited range.
   */
  readonly colorimetry?: Colorimetry;
  /** Objects already on the buffer (GstVideoRegionOfInterestMeta), e.g. from an upstream detector. */
  readonly detections: readonly Detection[];
  /**
   * Classifications of the whole frame already on the buffer (tsclassify `inference-region=full-frame`);
   * set on every frame the elements hand to hooks, optional for frames built elsewhere.
   */
  readonly classifications?: readonly Classification[];
  /** True when an upstream detector skipped inference on this frame (tsdetect inference-interval). */
  readonly inferenceSkipped: boolean;
  /**
   * Objects of earlier frames that an upstream tstrack reported on this buffer (`fill-gaps`: the boxes of the
   * frames a track was missed on, found when it was found again); set on the frames tstrack and tsanalytics hand
   * to hooks, optional elsewhere.
   */
  readonly pastObjects?: readonly PastDetection[];
  /**
   * tstrack (`motion-compensation=sparse-flow`): how the camera moved since the previous frame, as the
   * similarity mapping the previous frame's pixels onto this one's: x' = a·x − b·y + tx, y' = b·x + a·y + ty
   * (rotation atan2(b, a), scale hypot(a, b)). Absent when unknown (no texture, no previous frame, no pixels).
   */
  readonly cameraMotion?: CameraMotion;
  /**
   * The frame's semantic class map from an upstream `tsclassify output-type=segmentation
   * inference-region=full-frame` (the TsvisionSegmentationMeta on the buffer); absent when there is none.
   */
  readonly segmentation?: SegmentationMap;
}

/**
 * A semantic segmentation of a frame, kept at the model's output resolution: `classes` holds `width` x `height`
 * class ids (row-major), `labels[id]` naming each (VOC for the DeepLab model: 0 background, 15 person, …). Frame
 * pixel (fx, fy) has the class of map cell (floor((fx + 0.5) * scaleX + padX), floor((fy + 0.5) * scaleY + padY))
 * (clamped to the map): `transform` is the resize / letterbox the model input was made with, brought to the map's
 * resolution. The data is shared: copy it (`classes.slice()`) to keep it past the hook call, and do not write into it.
 */
export interface SegmentationMap {
  readonly width: number;
  readonly height: number;
  readonly classes: Uint8Array;
  readonly labels: readonly string[];
  /** Frame pixels to map cells: mapX = frameX * scaleX + padX (pixel edges; same for y). */
  readonly transform: SegmentationTransform;
}

/** See {@link SegmentationMap}. */
export interface SegmentationTransform {
  readonly scaleX: number;
  readonly scaleY: number;
  readonly padX: number;
  readonly padY: number;
}

/** A camera's move between two frames (see {@link Frame.cameraMotion}). */
export interface CameraMotion {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

/** An object of the frame `framesAgo` frames before the one it is reported on (`pts`: that frame's, or null). */
export interface PastDetection extends Detection {
  framesAgo: number;
  pts: number | null;
}

/**
 * A frame as tstrack's hooks see it. tstrack reads no pixels, so it takes any raw video in any memory (e.g.
 * DeepStream's `memory:NVMM`): `format` is the caps' format name (`GRAY8`, `YUY2`, …), and `data` holds the pixels
 * only when the frame is in system memory in one of the {@link PixelFormat}s — otherwise it is empty and `planes`
 * is `[]`.
 */
export interface TrackFrame extends Omit<Frame, 'format'> {
  readonly format: string;
}

/** A named output (or input) tensor of an ONNX model. */
export interface Tensor {
  readonly type: 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool' | string;
  readonly dims: readonly number[];
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array;
}

/** Maps model-input coordinates back to frame pixels: frameX = (modelX - padX) / scaleX. */
export interface InputTransform {
  readonly scaleX: number;
  readonly scaleY: number;
  readonly padX: number;
  readonly padY: number;
  /** Model input size. */
  readonly inputWidth: number;
  readonly inputHeight: number;
}

/** Bus-facing services every hook context offers. */
export interface HookContext {
  /** The element's name, e.g. "tsdetect0". */
  readonly elementName: string;
  /** `module-args`, parsed from JSON ({} when unset). */
  readonly args: Readonly<Record<string, unknown>>;
  /** Per-instance scratch space; survives across frames, not across element instances. */
  readonly state: Record<string, unknown>;
  /** Class labels (from `labels-file` or the model), index = class id. */
  readonly labels: readonly string[];
  /** Posts a GStreamer element message on the bus: structure `name` with the given fields. */
  postMessage(name: string, fields: Record<string, string | number | boolean>): void;
  /** Logs through GStreamer's debug system (GST_DEBUG=tsdetect:4 etc.). */
  log(level: 'error' | 'warning' | 'info' | 'debug', message: string): void;
}

export interface DetectContext extends HookContext {
  /** Model input transform of the current frame (set when a model runs). */
  readonly transform: InputTransform | null;
}

export type MaybePromise<T> = T | Promise<T>;

/** A model input produced by a preprocess() hook. */
export interface ModelInput {
  data: Float32Array;
  dims: readonly number[];
  /** How model-input coordinates map back to the frame (default: identity scale, no padding). */
  transform?: InputTransform;
}

/** Hooks of `tsdetect module=…`. */
export interface DetectHook {
  /** Called once when the element starts, before the first frame. */
  setup?(ctx: DetectContext): MaybePromise<void>;
  /**
   * Replaces the built-in preprocessing: returns the model's input tensor (NCHW or NHWC float32 as the
   * model expects) and how it maps back to the frame; return undefined to use the built-in one.
   */
  preprocess?(frame: Frame, ctx: DetectContext): MaybePromise<ModelInput | undefined>;
  /** Replaces the model: returns this frame's detections. */
  detect?(frame: Frame, ctx: DetectContext): MaybePromise<Detection[]>;
  /** Replaces the built-in decoder: turns the model's named output tensors into detections (frame pixels). */
  postprocess?(outputs: Readonly<Record<string, Tensor>>, frame: Frame, ctx: DetectContext): MaybePromise<Detection[]>;
  /** Edits the final list: drop, change or add detections. */
  filter?(detections: Detection[], frame: Frame, ctx: DetectContext): MaybePromise<Detection[]>;
  /** Called once when the element stops. */
  teardown?(ctx: DetectContext): MaybePromise<void>;
}

/** A track event of `tstrack` (also posted on the bus as a `tstrack-event` element message). */
export interface TrackEvent {
  /** 'track-started': a track was confirmed and got its id; 'track-lost': a confirmed track was dropped for good (its id never comes back). */
  type: 'track-started' | 'track-lost';
  trackId: number;
  /** Index of the frame (counted at tstrack) on which the event happened. */
  frameIndex: number;
  label: string;
  /** 'track-started': the confirming detection's box; 'track-lost': the last box the track was matched to (frame pixels). */
  box: Box;
}

/**
 * Tracker parameters. They map 1:1 onto tstrack's GStreamer properties (kebab-case: `high-threshold`, …), and
 * are declared (with their documentation, defaults and ranges) in ts-runtime/src/settings/track.ts.
 */
export type { TrackerParams } from './src/settings/index';

/** The built-in tracker's settings (tstrack's properties, camelCase: tracker, the TrackerParams, inferenceInterval, predictedMaxAge). */
export type { TrackSettings } from './src/settings/index';

export interface TrackContext extends HookContext {
  /** tstrack's settings as set on the element. */
  readonly settings: Readonly<TrackSettings>;
  /**
   * Whether tstrack treats the current frame as one the detector did not run on: it carries no objects and is
   * marked skipped upstream (`frame.inferenceSkipped`) or falls between tstrack's own `inference-interval` frames.
   */
  readonly inferenceSkipped: boolean;
}

/** Hooks of `tstrack module=…`. */
export interface TrackHook {
  /** Called once when the element starts, before the first frame. */
  setup?(ctx: TrackContext): MaybePromise<void>;
  /**
   * Replaces the built-in tracker. `detections` are the objects on the buffer (`frame.detections` without objects
   * an upstream tracker predicted; invalid ones included). Return entry i for input detection i (same order;
   * `trackId` null or absent: no id — only `trackId` and `predicted` of these entries are used, the detector's
   * meta keeps its box); entries after the inputs are added as new objects (e.g. predicted boxes with
   * `predicted: true` and a `trackId`; invalid ones are ignored with a warning). Track events are derived from the
   * returned ids: an id's first appearance starts a track, an id absent for more than max-lost-frames frames is
   * lost. Frames reach update() strictly in order, one at a time.
   */
  update?(detections: readonly Detection[], frame: TrackFrame, ctx: TrackContext): MaybePromise<Detection[]>;
  /** Called for every track event (the same ones posted on the bus as `tstrack-event` messages). */
  onEvent?(event: TrackEvent, ctx: TrackContext): MaybePromise<void>;
  /** Called once when the element stops. */
  teardown?(ctx: TrackContext): MaybePromise<void>;
}

/**
 * tsanalytics' rule parameters (its properties, camelCase: anchor, minDistance, minFrames, anchorHeightFrames,
 * countPredicted, forgetFrames), declared in ts-runtime/src/settings/analytics.ts.
 */
export type { AnalyticsParams } from './src/settings/index';

/** A line crossing: "in" is from the left of the line's first segment (its direction) to its right. */
export interface LineCrossedEvent {
  type: 'line-crossed';
  line: string;
  direction: 'in' | 'out';
  trackId: number;
  label: string;
  /** The frame the crossing was confirmed on (a past frame for objects tstrack reported late: fill-gaps). */
  frame: number;
  /** That frame's timestamp in nanoseconds, or null. */
  pts: number | null;
}

/** An object entered or left a zone (confirmed with the same hysteresis as crossings). */
export interface ZoneEvent {
  type: 'zone-entered' | 'zone-left';
  zone: string;
  trackId: number;
  label: string;
  frame: number;
  pts: number | null;
}

/** An object has been in a zone for `seconds` (the zone's `dwell`); once per visit. */
export interface DwellEvent {
  type: 'dwell';
  zone: string;
  trackId: number;
  label: string;
  seconds: number;
  frame: number;
  pts: number | null;
}

/** A zone's occupancy went above its `maxOccupancy` (overcrowded) or back to it or below (cleared). */
export interface OccupancyEvent {
  type: 'overcrowded' | 'cleared';
  zone: string;
  occupancy: number;
  maxOccupancy: number;
  frame: number;
  pts: number | null;
}

export type AnalyticsEvent = LineCrossedEvent | ZoneEvent | DwellEvent | OccupancyEvent;

/** Running totals of a line. */
export interface LineCounts {
  in: number;
  out: number;
  /** The same per object label. */
  classes: Record<string, { in: number; out: number }>;
}

/** A zone's current occupancy and running totals. */
export interface ZoneCounts {
  occupancy: number;
  entries: number;
  exits: number;
  classes: Record<string, { occupancy: number; entries: number; exits: number }>;
}

/** What tsexport writes as a frame's `counts`. */
export interface AnalyticsCounts {
  lines: Record<string, LineCounts>;
  zones: Record<string, ZoneCounts>;
}

/** An object's smoothed motion: heading in degrees clockwise from up (0 up, 90 right, 180 down), speed in pixels/s. */
export interface ObjectMotion {
  heading: number;
  speed: number;
}

export interface AnalyticsContext extends HookContext {
  /** tsanalytics' rule parameters (its properties). */
  readonly settings: Readonly<AnalyticsParams>;
  /** The running totals after the latest frame. */
  readonly counts: Readonly<AnalyticsCounts>;
}

/** Hooks of `tsanalytics module=…`. */
export interface AnalyticsHook {
  setup?(ctx: AnalyticsContext): MaybePromise<void>;
  /**
   * Custom rules: called once per frame (in order) with the frame's tracked objects; the events returned are
   * handled like the built-in ones (bus messages, the frame's meta, onEvent).
   */
  rules?(frame: TrackFrame, ctx: AnalyticsContext): MaybePromise<AnalyticsEvent[] | undefined | void>;
  /**
   * Called for every event before it is posted: return nothing to keep it, another event to replace it (enrich),
   * or null to drop it (filter). Publishing elsewhere (a webhook, a queue) belongs here too.
   */
  onEvent?(event: AnalyticsEvent, ctx: AnalyticsContext): MaybePromise<AnalyticsEvent | null | undefined | void>;
  teardown?(ctx: AnalyticsContext): MaybePromise<void>;
}

/**
 * The built-in post-processing settings of `tsclassify` (its properties, camelCase; declared in
 * ts-runtime/src/settings/classify.ts). `outputType` is the resolved one: `classification` or `embedding`.
 */
export type ClassifySettings = Pick<ClassifyConfig, 'outputType' | 'activation' | 'multiLabel' | 'topK' | 'threshold' | 'reclassifyInterval'>;

export interface ClassifyContext extends HookContext {
  /** The element's `attribute-name`: what its classifications are about (default: the element's name). */
  readonly attributeName: string;
  readonly settings: Readonly<ClassifySettings>;
}

/**
 * One classification as a `tsclassify` postprocess() hook returns it: `attribute` defaults to the element's
 * `attribute-name`, `classId` to -1, `confidence` to 1.
 */
export interface ClassificationResult {
  attribute?: string;
  label: string;
  classId?: number;
  confidence?: number;
  /** A vector for downstream hooks (e.g. a re-identification embedding). */
  embedding?: Float32Array;
}

/** Hooks of `tsclassify module=…`. */
export interface ClassifyHook {
  /** Called once when the element starts, before the first frame. */
  setup?(ctx: ClassifyContext): MaybePromise<void>;
  /**
   * Replaces the built-in post-processing: turns the model's named output tensors for one input into
   * classifications. `object` is the object the input was cropped from, or null for a full-frame input.
   * Called in frame order, one object at a time.
   */
  postprocess?(
    outputs: Readonly<Record<string, Tensor>>,
    object: Detection | null,
    frame: Frame,
    ctx: ClassifyContext,
  ): MaybePromise<ClassificationResult[]>;
  /** Called once when the element stops. */
  teardown?(ctx: ClassifyContext): MaybePromise<void>;
}

/** A candidate box in model-input pixels (before NMS), as decoders produce them. */
export interface RawDetection {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classId: number;
  /** A pose head's keypoints of this candidate: x, y (model-input pixels), confidence per keypoint. */
  keypoints?: Float32Array;
  /** An oriented-box head's rectangle (model-input pixels; x1..y2 is then the box enclosing it). */
  rotation?: Rotation;
  /** A prototype-mask head's (YOLOv8-seg) mask coefficients of this candidate: one per prototype map. */
  maskCoefficients?: Float32Array;
  /** The candidate's mask in frame pixels, once computed (after NMS); toDetections() hands it on. */
  mask?: Mask;
}

/** Greedy non-maximum suppression, best first; class-aware unless `classAware: false`. */
export declare function nms(
  detections: readonly RawDetection[],
  iouThreshold: number,
  options?: { classAware?: boolean; maxDetections?: number },
): RawDetection[];

/**
 * Greedy NMS on oriented boxes with Ultralytics' probabilistic IoU ({@link probiou}); candidates without `rotation`
 * count as axis-aligned rectangles.
 */
export declare function nmsRotated(
  detections: readonly RawDetection[],
  iouThreshold: number,
  options?: { classAware?: boolean; maxDetections?: number },
): RawDetection[];

/** Ultralytics' probabilistic IoU of two oriented boxes (1 − Hellinger distance of their Gaussians), in 0..1. */
export declare function probiou(a: Rotation, b: Rotation): number;

/** Intersection over union of two corner boxes. */
export declare function iou(
  a: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number },
  b: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number },
): number;

/** Maps model-input boxes to frame-pixel detections (clipped to the frame; labels[classId] as label; a candidate's `mask`, already in frame pixels, handed on). */
export declare function toDetections(
  raw: readonly RawDetection[],
  transform: Pick<InputTransform, 'scaleX' | 'scaleY' | 'padX' | 'padY'>,
  frameWidth: number,
  frameHeight: number,
  labels: readonly string[],
  /** Names of the keypoints candidates carry (`RawDetection.keypoints`), and the skeleton joining them. */
  pose?: { readonly names: readonly string[]; readonly skeleton?: readonly (readonly [number, number])[] },
): Detection[];
