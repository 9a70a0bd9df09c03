/**
 * tsclassify's runtime side: classifies the objects already on a frame (crops) or the whole frame
 * with an ONNX model, post-processed by the built-in scorer (activation, top-k, threshold, labels) or
 * a postprocess() hook.
 *
 * All regions of a frame are preprocessed by the native addon into one buffer and run together
 * (in runs of up to batch-size when the model's batch axis is dynamic, one by one otherwise). With
 * reclassify-interval, the decision to classify a track is taken when its frame arrives (frames
 * reach process() in order, even when several are in flight) and the pending result is cached at
 * once, so a track is never classified twice within the interval.
 */
import type { Classification, ClassificationResult, ClassifyContext, ClassifyHook, ClassifySettings, Detection, SegmentationMap, Tensor } from '../../api';
import { ReclassifyCache, MAX_SEGMENTATION_CLASSES, classMap, classMapShape, classMask, l2Normalize, objectClass, scoreClasses, selectRegions, useArgmaxKernel, type Region } from '../../../elements/classify/index';
import { tensorValues } from '../../../elements/detect/index';
import type { TensorLike } from '../../../elements/detect/index';
import { loadPixelAddon, type InputTransform, type PreprocessSpec } from '../../preprocess/index';
import { SKIP, hookContext, parseModuleArgs, type ElementEnv, type ElementLogic, type HostFrame, type ProcessResult, type ResultObject } from '../element.js';
import { TsvisionError } from '../errors.js';
import { HookModule } from '../hook-module.js';
import { checkLabelCount, labelSet, readLabels } from '../labels.js';
import { closeModel, openModel, preprocessFrame, type OpenModel } from '../model-session.js';
import { executionProviders } from '../onnx.js';
import { Sequencer } from '../sequencer.js';
import { timedSync } from '../timing.js';
import { CLASSIFY_SETTINGS, parseConfig } from '../settings/index.js';

const CLASSIFY_HOOKS = ['setup', 'postprocess', 'teardown'] as const;

/**
 * Preprocessing of classifiers the manifest does not know: the torchvision / ONNX model zoo convention
 * (RGB, 0..1, ImageNet mean and std), with the region stretched to the input as DeepStream and DL Streamer
 * do for secondary classifiers.
 */
const CLASSIFY_FALLBACK_SPEC: Omit<PreprocessSpec, 'width' | 'height'> = {
  resize: 'stretch',
  padValue: 0,
  channelOrder: 'RGB',
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  layout: 'NCHW',
};

/** Tracks absent for this many frames are forgotten by the reclassify cache (their track has ended). */
const FORGET_TRACK_AFTER_FRAMES = 300;

type Outputs = Record<string, Tensor>;

/**
 * Where an object is cropped: an oriented box (Detection.rotation) upright — its rotated rectangle, the addon's
 * rotated ROI, so the model sees the object as if the box were axis-aligned (its width side horizontal) —, any other
 * object by its box (clipped to the frame).
 */
export function cropRegion(d: Detection, box: Region['box']): PreprocessSpec['roi'] {
  const r = d.rotation;
  if (!r || r.angle === 0 || !(r.width >= 1 && r.height >= 1)) return box;
  return { x: r.cx - r.width / 2, y: r.cy - r.height / 2, width: r.width, height: r.height, angle: r.angle };
}

/** The output type `configured` resolves to (auto: the manifest's task, then the output's shape, then classification). */
function resolveOutputType(configured: ClassifySettings['outputType'], model: OpenModel, classes: number): 'classification' | 'embedding' | 'segmentation' {
  if (configured !== 'auto') return configured;
  const task = model.description?.task;
  if (task === 'embedding' || task === 'segmentation') return task;
  if (task === undefined && classes > 1 && classMapShape(model.outputs[0].dims.map(Number), classes)) return 'segmentation';
  return 'classification';
}

/** A segmentation model's output must be a class map of at most 256 classes (byte class ids); no postprocess(). */
function checkSegmentation(model: OpenModel, labels: readonly string[], hook: ClassifyHook, element: string): void {
  const dims = model.outputs[0].dims;
  const fixed = dims.every((d) => Number(d) > 0);
  const shape = classMapShape(dims.map(Number), labels.length);
  if (fixed && !shape) {
    throw new TsvisionError('MODEL', `${element}: output-type=segmentation needs a class-map output [1,H,W,C] or [1,C,H,W] (C = the ${labels.length || 'number of'} labels); ${model.outputs[0].name} of ${model.path} has shape [${dims.join(', ')}] (check labels-file)`);
  }
  if (shape && shape.classes > MAX_SEGMENTATION_CLASSES) {
    throw new TsvisionError('MODEL', `${element}: ${model.path} has ${shape.classes} classes; segmentation supports at most ${MAX_SEGMENTATION_CLASSES} (class ids are bytes)`);
  }
  if (hook.postprocess) {
    throw new TsvisionError('SETTINGS', `${element}: a postprocess() hook replaces class-score decoding and cannot make class maps; drop the hook's postprocess() or set output-type to classification`);
  }
}

export async function createClassify(rawConfig: unknown, env: ElementEnv): Promise<ElementLogic> {
  const config = parseConfig(CLASSIFY_SETTINGS, rawConfig);
  const hookModule = await HookModule.load<ClassifyHook, ClassifyContext>(config, CLASSIFY_HOOKS, env);
  const hook = hookModule.hooks;
  const runner = hookModule.runner;
  const args = parseModuleArgs(config.moduleArgs);
  executionProviders(config.device);
  if (!config.model) {
    throw new TsvisionError('SETTINGS', `${env.elementName}: set the model property (an ONNX classification or embedding model)`);
  }
  const attribute = config.attributeName || env.elementName;
  const fullFrame = config.inferenceRegion === 'full-frame';
  const filter = {
    objectClass: labelSet(config.objectClass),
    minWidth: config.minWidth,
    minHeight: config.minHeight,
  };

  const model: OpenModel = await openModel(config, env, CLASSIFY_FALLBACK_SPEC);
  // A centre crop (ImageNet-style evaluation of whole photos) would cut the edges off a tight object box:
  // objects are letterboxed whole instead, unless pre-process-config chooses the resize mode.
  if (!fullFrame && model.spec.resize === 'centre-crop' && !/(^|,)\s*resize\s*=/.test(config.preProcessConfig ?? '')) {
    model.spec = { ...model.spec, resize: 'letterbox-centre' };
  }
  let labels: string[] = [];
  let outputType: 'classification' | 'embedding' | 'segmentation';
  let outputName: string;
  try {
    outputName = model.outputs[0].name;
    const size: number = model.outputs[0].dims.slice(1).reduce<number>((a, b) => a * Number(b), 1);
    if (config.labelsFile) labels = readLabels(config.labelsFile);
    else if (model.description?.labelsPath) labels = readLabels(model.description.labelsPath);
    else labels = model.description?.labelNames ?? [];
    outputType = resolveOutputType(config.outputType, model, labels.length);
    if (outputType === 'segmentation') checkSegmentation(model, labels, hook, env.elementName);
    else if (config.labelsFile && outputType === 'classification') checkLabelCount(labels, size, config.labelsFile, model.path);
    if (outputType === 'classification' && labels.length > 0 && labels.length !== size && !hook.postprocess) {
      checkLabelCount(labels, size, model.description?.labelsPath ?? 'the model manifest', model.path);
    }
    env.log('info', `model ${model.path}: input ${model.inputName} ${model.spec.width}x${model.spec.height}, output ${outputName} (${size} values, ${outputType})`);
    // Class maps: the addon's argmax (elements/classify/segmentation.ts has its TypeScript reference).
    if (outputType === 'segmentation') {
      const addon = loadPixelAddon();
      useArgmaxKernel((...a) => addon.argmaxClasses(...a));
    }
  } catch (err) {
    await closeModel(model, env, 'inputs');
    throw err;
  }
  // Segmenting an object: its crop keeps its shape (a stretched standing person is half as tall to the model and is
  // found less often: 2 of bus.jpg's 3 people instead of 3).
  if (!fullFrame && outputType === 'segmentation' && model.spec.resize === 'stretch' && !/(^|,)\s*resize\s*=/.test(config.preProcessConfig ?? '')) {
    model.spec = { ...model.spec, resize: 'letterbox-centre' };
  }

  const settings: ClassifySettings = {
    outputType,
    activation: config.activation,
    multiLabel: config.multiLabel,
    topK: config.topK,
    threshold: config.threshold,
    reclassifyInterval: config.reclassifyInterval,
  };
  const ctx: ClassifyContext = { ...hookContext(env, args, labels), attributeName: attribute, settings };
  await hookModule.setup(ctx);

  const cache = new ReclassifyCache<Promise<Classification[]>>(settings.reclassifyInterval, FORGET_TRACK_AFTER_FRAMES);
  const inOrder = new Sequencer();
  const itemSize = 3 * model.spec.width * model.spec.height;

  /** The built-in post-processing of one input's outputs. */
  function builtIn(outputs: Outputs): Classification[] {
    const values = tensorValues(outputs[outputName] as TensorLike);
    if (outputType === 'embedding') {
      return [{ attribute, label: '', classId: -1, confidence: 1, embedding: l2Normalize(values) }];
    }
    return scoreClasses(values, { ...settings, labels, attribute });
  }

  function checkResults(value: unknown): Classification[] {
    if (!Array.isArray(value)) {
      throw new TsvisionError('HOOK', `${env.elementName}: postprocess() must return an array of classifications, got ${typeof value}`);
    }
    return value.map((c: ClassificationResult | null, i) => {
      if (!c || typeof c.label !== 'string') {
        throw new TsvisionError('HOOK', `${env.elementName}: postprocess() returned an invalid classification at index ${i}: expected { label, classId?, confidence?, attribute?, embedding? }`);
      }
      if (c.embedding !== undefined && !(c.embedding instanceof Float32Array)) {
        throw new TsvisionError('HOOK', `${env.elementName}: postprocess() classification ${i}: embedding must be a Float32Array`);
      }
      return {
        attribute: c.attribute || attribute,
        label: c.label,
        classId: typeof c.classId === 'number' ? c.classId : -1,
        confidence: typeof c.confidence === 'number' ? c.confidence : 1,
        ...(c.embedding ? { embedding: c.embedding } : {}),
      };
    });
  }

  /** Post-processes each input's outputs, in frame order (hooks see frames sequentially). */
  async function postprocessAll(frame: HostFrame, objects: (Detection | null)[], outputs: Outputs[]): Promise<Classification[][] | typeof SKIP> {
    if (!hook.postprocess) return outputs.map(builtIn);
    const out: Classification[][] = [];
    for (let i = 0; i < outputs.length; i++) {
      const r = await runner.run('postprocess', () => hook.postprocess!(outputs[i], objects[i], frame, ctx));
      if (r === SKIP) return SKIP;
      out.push(checkResults(r));
    }
    return out;
  }

  /** Runs the model on the given regions of the frame (or the whole frame for `[undefined]`). */
  async function infer(frame: HostFrame, boxes: (PreprocessSpec['roi'] | undefined)[]): Promise<Outputs[]> {
    if (boxes.length === 0) return [];
    const joined = new Float32Array(itemSize * boxes.length);
    boxes.forEach((box, i) => preprocessFrame(frame, model.spec, joined.subarray(i * itemSize, (i + 1) * itemSize), box));
    // A single full-frame input may meet other streams' frames in the shared batcher (model-instance-id).
    if (boxes.length === 1 && boxes[0] === undefined) return [(await model.batcher.run(joined)) as Outputs];
    return (await model.batcher.runMany(joined, boxes.length)) as Outputs[];
  }

  async function processFullFrame(frame: HostFrame): Promise<ProcessResult> {
    const ticket = inOrder.ticket();
    try {
      const outputs = await infer(frame, [undefined]);
      return await ticket.run(async () => {
        const results = await postprocessAll(frame, [null], outputs);
        if (results === SKIP) return { objects: [], skipped: true };
        return { objects: [], frameClassifications: results[0] };
      });
    } finally {
      ticket.release();
    }
  }

  async function processRegions(frame: HostFrame): Promise<ProcessResult> {
    const ticket = inOrder.ticket();
    try {
      // Decided synchronously, in frame order: which objects run, which reuse a (possibly pending) result.
      const regions = selectRegions(frame.detections, frame.width, frame.height, filter);
      const toRun: Region[] = [];
      const reused = new Map<number, Promise<Classification[]>>();
      let settle: ((results: Classification[][] | null) => void) | null = null;
      const batchResults = new Promise<Classification[][] | null>((resolve) => (settle = resolve));
      for (const region of regions) {
        const trackId = frame.detections[region.index].trackId;
        const cached = typeof trackId === 'number' ? cache.lookup(trackId, frame.index) : undefined;
        if (cached) {
          reused.set(region.index, cached);
          continue;
        }
        const slot = toRun.length;
        toRun.push(region);
        if (typeof trackId === 'number') {
          const pending = batchResults.then((r) => {
            if (!r) throw new Error('classification failed');
            return r[slot];
          });
          pending.catch(() => undefined);
          cache.store(trackId, frame.index, pending);
        }
      }
      // Boxes tstrack predicted (no detection on this frame) keep their track's last result.
      frame.detections.forEach((d, index) => {
        if (!d.predicted || typeof d.trackId !== 'number') return;
        const last = cache.peek(d.trackId, frame.index);
        if (last) reused.set(index, last);
      });
      cache.sweep(frame.index);

      const forgetRun = () => {
        for (const r of toRun) {
          const trackId = frame.detections[r.index].trackId;
          if (typeof trackId === 'number') cache.forget(trackId);
        }
      };
      let results: Classification[][] | typeof SKIP;
      try {
        const outputs = await infer(
          frame,
          toRun.map((r) => cropRegion(frame.detections[r.index], r.box)),
        );
        results = await ticket.run(() =>
          postprocessAll(
            frame,
            toRun.map((r) => frame.detections[r.index]),
            outputs,
          ),
        );
      } catch (err) {
        settle!(null);
        forgetRun();
        throw err;
      }
      settle!(results === SKIP ? null : results);
      if (results === SKIP) {
        forgetRun();
        return { objects: [], skipped: true };
      }

      const objects: ResultObject[] = [];
      const add = (index: number, classifications: Classification[]) => {
        const d = frame.detections[index];
        objects.push({ box: d.box, label: d.label, classId: d.classId, confidence: d.confidence, trackId: null, classifications, sourceIndex: index });
      };
      toRun.forEach((r, i) => add(r.index, results[i]));
      for (const [index, pending] of reused) {
        const classifications = await pending.catch(() => null);
        if (classifications) add(index, classifications);
      }
      objects.sort((a, b) => a.sourceIndex - b.sourceIndex);
      return { objects };
    } finally {
      ticket.release();
    }
  }

  /** The class map of one input's outputs (the output's own shape: dynamic sizes are known by now). */
  function segment(outputs: Outputs, transform: InputTransform): SegmentationMap {
    const tensor = outputs[outputName];
    const shape = classMapShape(tensor.dims.map(Number), labels.length);
    if (!shape) {
      throw new TsvisionError('MODEL', `${env.elementName}: output ${outputName} of ${model.path} has shape [${tensor.dims.join(', ')}], not a class map [1,H,W,${labels.length || 'C'}] or [1,${labels.length || 'C'},H,W]`);
    }
    const values = tensorValues(tensor as TensorLike);
    return classMap(values instanceof Float32Array ? values : Float32Array.from(values), shape, transform, labels);
  }

  /** Runs the model on the regions like infer(), keeping each input's transform (frame → input pixels). */
  async function inferWithTransforms(frame: HostFrame, boxes: (PreprocessSpec['roi'] | undefined)[]): Promise<[Outputs[], InputTransform[]]> {
    if (boxes.length === 0) return [[], []];
    const joined = new Float32Array(itemSize * boxes.length);
    const transforms = boxes.map((box, i) => preprocessFrame(frame, model.spec, joined.subarray(i * itemSize, (i + 1) * itemSize), box).transform);
    if (boxes.length === 1 && boxes[0] === undefined) return [[(await model.batcher.run(joined)) as Outputs], transforms];
    return [(await model.batcher.runMany(joined, boxes.length)) as Outputs[], transforms];
  }

  /** Full frame: the frame's class map (kept at the model's resolution with its transform). */
  async function segmentFullFrame(frame: HostFrame): Promise<ProcessResult> {
    const [[outputs], [transform]] = await inferWithTransforms(frame, [undefined]);
    return { objects: [], segmentation: timedSync('decodeMs', () => segment(outputs, transform)) };
  }

  /**
   * Per object: each object's crop segmented, its mask the pixels of its class in its box (objectClass: the class
   * named like its label, else the box's dominant non-background class); objects whose box holds none of it get no
   * mask. Oriented objects are cropped by their enclosing box (the mask is in frame pixels over that box).
   */
  async function segmentRegions(frame: HostFrame): Promise<ProcessResult> {
    const regions = selectRegions(frame.detections, frame.width, frame.height, filter);
    const [outputs, transforms] = await inferWithTransforms(frame, regions.map((r) => r.box));
    const objects: ResultObject[] = [];
    timedSync('decodeMs', () =>
      regions.forEach((r, i) => {
        const d = frame.detections[r.index];
        const map = segment(outputs[i], transforms[i]);
        const id = objectClass(d.label, map, r.box, frame.width, frame.height);
        if (id < 0) return;
        const mask = classMask(map, id, r.box, frame.width, frame.height);
        if (mask.width > 0 && mask.height > 0 && mask.data.some((v) => v !== 0)) {
          objects.push({ box: d.box, label: d.label, classId: d.classId, confidence: d.confidence, trackId: null, classifications: [], mask, sourceIndex: r.index });
        }
      }),
    );
    return { objects };
  }

  return {
    process(frame: HostFrame): Promise<ProcessResult> {
      hookModule.frameBoundary();
      if (outputType === 'segmentation') return fullFrame ? segmentFullFrame(frame) : segmentRegions(frame);
      return fullFrame ? processFullFrame(frame) : processRegions(frame);
    },
    setModule: (module: string) => hookModule.setModule(module),
    async destroy() {
      hookModule.close();
      if (hook.teardown) await runner.run('teardown', () => hook.teardown!(ctx));
      cache.clear();
      await closeModel(model, env, 'inputs');
    },
  };
}
