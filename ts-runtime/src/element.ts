/** What the host needs from each element kind's logic, and what it gives it. */
import type { AnalyticsCounts, AnalyticsEvent, Classification, Detection, Frame, HookContext, Keypoint, Mask, PastDetection, Rotation, SegmentationMap } from '../api';
import { TsvisionError, hookError } from './errors.js';
import { spent } from './timing.js';

/** Hooks the watchdog can name when one runs past hook-timeout (keep in step with HOOK_NAMES in gst-plugin/host/runtime.cc). */
export const HOOK_NAMES = ['', 'setup', 'filter', 'detect', 'postprocess', 'update', 'onEvent', 'teardown', 'classify', 'preprocess', 'rules'] as const;

/** A frame as the host hands it over (Frame plus the raw plane layout). */
export type HostFrame = Frame;

/** An object in a result that may update one of the frame's input objects: `sourceIndex` points at it (-1: new). */
export interface ResultObject extends Detection {
  sourceIndex: number;
}

export interface ProcessResult {
  /** Plain detections are new objects. */
  objects: (ResultObject | Detection)[];
  /** A hook failed with hook-errors=skip: the frame passes on unchanged. */
  skipped?: boolean;
  /** This element skipped inference on the frame (inference-interval): marked on the buffer. */
  inferenceSkipped?: boolean;
  /** Classifications of the whole frame (tsclassify inference-region=full-frame). */
  frameClassifications?: Classification[];
  /** Objects of earlier frames reported on this one (tstrack fill-gaps); written as TsvisionPastObjectsMeta. */
  pastObjects?: PastObject[];
  /** tsanalytics' results for the frame; written as TsvisionAnalyticsMeta. */
  analytics?: FrameAnalytics;
  /** The frame's semantic class map (tsclassify output-type=segmentation, full-frame); written as TsvisionSegmentationMeta. */
  segmentation?: SegmentationMap;
}

/** A rule's geometry in frame pixels (x0, y0, x1, y1, …), what tsoverlay draws. */
export interface RuleShape {
  name: string;
  points: Float64Array;
}

export interface FrameAnalytics {
  events: AnalyticsEvent[];
  /** The running totals as JSON (elements/analytics AnalyticsResult.countsJson). */
  countsJson: string;
  /** [track id, heading, speed] triples (elements/analytics AnalyticsResult.motion). */
  motion: Float64Array;
  /** The rules' geometry, when it changed since the previous frame (the host keeps the last one). */
  geometry?: { lines: RuleShape[]; zones: RuleShape[] };
  /** [in, out] per line, then [occupancy, overcrowded 0/1] per zone, in rule order. */
  figures: Float64Array;
  /** Track ids of the objects that crossed a line on this very frame (tsoverlay highlights them). */
  crossed: number[];
}

/** An object of an earlier frame reported on this one (see PastDetection in the public API). */
export type PastObject = PastDetection;

export interface ElementLogic {
  process(frame: HostFrame): Promise<ProcessResult> | ProcessResult;
  destroy(): Promise<void> | void;
  /** Loads `module` (the `module` property changed while playing) and swaps it in at a frame boundary. */
  setModule?(module: string): Promise<void>;
  /** The element's settings again (one of its mutable-in-PLAYING settings changed): applied at a frame boundary. */
  configure?(config: unknown): void;
}

/** A bus message's fields as [name, value, name, value, …]. */
export type MessageFieldList = (string | number | boolean)[];

/** Services the host gives an element instance. */
export interface ElementEnv {
  readonly elementName: string;
  /** A bus message; its fields as an object or, where it is sent every frame, as [name, value, name, value, …]. */
  postMessage(name: string, fields: Record<string, string | number | boolean> | MessageFieldList): void;
  log(level: 'error' | 'warning' | 'info' | 'debug', message: string): void;
  /** A hook starts / ends running (what the watchdog names when one runs past hook-timeout). */
  hookStarted?(name: string): void;
  hookFinished?(name: string): void;
}

/** Settings every runtime-hosted element has (module, module-args, hook-errors, …: settings/base.ts). */
export type { BaseConfig } from './settings/index.js';

/** Creates an element's logic from its config: the plugin's config JSON, parsed (see settings/index.ts). */
export type ElementFactory = (config: unknown, env: ElementEnv) => Promise<ElementLogic>;

/** Parses `module-args` (a JSON object). */
export function parseModuleArgs(text: string | null): Record<string, unknown> {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TsvisionError('SETTINGS', `module-args is not valid JSON: ${(err as Error).message} (got ${text})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new TsvisionError('SETTINGS', `module-args must be a JSON object, e.g. '{"zone": [0, 0, 100, 100]}' (got ${text})`);
  }
  return value as Record<string, unknown>;
}

/**
 * Runs hooks with the element's error policy: `fail` turns a throw into a GStreamer error naming
 * the hook and the user's file:line:col; `skip` posts a warning (the first time, then every
 * 100th) and tells the caller to pass the frame on unchanged.
 */
export class HookRunner {
  private failures = 0;

  constructor(
    private readonly env: ElementEnv,
    /** The module file errors are located in (changes when the module is reloaded). */
    public modulePath: string,
    private readonly policy: 'fail' | 'skip',
  ) {}

  /** Returns the hook's value, or `SKIP` when it threw and the policy is skip. */
  async run<T>(name: string, call: () => T | Promise<T>): Promise<T | typeof SKIP> {
    const t0 = performance.now();
    this.env.hookStarted?.(name);
    try {
      return await call();
    } catch (err) {
      const error = hookError(this.env.elementName, name, this.modulePath, err);
      if (this.policy === 'fail') throw error;
      this.failures++;
      if (this.failures === 1 || this.failures % 100 === 0) {
        this.env.log('warning', `${error.message} (hook-errors=skip: frame passed on without results; ${this.failures} so far)`);
      }
      return SKIP;
    } finally {
      this.env.hookFinished?.(name);
      spent.hookMs += performance.now() - t0;
    }
  }
}

export const SKIP: unique symbol = Symbol('skip');

/** Validates a hook's returned detections and turns them into new result objects. */
export function checkDetections(value: unknown, hook: string, elementName: string): Detection[] {
  if (!Array.isArray(value)) {
    throw new TsvisionError('HOOK', `${elementName}: ${hook}() must return an array of detections, got ${typeof value}`);
  }
  // A plain loop with direct checks: this runs for every object of every frame (~0.05 µs an object).
  const out: Detection[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const det = value[i] as Partial<Detection> | null;
    const box = det?.box;
    if (!det || !box || !Number.isFinite(box.x) || !Number.isFinite(box.y) || !Number.isFinite(box.width) || !Number.isFinite(box.height)) {
      throw new TsvisionError(
        'HOOK',
        `${elementName}: ${hook}() returned an invalid detection at index ${i}: expected { box: { x, y, width, height }, label, classId, confidence }`,
      );
    }
    out[i] = {
      box: { x: box.x, y: box.y, width: box.width, height: box.height },
      label: typeof det.label === 'string' ? det.label : String(det.classId ?? ''),
      classId: typeof det.classId === 'number' ? det.classId : -1,
      confidence: typeof det.confidence === 'number' ? det.confidence : 1,
      trackId: det.trackId ?? null,
      classifications: det.classifications ?? [],
    };
    if (det.keypoints !== undefined) {
      out[i].keypoints = checkKeypoints(det.keypoints, hook, elementName, i);
      if (det.skeleton !== undefined) out[i].skeleton = checkSkeleton(det.skeleton, out[i].keypoints!.length, hook, elementName, i);
    }
    if (det.rotation !== undefined) out[i].rotation = checkRotation(det.rotation, hook, elementName, i);
    if (det.mask !== undefined) out[i].mask = checkMask(det.mask, hook, elementName, i);
  }
  return out;
}

/** A hook's mask: integer placement, width x height bytes (kept as the same view: no copy). */
function checkMask(value: unknown, hook: string, elementName: string, i: number): Mask {
  const m = value as Partial<Mask> | null;
  const int = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 1 << 20;
  if (!m || !int(m.width) || !int(m.height) || !Number.isInteger(m.x) || !Number.isInteger(m.y) || !(m.data instanceof Uint8Array) || m.data.length !== m.width! * m.height!) {
    throw new TsvisionError(
      'HOOK',
      `${elementName}: ${hook}() returned detection ${i} with an invalid mask: expected { x, y, width, height, data } (integers in frame pixels, data a Uint8Array of width x height bytes, non-zero inside)`,
    );
  }
  return { x: m.x!, y: m.y!, width: m.width!, height: m.height!, data: m.data };
}

function checkKeypoints(value: unknown, hook: string, elementName: string, i: number): Keypoint[] {
  const bad = (why: string) =>
    new TsvisionError('HOOK', `${elementName}: ${hook}() returned detection ${i} with invalid keypoints (${why}): expected [{ name, x, y, confidence }] in frame pixels`);
  if (!Array.isArray(value)) throw bad('not an array');
  return value.map((p: Partial<Keypoint> | null, k) => {
    if (!p || !Number.isFinite(p.x) || !Number.isFinite(p.y)) throw bad(`keypoint ${k} has no finite x, y`);
    return { name: typeof p.name === 'string' ? p.name : `kp${k}`, x: p.x!, y: p.y!, confidence: typeof p.confidence === 'number' ? p.confidence : 1 };
  });
}

function checkRotation(value: unknown, hook: string, elementName: string, i: number): Rotation {
  const r = value as Partial<Rotation> | null;
  if (!r || ![r.cx, r.cy, r.width, r.height, r.angle].every(Number.isFinite) || !(r.width! >= 0 && r.height! >= 0)) {
    throw new TsvisionError('HOOK', `${elementName}: ${hook}() returned detection ${i} with an invalid rotation: expected { cx, cy, width, height, angle } (frame pixels, radians clockwise), finite, width and height >= 0`);
  }
  return { cx: r.cx!, cy: r.cy!, width: r.width!, height: r.height!, angle: r.angle! };
}

function checkSkeleton(value: unknown, count: number, hook: string, elementName: string, i: number): [number, number][] {
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < count;
  if (!Array.isArray(value) || !value.every((e) => Array.isArray(e) && e.length === 2 && ok(e[0]) && ok(e[1]))) {
    throw new TsvisionError('HOOK', `${elementName}: ${hook}() returned detection ${i} with an invalid skeleton: expected [[a, b], …], indices into its ${count} keypoints`);
  }
  return value.map((e: [number, number]) => [e[0], e[1]]);
}

/** The context fields every element's hooks share (element contexts add their own on top). */
export function hookContext(env: ElementEnv, args: Record<string, unknown>, labels: readonly string[]): HookContext {
  return {
    elementName: env.elementName,
    args,
    state: {},
    labels,
    postMessage: (name, fields) => env.postMessage(name, fields),
    log: (level, message) => env.log(level, message),
  };
}
