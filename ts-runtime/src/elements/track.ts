/**
 * tstrack's runtime side: one tracker (elements/track) per element instance, or a user hook's update().
 *
 * Per frame:
 * - the objects on the buffer (`frame.detections`, e.g. tsdetect's ROI metas) are tracked; each one whose track
 *   is confirmed comes back as `{ trackId, sourceIndex: i }` (see idUpdate), so the base class writes the
 *   `object_id` param onto that existing meta; unconfirmed / ignored objects are simply not in the result.
 *   Objects marked `predicted` (an upstream tstrack's predictions) are not detections and are not tracked.
 * - frames without inference: a frame that carries no (non-predicted) objects and either is marked by an upstream
 *   detector as skipped (`frame.inferenceSkipped`: tsdetect inference-interval puts a TsvisionInferenceMeta on
 *   it) or, with tstrack's own `inference-interval` N > 1 (for detectors that do not mark frames), has an index
 *   that is not a multiple of N. The tracks are only predicted, and the confirmed tracks last matched at most
 *   `predicted-max-age` frames ago (-1: those matched on the latest frame the detector ran on) are added as new
 *   objects (`sourceIndex: -1`, `predicted: true`, `trackId`), clipped to the frame. Any frame that carries
 *   objects is tracked normally, and any other empty frame is an empty detection result (tracks age; nothing is
 *   predicted onto it).
 * - gaps (fill-gaps): when a confirmed track is matched again after missing on some frames, the tracker's
 *   interpolated boxes for those frames (`TrackerOutput.filled`) come back as `pastObjects` with `framesAgo` and
 *   the pts of their frame; the host writes them onto this buffer as TsvisionPastObjectsMeta.
 * - frames are processed strictly in order (a Sequencer), also with frames in flight (max-inflight) and async
 *   hooks.
 * - track events (`track-started`, `track-lost`) become `tstrack-event` element messages and go to the hook's
 *   onEvent(). With an update() hook, events are derived from the ids it returns: an id's first appearance
 *   starts a track, an id absent for more than max-lost-frames frames is lost.
 * - invalid detections (non-finite numbers, non-positive size) are ignored, counted, and reported by a
 *   rate-limited warning (the first frame with any, then every 100th such frame, with running totals).
 */
import type { Box, Detection, TrackContext, TrackEvent, TrackHook, TrackSettings } from '../../api';
import { createTracker, isValidDetection, type Tracker } from '../../../elements/track/index';
import {
  SKIP,
  hookContext,
  parseModuleArgs,
  type ElementEnv,
  type ElementLogic,
  type HostFrame,
  type PastObject,
  type ProcessResult,
  type ResultObject,
} from '../element.js';
import { TsvisionError } from '../errors.js';
import { HookModule } from '../hook-module.js';
import { Sequencer } from '../sequencer.js';
import { TRACK_SETTINGS, parseConfig, parseSettings } from '../settings/index.js';

const TRACK_HOOKS = ['setup', 'update', 'onEvent', 'teardown'] as const;

/** Name of the bus messages carrying track events. */
export const TRACK_EVENT_MESSAGE = 'tstrack-event';

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** The part of `box` inside a width x height frame, or null when nothing of it is. */
function clipBox(box: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, box.x), y0 = Math.max(0, box.y);
  const x1 = Math.min(width, box.x + box.width), y1 = Math.min(height, box.y + box.height);
  if (!(x1 > x0 && y1 > y0)) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The result object that puts track id `trackId` onto input object `sourceIndex`. For an object with a source
 * index the base class writes only the id (object_id param, with `predicted`) and classifications onto the
 * existing meta — box, label and confidence stay the detector's — so nothing else is sent back (copying 100
 * full detections back through Node-API costs about 0.3 ms per frame).
 */
function idUpdate(trackId: number, sourceIndex: number, predicted = false): ResultObject {
  const o = { trackId, sourceIndex } as Partial<ResultObject>;
  if (predicted) o.predicted = true;
  return o as ResultObject;
}

function validTrackId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Track events derived from the ids an update() hook returns (it has no events of its own). */
class IdLifecycle {
  private readonly lastSeen = new Map<number, { frame: number; label: string; box: Box }>();
  constructor(private readonly maxLost: number) {}

  step(frameIndex: number, objects: readonly Detection[]): TrackEvent[] {
    const events: TrackEvent[] = [];
    for (const o of objects) {
      const id = o.trackId;
      if (!validTrackId(id) || o.predicted) continue;
      if (!this.lastSeen.has(id)) events.push({ type: 'track-started', trackId: id, frameIndex, label: o.label, box: { ...o.box } });
      this.lastSeen.set(id, { frame: frameIndex, label: o.label, box: { ...o.box } });
    }
    for (const [id, s] of this.lastSeen) {
      if (frameIndex - s.frame > this.maxLost) {
        events.push({ type: 'track-lost', trackId: id, frameIndex, label: s.label, box: s.box });
        this.lastSeen.delete(id);
      }
    }
    return events;
  }
}

export async function createTrack(rawConfig: unknown, env: ElementEnv): Promise<ElementLogic> {
  const config = parseConfig(TRACK_SETTINGS, rawConfig);
  const hookModule = await HookModule.load<TrackHook, TrackContext>(config, TRACK_HOOKS, env);
  const hook = hookModule.hooks;
  const runner = hookModule.runner;
  const args = parseModuleArgs(config.moduleArgs);
  // tstrack's own settings (hooks see them as ctx.settings).
  const settings: Readonly<TrackSettings> = parseSettings(TRACK_SETTINGS, config);

  const tracker: Tracker | null = hook.update ? null : createTracker(settings.tracker, settings);
  const lifecycle = hook.update ? new IdLifecycle(settings.maxLostFrames) : null;
  const interval = settings.inferenceInterval;
  const inOrder = new Sequencer();
  /** Index of the latest frame the detector ran on (not skipped), for the automatic predicted-max-age. */
  let lastInferenceFrame = -1;
  /** pts of the recent frames (index → pts), for the frames that past-frame objects belong to. */
  const recentPts = new Map<number, number | null>();
  const ptsWindow = settings.fillGaps + 1;

  let inferenceSkipped = false;
  const ctx: TrackContext = Object.defineProperties(hookContext(env, args, []), {
    settings: { value: settings, enumerable: true },
    inferenceSkipped: { get: () => inferenceSkipped, enumerable: true },
  }) as TrackContext;
  await hookModule.setup(ctx);

  let rejectedTotal = 0;
  let rejectingFrames = 0;
  function reportRejected(n: number, frameIndex: number, what: string): void {
    if (n <= 0) return;
    rejectedTotal += n;
    rejectingFrames++;
    if (rejectingFrames === 1 || rejectingFrames % 100 === 0) {
      env.log(
        'warning',
        `${env.elementName}: ignored ${n} invalid ${what} on frame ${frameIndex} (non-finite numbers or non-positive size); ` +
          `${rejectedTotal} ignored so far on ${rejectingFrames} frame(s)`,
      );
    }
  }

  async function emit(events: readonly TrackEvent[]): Promise<void> {
    for (const e of events) {
      env.postMessage(TRACK_EVENT_MESSAGE, {
        type: e.type,
        'track-id': e.trackId,
        frame: e.frameIndex,
        label: e.label,
        // Pixels to 1/1000 (the normalised meta coordinates carry round-off like 80.000000000000014).
        x: round3(e.box.x),
        y: round3(e.box.y),
        width: round3(e.box.width),
        height: round3(e.box.height),
      });
      if (hook.onEvent) await runner.run('onEvent', () => hook.onEvent!(e, ctx));
    }
  }

  /** Turns update()'s return value into result objects (see TrackHook.update). */
  function fromHook(value: unknown, inputs: readonly Detection[], frame: HostFrame): ResultObject[] {
    if (!Array.isArray(value)) {
      throw new TsvisionError('HOOK', `${env.elementName}: update() must return an array of detections, got ${typeof value}`);
    }
    const out: ResultObject[] = [];
    let bad = 0;
    value.forEach((entry: unknown, i: number) => {
      const d = entry as Partial<Detection> | null;
      if (i < inputs.length) {
        const id = d?.trackId;
        if (id === null || id === undefined) return;
        if (!validTrackId(id)) {
          bad++;
          return;
        }
        out.push(idUpdate(id, i, d?.predicted === true));
        return;
      }
      if (!d || typeof d !== 'object' || !d.box || !isValidDetection(d as Detection) || (d.trackId != null && !validTrackId(d.trackId))) {
        bad++;
        return;
      }
      const box = clipBox(d.box, frame.width, frame.height);
      if (box === null) return;
      out.push({
        box,
        label: typeof d.label === 'string' ? d.label : String(d.classId ?? ''),
        classId: typeof d.classId === 'number' ? d.classId : -1,
        confidence: d.confidence as number,
        trackId: d.trackId ?? null,
        predicted: d.predicted === true,
        classifications: [],
        sourceIndex: -1,
      });
    });
    reportRejected(bad, frame.index, 'object(s) returned by update()');
    return out;
  }

  async function processFrame(frame: HostFrame): Promise<ProcessResult> {
    recentPts.set(frame.index, frame.pts);
    recentPts.delete(frame.index - ptsWindow);
    const all = frame.detections;
    // Objects an upstream tracker predicted are not detections.
    let inputs: readonly Detection[] = all;
    let inputIndex: number[] | null = null;
    if (all.some((d) => d.predicted === true)) {
      inputIndex = [];
      for (let i = 0; i < all.length; i++) if (all[i].predicted !== true) inputIndex.push(i);
      inputs = inputIndex.map((i) => all[i]);
    }
    inferenceSkipped =
      inputs.length === 0 && (frame.inferenceSkipped === true || (interval > 1 && frame.index % interval !== 0));
    if (!inferenceSkipped) lastInferenceFrame = frame.index;

    if (hook.update) {
      const r = await runner.run('update', () => hook.update!(inputs, frame, ctx));
      if (r === SKIP) return { objects: [], skipped: true };
      const objects = fromHook(r, inputs, frame);
      if (inputIndex !== null) for (const o of objects) if (o.sourceIndex >= 0) o.sourceIndex = inputIndex[o.sourceIndex];
      // Events name the detector's label and box for ids written onto existing metas.
      const described = objects.map((o) => (o.sourceIndex >= 0 ? { ...all[o.sourceIndex], trackId: o.trackId, predicted: o.predicted } : o));
      await emit(lifecycle!.step(frame.index, described));
      return { objects };
    }

    const t = tracker!;
    const objects: ResultObject[] = [];
    // The C++ element estimates the camera's move only under motion-compensation=sparse-flow.
    if (frame.cameraMotion) t.compensate(frame.cameraMotion);
    if (inferenceSkipped) {
      const out = t.predictOnly(frame.index);
      // Automatic (-1): the tracks matched on the latest frame the detector ran on.
      const predictedMaxAge =
        settings.predictedMaxAge >= 0 ? settings.predictedMaxAge : lastInferenceFrame >= 0 ? frame.index - lastInferenceFrame : 0;
      for (let k = 0; k < out.predicted.length; k++) {
        if (out.predictedAge[k] > predictedMaxAge) continue;
        const p = out.predicted[k];
        const box = clipBox(p.box, frame.width, frame.height);
        if (box === null) continue;
        objects.push({ ...p, box, predicted: true, classifications: [], sourceIndex: -1 });
      }
      await emit(out.events);
      return { objects };
    }

    const out = t.update(inputs, frame.index);
    for (let k = 0; k < inputs.length; k++) {
      const id = out.ids[k];
      if (id === null) continue;
      objects.push(idUpdate(id, inputIndex === null ? k : inputIndex[k]));
    }
    reportRejected(out.rejected, frame.index, 'detection(s)');
    await emit(out.events);
    if (out.filled.length === 0) return { objects };
    const pastObjects: PastObject[] = [];
    for (const g of out.filled) {
      const box = clipBox(g.box, frame.width, frame.height);
      if (box === null) continue;
      const { frameIndex, ...object } = g;
      pastObjects.push({ ...object, box, framesAgo: frame.index - frameIndex, pts: recentPts.get(frameIndex) ?? null });
    }
    return { objects, pastObjects };
  }

  return {
    process(frame: HostFrame): Promise<ProcessResult> {
      hookModule.frameBoundary();
      return inOrder.ticket().run(() => processFrame(frame));
    },
    setModule: (module: string) => hookModule.setModule(module),
    async destroy() {
      hookModule.close();
      if (hook.teardown) await runner.run('teardown', () => hook.teardown!(ctx));
    },
  };
}
