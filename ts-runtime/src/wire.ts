/**
 * The other half of gst-plugin/host/marshal.cc: frames and results cross the C++/JavaScript seam
 * as one Float64Array of OBJECT_FIELDS numbers per object plus the objects' labels, which both
 * sides build and read in one pass (a property lookup per field from C++ costs ~10x more).
 */
import type { AnalyticsEvent, Classification, Detection, Keypoint, Mask, SegmentationMap } from '../api';
import type { FrameAnalytics, HostFrame, PastObject, ProcessResult, ResultObject } from './element.js';
import type { Spent } from './timing.js';

/** Field order of one object (keep in step with ObjectField in marshal.h). */
const X = 0, Y = 1, WIDTH = 2, HEIGHT = 3, CLASS_ID = 4, CONFIDENCE = 5, TRACK_ID = 6, FLAGS = 7, SOURCE = 8;
export const OBJECT_FIELDS = 9;
const PREDICTED = 1;

/**
 * An object's keypoints on the wire (rare, like classifications): [object index, x, y, confidence per keypoint,
 * their names, the skeleton as index pairs (a, b, a, b, …; empty: none)].
 */
export type WireKeypoints = [index: number, points: Float64Array, names: string[], skeleton: Float64Array];

/** Oriented boxes on the wire (rare): ROTATION_FIELDS numbers per rotated object: index, cx, cy, width, height, angle. */
export const ROTATION_FIELDS = 6;

/**
 * An object's instance mask on the wire (rare, like keypoints): [object index, x, y, width, height (frame pixels),
 * width x height bytes, non-zero inside]. C++ copies the bytes out; towards JavaScript a frame's masks are views of
 * one buffer.
 */
export type WireMask = [index: number, x: number, y: number, width: number, height: number, data: Uint8Array];

/**
 * Objects on the wire: numbers, labels, [object index, its classifications] for those that have any, the
 * keypoints of those that have any, the oriented boxes of those that have one, and the masks of those that have
 * one (objects without keypoints, rotation or mask cost nothing more).
 */
export type WireObjects = [
  nums: Float64Array,
  labels: string[],
  classifications: [number, Classification[]][],
  keypoints: WireKeypoints[],
  /** Absent from C++ when no object has one. */
  rotations: Float64Array | undefined,
  masks: WireMask[],
];

/**
 * A frame as marshal.cc frame_to_js() builds it: positional, since a named property costs a string
 * lookup from C++.
 */
export type WireFrame = [
  index: number,
  pts: number,
  width: number,
  height: number,
  format: HostFrame['format'],
  bt709: boolean,
  fullRange: boolean,
  data: Uint8Array,
  offsets: number[],
  strides: number[],
  objects: WireObjects,
  classifications: Classification[] | undefined,
  inferenceSkipped: boolean,
  /** Past objects an upstream tstrack reported on the buffer, as in WireResult. */
  pastObjects: WirePastObjects | undefined,
  /** tstrack: the camera's move since the previous frame, [a, b, tx, ty] (gst-plugin/camera-motion.h). */
  cameraMotion: Float64Array | undefined,
  /** The semantic class map on the buffer (TsvisionSegmentationMeta), as in WireResult. */
  segmentation: WireSegmentation | undefined,
];

/**
 * A semantic class map on the wire: its size, width x height class ids, the labels, and the transform from frame
 * pixels to map cells [scaleX, scaleY, padX, padY] (SegmentationMap in api.d.ts). C++ copies the ids out; towards
 * JavaScript they are a buffer of their own.
 */
export type WireSegmentation = [width: number, height: number, classes: Uint8Array, labels: string[], transform: Float64Array];

function decodeSegmentation([width, height, classes, labels, t]: WireSegmentation): SegmentationMap {
  return { width, height, classes, labels, transform: { scaleX: t[0], scaleY: t[1], padX: t[2], padY: t[3] } };
}

function encodeSegmentation(m: SegmentationMap): WireSegmentation {
  const t = m.transform;
  return [m.width, m.height, m.classes, [...m.labels], Float64Array.of(t.scaleX, t.scaleY, t.padX, t.padY)];
}

/** Objects of earlier frames, with [framesAgo, pts (-1: unknown)] per object. */
export type WirePastObjects = [...WireObjects, Float64Array];

function decodePastObjects(wire: WirePastObjects): PastObject[] {
  const when = wire[6];
  return decodeObjects([wire[0], wire[1], wire[2], wire[3], wire[4], wire[5]]).map((d, i) => ({ ...d, framesAgo: when[2 * i], pts: when[2 * i + 1] >= 0 ? when[2 * i + 1] : null }));
}

export function decodeObjects(wire: WireObjects): Detection[] {
  const [nums, labels, classifications, keypoints, rotations, masks] = wire;
  const out: Detection[] = new Array(labels.length);
  for (let i = 0, o = 0; i < labels.length; i++, o += OBJECT_FIELDS) {
    const trackId = nums[o + TRACK_ID];
    const d: Detection = {
      box: { x: nums[o + X], y: nums[o + Y], width: nums[o + WIDTH], height: nums[o + HEIGHT] },
      label: labels[i],
      classId: nums[o + CLASS_ID],
      confidence: nums[o + CONFIDENCE],
      trackId: trackId >= 0 ? trackId : null,
      classifications: [],
    };
    if (nums[o + FLAGS] & PREDICTED) d.predicted = true;
    out[i] = d;
  }
  for (const [i, list] of classifications) out[i].classifications = list;
  if (keypoints) for (const k of keypoints) decodeKeypoints(k, out[k[0]]);
  if (rotations) decodeRotations(rotations, out);
  if (masks) for (const [i, x, y, width, height, data] of masks) if (out[i]) out[i].mask = { x, y, width, height, data };
  return out;
}

function decodeRotations(r: Float64Array, out: Detection[]): void {
  for (let o = 0; o + ROTATION_FIELDS <= r.length; o += ROTATION_FIELDS) {
    const d = out[r[o]];
    if (d) d.rotation = { cx: r[o + 1], cy: r[o + 2], width: r[o + 3], height: r[o + 4], angle: r[o + 5] };
  }
}

function decodeKeypoints([, points, names, skeleton]: WireKeypoints, d: Detection | undefined): void {
  if (!d) return;
  const list: Keypoint[] = new Array(names.length);
  for (let k = 0; k < names.length; k++) list[k] = { name: names[k], x: points[3 * k], y: points[3 * k + 1], confidence: points[3 * k + 2] };
  d.keypoints = list;
  if (skeleton.length > 0) {
    const pairs: [number, number][] = new Array(skeleton.length >> 1);
    for (let s = 0; s < pairs.length; s++) pairs[s] = [skeleton[2 * s], skeleton[2 * s + 1]];
    d.skeleton = pairs;
  }
}

function encodeKeypoints(i: number, list: readonly Keypoint[], skeleton: Detection['skeleton']): WireKeypoints {
  const points = new Float64Array(3 * list.length);
  const names: string[] = new Array(list.length);
  for (let k = 0; k < list.length; k++) {
    const p = list[k];
    points[3 * k] = p.x;
    points[3 * k + 1] = p.y;
    points[3 * k + 2] = p.confidence;
    names[k] = p.name;
  }
  const pairs = new Float64Array(skeleton ? 2 * skeleton.length : 0);
  if (skeleton) for (let s = 0; s < skeleton.length; s++) [pairs[2 * s], pairs[2 * s + 1]] = skeleton[s];
  return [i, points, names, pairs];
}

const NO_ROTATIONS = new Float64Array(0);

function encodeRotations(objects: readonly Detection[], rotated: readonly number[]): Float64Array {
  if (rotated.length === 0) return NO_ROTATIONS; // the common case: nothing allocated
  const out = new Float64Array(ROTATION_FIELDS * rotated.length);
  rotated.forEach((i, k) => {
    const r = objects[i].rotation!;
    out.set([i, r.cx, r.cy, r.width, r.height, r.angle], ROTATION_FIELDS * k);
  });
  return out;
}

export function decodeFrame(w: WireFrame): HostFrame {
  const [index, pts, width, height, format, bt709, fullRange, data, offsets, strides, objects, classifications, inferenceSkipped, past, camera, segmentation] = w;
  return {
    index,
    pts: pts >= 0 ? pts : null,
    width,
    height,
    format,
    colorimetry: { matrix: bt709 ? 'bt709' : 'bt601', range: fullRange ? 'full' : 'limited' },
    data,
    planes: offsets.map((offset, i) => ({ offset, stride: strides[i] })),
    detections: decodeObjects(objects),
    classifications: classifications ?? [],
    inferenceSkipped,
    pastObjects: past ? decodePastObjects(past) : [],
    ...(camera ? { cameraMotion: { a: camera[0], b: camera[1], tx: camera[2], ty: camera[3] } } : {}),
    ...(segmentation ? { segmentation: decodeSegmentation(segmentation) } : {}),
  };
}

/** Reused between calls: C++ copies the numbers out before the next result is encoded. */
let scratch = new Float64Array(64 * OBJECT_FIELDS);

/**
 * `reuse`: write into the shared scratch buffer (valid until the next encode). `frameNums`: the frame's
 * objects on the wire, whose ids an object's `sourceIndex` (its input object's position) is turned into.
 */
export function encodeObjects(objects: readonly (Detection & { sourceIndex?: number })[], reuse = true, frameNums?: Float64Array): WireObjects {
  const n = objects.length;
  if (reuse && scratch.length < n * OBJECT_FIELDS) scratch = new Float64Array(2 * n * OBJECT_FIELDS);
  const nums = reuse ? scratch.subarray(0, n * OBJECT_FIELDS) : new Float64Array(n * OBJECT_FIELDS);
  const labels: string[] = new Array(n);
  const classifications: [number, Classification[]][] = [];
  const keypoints: WireKeypoints[] = [];
  const rotated: number[] = [];
  const masks: WireMask[] = [];
  for (let i = 0, o = 0; i < n; i++, o += OBJECT_FIELDS) {
    const d = objects[i];
    // Updates of an input object (tstrack's ids) may carry no box: only new objects need one.
    const box = d.box;
    nums[o + X] = box ? box.x : 0;
    nums[o + Y] = box ? box.y : 0;
    nums[o + WIDTH] = box ? box.width : 0;
    nums[o + HEIGHT] = box ? box.height : 0;
    nums[o + CLASS_ID] = d.classId ?? -1;
    nums[o + CONFIDENCE] = d.confidence ?? 0;
    nums[o + TRACK_ID] = d.trackId ?? -1;
    nums[o + FLAGS] = d.predicted ? PREDICTED : 0;
    const source = d.sourceIndex ?? -1;
    nums[o + SOURCE] = source >= 0 && frameNums ? (frameNums[source * OBJECT_FIELDS + SOURCE] ?? -1) : -1;
    labels[i] = d.label ?? '';
    if (d.classifications && d.classifications.length > 0) classifications.push([i, d.classifications]);
    if (d.keypoints && d.keypoints.length > 0) keypoints.push(encodeKeypoints(i, d.keypoints, d.skeleton));
    if (d.rotation) rotated.push(i);
    const m: Mask | undefined = d.mask;
    if (m && m.width > 0 && m.height > 0) masks.push([i, m.x, m.y, m.width, m.height, m.data]);
  }
  return [nums, labels, classifications, keypoints, encodeRotations(objects, rotated), masks];
}

/** A result as marshal.cc result_from_js() reads it. */
export type WireResult = [
  objects: WireObjects,
  /** bit 0: skipped, bit 1: inference skipped */
  flags: number,
  frameClassifications: Classification[] | undefined,
  pastObjects: WirePastObjects | undefined,
  /** Milliseconds of the frame in hooks, model runs, preprocessing, decoding (-1: none). */
  hookMs: number,
  modelMs: number,
  preprocessMs: number,
  decodeMs: number,
  analytics: WireAnalytics | undefined,
  segmentation: WireSegmentation | undefined,
];

/**
 * tsanalytics' results (marshal.cc analytics_from_js): events and counts as JSON text (tsexport writes
 * them as they are); each rule's geometry in pixels ([x0, y0, x1, y1, …]) only when it changed (the element keeps
 * the last one); the live figures of every frame: [in, out] per line, then [occupancy, overcrowded 0/1] per zone.
 */
export type WireAnalytics = [
  events: string,
  counts: string,
  /** [track id, heading, speed] per moving object (C++ writes the meta's motion JSON from it). */
  motion: Float64Array,
  lines: [name: string, points: Float64Array][] | undefined,
  zones: [name: string, points: Float64Array][] | undefined,
  figures: Float64Array,
  crossed: Float64Array,
];

/** Event keys in snake_case, by their camelCase name (a handful of names: computed once each). */
const snakeCaseKeys = new Map<string, string>();

/** An event as tsexport writes it: the keys snake_case (track_id, max_occupancy). */
function snakeCaseEvent(e: AnalyticsEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    let key = snakeCaseKeys.get(k);
    if (key === undefined) {
      key = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      if (snakeCaseKeys.size < 1024) snakeCaseKeys.set(k, key); // hooks may add keys: keep the memo bounded
    }
    out[key] = (e as unknown as Record<string, unknown>)[k];
  }
  return out;
}

function encodeAnalytics(a: FrameAnalytics): WireAnalytics {
  return [
    // tsexport's schema is snake_case.
    a.events.length > 0 ? JSON.stringify(a.events.map(snakeCaseEvent)) : '[]',
    a.countsJson,
    a.motion,
    a.geometry?.lines.map((l) => [l.name, l.points]),
    a.geometry?.zones.map((z) => [z.name, z.points]),
    a.figures,
    Float64Array.from(a.crossed),
  ];
}

export function encodeResult(r: ProcessResult, frameNums: Float64Array, t: Spent): WireResult {
  const flags = (r.skipped ? 1 : 0) | (r.inferenceSkipped ? 2 : 0);
  let past: WireResult[3];
  if (r.pastObjects && r.pastObjects.length > 0) {
    // Past objects are rare: their own arrays, not the shared scratch buffer.
    const list: PastObject[] = r.pastObjects;
    const when = new Float64Array(2 * list.length);
    list.forEach((p, i) => {
      when[2 * i] = p.framesAgo;
      when[2 * i + 1] = p.pts ?? -1;
    });
    past = [...encodeObjects(list, false), when];
  }
  return [
    encodeObjects(r.objects as ResultObject[], true, frameNums),
    flags,
    r.frameClassifications,
    past,
    t.hookMs,
    t.modelMs,
    t.preprocessMs,
    t.decodeMs,
    r.analytics ? encodeAnalytics(r.analytics) : undefined,
    r.segmentation ? encodeSegmentation(r.segmentation) : undefined,
  ];
}
