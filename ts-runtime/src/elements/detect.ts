/**
 * tsdetect's runtime side: a model (onnxruntime + native preprocessing + built-in decoder + NMS)
 * and/or a user hook (preprocess / detect / postprocess / filter).
 *
 * Frames may be in flight concurrently (the element's max-inflight): preprocessing and inference
 * of several frames overlap, while hooks that see results (postprocess, filter) are called in frame
 * order, one at a time, so hook state behaves as in a sequential pipeline.
 */
import type { DetectContext, DetectHook, Detection, InputTransform, Tensor } from '../../api';
import { gflLevelLayout, iou, nms, nmsRotated, poseLayout, segOutputs, selectDecoder, toDetections, useBestClassKernel, useMaskKernel } from '../../../elements/detect/index';
import type { Decoder, OutputInfo, PoseNames, RawDetection, TensorLike } from '../../../elements/detect/index';
import { loadPixelAddon, type PreprocessSpec } from '../../preprocess/index';
import {
  SKIP,
  checkDetections,
  hookContext,
  parseModuleArgs,
  type ElementEnv,
  type ElementLogic,
  type HostFrame,
  type ProcessResult,
  type ResultObject,
} from '../element.js';
import { TsvisionError } from '../errors.js';
import { HookModule } from '../hook-module.js';
import { timedSync } from '../timing.js';
import { checkLabelCount, labelSet, readLabels } from '../labels.js';
import { closeModel, openModel, preprocessFrame, runSession, tensorDims, type OpenModel } from '../model-session.js';
import { executionProviders } from '../onnx.js';
import { Sequencer } from '../sequencer.js';
import { DETECT_SETTINGS, parseConfig, type DetectConfig } from '../settings/index.js';

const DETECT_HOOKS = ['setup', 'preprocess', 'detect', 'postprocess', 'filter', 'teardown'] as const;

interface ModelState extends OpenModel {
  decoder: Decoder;
  /** Pose decoders: keypoint count, names and skeleton (from the model description; names kp<k> without one). */
  pose?: PoseNames & { count: number };
  /**
   * Reusable input tensors, one per frame in flight, each with the padding key of what preprocessing last wrote
   * into it (only preprocessing writes them), so a frame of the same geometry leaves the padding as it is.
   */
  inputs: { data: Float32Array; paddingKey?: string }[];
}

/** Preprocessing of detection models the manifest does not know: YOLOX's (letterbox, BGR, 0..255). */
const DETECT_FALLBACK_SPEC: Omit<PreprocessSpec, 'width' | 'height'> = {
  resize: 'letterbox',
  padValue: 114,
  channelOrder: 'BGR',
  scale: 1,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  layout: 'NCHW',
};

/** Class count the outputs of `decoder` carry, or null when the shapes do not say. */
export function classCount(decoder: Decoder, outputs: readonly OutputInfo[], numKeypoints?: number): number | null {
  const last = (o: OutputInfo) => Number(o.dims[o.dims.length - 1]);
  switch (decoder.name) {
    case 'yolox':
    case 'yolov5':
      return last(outputs[0]) - 5;
    case 'yolov8':
      return Number(outputs[0].dims[1]) - 4;
    case 'yolov8-obb':
      return Number(outputs[0].dims[1]) - 5;
    case 'yolov8-pose':
      return poseLayout(Number(outputs[0].dims[1]), numKeypoints).classes;
    case 'yolov8-seg': {
      const seg = segOutputs(outputs);
      if (typeof seg === 'string') throw new Error(`decoder 'yolov8-seg': ${seg}`);
      return seg.classes;
    }
    case 'gfl': {
      const levels = gflLevelLayout(outputs);
      return typeof levels === 'string' || levels.length === 0 ? null : levels[0].numClasses;
    }
    case 'ssd':
    case 'ultraface': {
      const scores = outputs.find((o) => last(o) !== 4) ?? outputs[0];
      return last(scores) - 1;
    }
    default:
      return null;
  }
}

async function openDetectModel(config: DetectConfig, env: ElementEnv): Promise<{ model: ModelState; labels: string[] }> {
  const opened = await openModel(config, env, DETECT_FALLBACK_SPEC);
  const { path: modelPath, spec, description, outputs: infos } = opened;
  // The label count tells an oriented-box head ([1, 4+C+1, N]) from a detector's (selectDecoder rule 7).
  let knownLabels: string[] | undefined;
  try {
    knownLabels = config.labelsFile ? readLabels(config.labelsFile) : (description?.labelNames ?? (description?.labelsPath ? readLabels(description.labelsPath) : undefined));
  } catch (err) {
    await closeModel(opened, env);
    throw err;
  }
  let decoder: Decoder;
  try {
    decoder = selectDecoder(
      infos,
      config.decoder,
      { width: spec.width, height: spec.height },
      { keypoints: !!description?.keypoints, obb: description?.task === 'obb', labelCount: knownLabels?.length },
    );
  } catch (err) {
    await closeModel(opened, env);
    throw new TsvisionError('MODEL', `${modelPath}: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')} (property decoder)`);
  }
  const kp = description?.keypoints;
  let classes: number | null;
  let pose: ModelState['pose'];
  try {
    classes = classCount(decoder, infos, kp?.names.length);
    if (decoder.name === 'yolov8-pose') {
      const count = poseLayout(Number(infos[0].dims[1]), kp?.names.length).keypoints;
      pose = { count, names: kp?.names ?? Array.from({ length: count }, (_, k) => `kp${k}`), skeleton: kp?.skeleton };
    }
  } catch (err) {
    await closeModel(opened, env);
    throw new TsvisionError('MODEL', `${modelPath}: ${(err as Error).message} (property decoder)`);
  }
  let labels: string[] = description?.labelNames ?? [];
  if (config.labelsFile) {
    labels = readLabels(config.labelsFile);
    if (classes !== null) checkLabelCount(labels, classes, config.labelsFile, modelPath);
  } else if (description?.labelsPath) {
    labels = readLabels(description.labelsPath);
  } else if (decoder.defaultLabels) {
    labels = [...decoder.defaultLabels];
  }
  env.log('info', `model ${modelPath}: input ${opened.inputName} ${spec.width}x${spec.height}, decoder ${decoder.name}, ${classes ?? '?'} classes${pose ? `, ${pose.count} keypoints` : ''}`);
  return { model: { ...opened, decoder, pose, inputs: [] }, labels };
}

/**
 * The detection of a region's crop that belongs to the region's object (attach-to-region): the one whose box overlaps
 * the region most (IoU), the more confident of equal overlaps; none when no box overlaps it. IoU rather than the
 * highest confidence: a crop around one person often shows a neighbour too, detected as confidently.
 */
export function bestForRegion(region: Detection['box'], candidates: readonly Detection[]): Detection | undefined {
  const corners = (b: Detection['box']) => ({ x1: b.x, y1: b.y, x2: b.x + b.width, y2: b.y + b.height });
  const r = corners(region);
  let best: Detection | undefined;
  let bestIou = 0;
  for (const d of candidates) {
    const o = iou(r, corners(d.box));
    // Overlaps within 1e-6 of each other are equal (float32 model outputs round the boxes).
    const tie = Math.abs(o - bestIou) <= 1e-6;
    if (o > 0 && ((!tie && o > bestIou) || (tie && (!best || d.confidence > best.confidence)))) {
      best = d;
      bestIou = o;
    }
  }
  return best;
}

export async function createDetect(rawConfig: unknown, env: ElementEnv): Promise<ElementLogic> {
  // The decoders' best-class scan: the native addon's vectorised one (the same semantics as the TypeScript one).
  const addon = loadPixelAddon();
  useBestClassKernel((scores, rows, classes, start, rowStride, threshold) => addon.bestClass(scores, rows, classes, start, rowStride, threshold));
  // Instance masks (seg heads): the addon's kernel (elements/detect/seg.ts has its TypeScript reference).
  useMaskKernel((...args) => addon.decodeMasks(...args));
  const config = parseConfig(DETECT_SETTINGS, rawConfig);
  const hookModule = await HookModule.load<DetectHook, DetectContext>(config, DETECT_HOOKS, env);
  const hook = hookModule.hooks;
  const runner = hookModule.runner;
  const args = parseModuleArgs(config.moduleArgs);
  executionProviders(config.device); // unknown device names fail at start, even without a model
  const interval = config.inferenceInterval;
  const keep = labelSet(config.objectClass);
  const maxDetections = config.maxDetections > 0 ? config.maxDetections : Infinity;
  const attach = config.attachToRegion && config.inferenceRegion === 'roi-list';
  if (config.attachToRegion && config.inferenceRegion !== 'roi-list') {
    env.log('warning', `${env.elementName}: attach-to-region=true has no effect without inference-region=roi-list`);
  }

  if (!config.model && !hook.detect) {
    throw new TsvisionError('SETTINGS', `${env.elementName}: set the model property (an ONNX file) or a module with a detect() hook`);
  }
  let model: ModelState | null = null;
  let labels: string[] = config.labelsFile ? readLabels(config.labelsFile) : [];
  if (config.model && !hook.detect) ({ model, labels } = await openDetectModel(config, env));

  let transform: InputTransform | null = null;
  const ctx: DetectContext = Object.defineProperty(hookContext(env, args, labels), 'transform', {
    get: () => transform,
    enumerable: true,
  }) as DetectContext;
  await hookModule.setup(ctx);

  // Hooks that see results run in frame order, one frame at a time.
  const inOrder = new Sequencer();

  type Inferred = { outputs: Record<string, Tensor>; transform: InputTransform } | typeof SKIP;

  /** Runs the model on the frame (or one region of it); returns outputs and the input transform. */
  async function infer(frame: HostFrame, m: ModelState, roi?: Detection['box']): Promise<Inferred> {
    let t: InputTransform;
    let data: Float32Array;
    let dims: readonly number[] = tensorDims(m.spec);
    const custom = hook.preprocess ? await runner.run('preprocess', () => hook.preprocess!(frame, ctx)) : undefined;
    if (custom === SKIP) return SKIP;
    const input = m.inputs.pop() ?? { data: new Float32Array(3 * m.spec.width * m.spec.height) };
    try {
      if (custom) {
        data = custom.data;
        dims = custom.dims;
        t = custom.transform ?? { scaleX: 1, scaleY: 1, padX: 0, padY: 0, inputWidth: m.spec.width, inputHeight: m.spec.height };
      } else {
        const r = timedSync('preprocessMs', () => preprocessFrame(frame, m.spec, input.data, roi, input.paddingKey));
        ({ tensor: data, transform: t } = r);
        input.paddingKey = r.paddingKey;
      }
      const outputs = custom
        ? await runSession(m.session, m.inputName, data, dims)
        : ((await m.batcher.run(data)) as Record<string, Tensor>);
      return { outputs, transform: t };
    } finally {
      m.inputs.push(input);
    }
  }

  function decode(outputs: Record<string, Tensor>, m: ModelState): RawDetection[] {
    return m.decoder.decode(outputs as Record<string, TensorLike>, {
      threshold: config.threshold,
      numKeypoints: m.pose?.count,
      inputWidth: m.spec.width,
      inputHeight: m.spec.height,
    });
  }

  function finish(raw: RawDetection[], outputs: Record<string, Tensor>, t: InputTransform, frame: HostFrame, m: ModelState): Detection[] {
    // Keypoints follow their box: NMS looks at boxes only; oriented boxes overlap by probabilistic IoU. Masks are
    // made for the kept boxes only.
    const options = { classAware: !config.classAgnosticNms, maxDetections };
    const kept = m.decoder.name === 'yolov8-obb' ? nmsRotated(raw, config.iouThreshold, options) : nms(raw, config.iouThreshold, options);
    m.decoder.attachMasks?.(kept, outputs as Record<string, TensorLike>, t, frame.width, frame.height, config.maskThreshold);
    return toDetections(kept, t, frame.width, frame.height, labels, m.pose);
  }

  /** Decodes the model's outputs (built-in decoder or postprocess hook), one list per inference; called in frame order. */
  async function decodeAll(frame: HostFrame, m: ModelState, results: Inferred[]): Promise<Detection[][] | typeof SKIP> {
    const all: Detection[][] = [];
    for (const r of results) {
      if (r === SKIP) return SKIP;
      transform = r.transform;
      if (hook.postprocess) {
        const out = await runner.run('postprocess', () => hook.postprocess!(r.outputs, frame, ctx));
        if (out === SKIP) return SKIP;
        all.push(checkDetections(out, 'postprocess', env.elementName));
      } else {
        all.push(timedSync('decodeMs', () => finish(decode(r.outputs, m), r.outputs, r.transform, frame, m)));
      }
    }
    return all;
  }

  /**
   * attach-to-region: each region's object gets what the best of its region's detections carries (the one
   * overlapping the region most, see bestForRegion); regions without one are left as they are. A filter() hook
   * sees each region's detections (one call per region) before the choice.
   */
  async function attachToRegions(frame: HostFrame, perRegion: Detection[][]): Promise<ResultObject[] | typeof SKIP> {
    const out: ResultObject[] = [];
    for (let i = 0; i < perRegion.length; i++) {
      let candidates = keep.size > 0 ? perRegion[i].filter((d) => keep.has(d.label)) : perRegion[i];
      if (hook.filter) {
        const r = await runner.run('filter', () => hook.filter!(candidates, frame, ctx));
        if (r === SKIP) return SKIP;
        candidates = checkDetections(r, 'filter', env.elementName);
      }
      const region = frame.detections[i];
      const best = bestForRegion(region.box, candidates);
      if (!best || (!best.keypoints && !best.rotation)) continue;
      // An update of the region's object: only what it is given (its id and classifications stay as they are).
      const update: ResultObject = { box: region.box, label: region.label, classId: region.classId, confidence: region.confidence, trackId: null, classifications: [], sourceIndex: i };
      if (best.keypoints) {
        update.keypoints = best.keypoints;
        if (best.skeleton) update.skeleton = best.skeleton;
      }
      if (best.rotation) update.rotation = best.rotation;
      out.push(update);
    }
    return out;
  }

  function select(detections: Detection[]): Detection[] {
    const out = keep.size > 0 ? detections.filter((d) => keep.has(d.label)) : detections;
    return out.length > maxDetections ? out.slice(0, maxDetections) : out;
  }

  return {
    async process(frame: HostFrame): Promise<ProcessResult> {
      hookModule.frameBoundary();
      const ticket = inOrder.ticket();
      try {
        if (frame.index % interval !== 0) return { objects: [], inferenceSkipped: true };
        // Inference of several frames in flight overlaps; everything that sees results runs in order.
        let inferred: Inferred[] = [];
        if (!hook.detect && model && !(config.inferenceRegion === 'roi-list' && frame.detections.length === 0)) {
          const regions = config.inferenceRegion === 'roi-list' ? frame.detections.map((d) => d.box) : [undefined];
          inferred = await Promise.all(regions.map((roi) => infer(frame, model!, roi)));
        }
        return await ticket.run(async (): Promise<ProcessResult> => {
          let detections: Detection[] | typeof SKIP;
          if (hook.detect) {
            const r = await runner.run('detect', () => hook.detect!(frame, ctx));
            detections = r === SKIP ? SKIP : checkDetections(r, 'detect', env.elementName);
          } else if (model) {
            const perInference = await decodeAll(frame, model, inferred);
            if (perInference !== SKIP && attach) {
              const updates = await attachToRegions(frame, perInference);
              return updates === SKIP ? { objects: [], skipped: true } : { objects: updates };
            }
            detections = perInference === SKIP ? SKIP : perInference.flat();
          } else {
            detections = [];
          }
          if (detections === SKIP) return { objects: [], skipped: true };
          if (hook.filter) {
            const r = await runner.run('filter', () => hook.filter!(detections as Detection[], frame, ctx));
            if (r === SKIP) return { objects: [], skipped: true };
            detections = checkDetections(r, 'filter', env.elementName);
          }
          // New objects (no sourceIndex): no copy per object.
          return { objects: select(detections) };
        });
      } finally {
        ticket.release();
      }
    },
    setModule: (module: string) => hookModule.setModule(module),
    async destroy() {
      hookModule.close();
      if (hook.teardown) await runner.run('teardown', () => hook.teardown!(ctx));
      if (model) await closeModel(model, env);
    },
  };
}
