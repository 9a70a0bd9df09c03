/**
 * tsdetect's runtime side: a model (onnxruntime + native preprocessing + built-in decoder + NMS)
 * and/or a user hook (detect / postprocess / filter).
 */
import path from 'node:path';
import type { DetectContext, DetectHook, Detection, InputTransform, Tensor } from '../../api';
import { nms, selectDecoder, toDetections } from '../../../elements/detect/index';
import type { Decoder, OutputInfo, TensorLike } from '../../../elements/detect/index';
import { preprocess } from '../../preprocess/index';
import type { FrameLayout, PixelFormat, PreprocessSpec } from '../../preprocess/index';
import {
  HookRunner,
  SKIP,
  checkDetections,
  parseModuleArgs,
  type BaseConfig,
  type ElementEnv,
  type ElementLogic,
  type HostFrame,
  type ProcessResult,
} from '../element.js';
import { TsvisionError } from '../errors.js';
import { loadHookModule, validateHooks } from '../hook-loader.js';
import { checkLabelCount, readLabels } from '../labels.js';
import { describeModel } from '../models.js';
import { acquireSession, inputShape, ort, releaseSession, type InferenceSession } from '../onnx.js';

export interface DetectConfig extends BaseConfig {
  model: string | null;
  labelsFile: string | null;
  threshold: number;
  iouThreshold: number;
}

const DETECT_HOOKS = ['setup', 'detect', 'postprocess', 'filter', 'teardown'] as const;

interface ModelState {
  session: InferenceSession;
  inputName: string;
  spec: PreprocessSpec;
  decoder: Decoder | null;
  input: Float32Array;
}

/** Class count the outputs of `decoder` carry, or null when the shapes do not say. */
export function classCount(decoder: Decoder, outputs: readonly OutputInfo[]): number | null {
  const last = (o: OutputInfo) => Number(o.dims[o.dims.length - 1]);
  switch (decoder.name) {
    case 'yolox':
    case 'yolov5':
      return last(outputs[0]) - 5;
    case 'yolov8':
      return Number(outputs[0].dims[1]) - 4;
    case 'gfl': {
      const cls = outputs.find((o) => o.name.startsWith('cls_pred'));
      return cls ? last(cls) : null;
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

function frameLayout(frame: HostFrame): FrameLayout {
  return {
    format: frame.format as PixelFormat,
    width: frame.width,
    height: frame.height,
    data: frame.data as unknown as Uint8Array,
    offsets: frame.planes.map((p) => p.offset),
    strides: frame.planes.map((p) => p.stride),
  };
}

async function openModel(config: DetectConfig, env: ElementEnv): Promise<{ model: ModelState; labels: string[] }> {
  const modelPath = path.resolve(config.model as string);
  const session = await acquireSession(modelPath);
  const description = describeModel(modelPath);
  const { name: inputName, dims } = inputShape(session);
  const height = Number(dims[2]) > 0 ? Number(dims[2]) : description?.preprocess.height;
  const width = Number(dims[3]) > 0 ? Number(dims[3]) : description?.preprocess.width;
  if (!width || !height) {
    throw new TsvisionError('MODEL', `cannot tell the input size of ${modelPath} (input ${inputName} has shape [${dims.join(', ')}])`);
  }
  const spec: PreprocessSpec = {
    ...(description?.preprocess ?? {
      resize: 'letterbox',
      padValue: 114,
      channelOrder: 'BGR',
      scale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      layout: 'NCHW',
    }),
    width,
    height,
  };
  // A warm-up run on a blank input: catches broken models at start, and gives the output shapes.
  const input = new Float32Array(3 * width * height);
  let outputs: Record<string, TensorLike>;
  try {
    outputs = (await session.run({ [inputName]: new (ort().Tensor)('float32', input, [1, 3, height, width]) })) as Record<
      string,
      TensorLike
    >;
  } catch (err) {
    throw new TsvisionError('MODEL', `model ${modelPath} failed on a ${width}x${height} input: ${(err as Error).message}`);
  }
  const infos: OutputInfo[] = session.outputNames.map((name) => ({ name, dims: outputs[name].dims }));
  let decoder: Decoder | null = null;
  try {
    decoder = selectDecoder(infos, description?.decoder, { width, height });
  } catch (err) {
    throw new TsvisionError('MODEL', `${(err as Error).message} (model ${modelPath}); write a postprocess() hook to decode it`);
  }
  const classes = classCount(decoder, infos);
  let labels: string[] = description?.labelNames ?? [];
  if (config.labelsFile) {
    labels = readLabels(config.labelsFile);
    if (classes !== null) checkLabelCount(labels, classes, config.labelsFile, modelPath);
  } else if (description?.labelsPath) {
    labels = readLabels(description.labelsPath);
  } else if (decoder.defaultLabels) {
    labels = [...decoder.defaultLabels];
  }
  env.log('info', `model ${modelPath}: input ${inputName} ${width}x${height}, decoder ${decoder.name}, ${classes ?? '?'} classes`);
  return { model: { session, inputName, spec, decoder, input }, labels };
}

export async function createDetect(config: DetectConfig, env: ElementEnv): Promise<ElementLogic> {
  const hookModule = config.module ? loadHookModule(config.module) : null;
  if (hookModule) validateHooks(hookModule, DETECT_HOOKS);
  const hook = (hookModule?.exports ?? {}) as DetectHook;
  const runner = new HookRunner(env, hookModule?.path ?? '', config.hookErrors);
  const args = parseModuleArgs(config.moduleArgs);

  if (!config.model && !hook.detect) {
    throw new TsvisionError(
      'SETTINGS',
      `${env.elementName}: set the model property (an ONNX file) or a module with a detect() hook`,
    );
  }
  let model: ModelState | null = null;
  let labels: string[] = config.labelsFile ? readLabels(config.labelsFile) : [];
  if (config.model && !hook.detect) ({ model, labels } = await openModel(config, env));

  let transform: InputTransform | null = null;
  const ctx: DetectContext = {
    elementName: env.elementName,
    args,
    state: {},
    labels,
    get transform() {
      return transform;
    },
    postMessage: (name, fields) => env.postMessage(name, fields),
    log: (level, message) => env.log(level, message),
  };
  if (hook.setup) {
    const r = await runner.run('setup', () => hook.setup!(ctx));
    if (r === SKIP) throw new TsvisionError('HOOK', `${env.elementName}: setup() failed`);
  }

  async function runModel(frame: HostFrame, m: ModelState): Promise<Detection[] | typeof SKIP> {
    const { tensor, transform: t } = preprocess(frameLayout(frame), m.spec, m.input);
    transform = t;
    const dims = m.spec.layout === 'NCHW' ? [1, 3, m.spec.height, m.spec.width] : [1, m.spec.height, m.spec.width, 3];
    const outputs = (await m.session.run({ [m.inputName]: new (ort().Tensor)('float32', tensor, dims) })) as Record<
      string,
      Tensor
    >;
    if (hook.postprocess) {
      const r = await runner.run('postprocess', () => hook.postprocess!(outputs, frame, ctx));
      return r === SKIP ? SKIP : checkDetections(r, 'postprocess', env.elementName);
    }
    const decoder = m.decoder as Decoder;
    const raw = decoder.decode(outputs as Record<string, TensorLike>, {
      threshold: config.threshold,
      inputWidth: m.spec.width,
      inputHeight: m.spec.height,
    });
    return toDetections(nms(raw, config.iouThreshold), t, frame.width, frame.height, labels);
  }

  return {
    async process(frame: HostFrame): Promise<ProcessResult> {
      let detections: Detection[] | typeof SKIP;
      if (hook.detect) {
        const r = await runner.run('detect', () => hook.detect!(frame, ctx));
        detections = r === SKIP ? SKIP : checkDetections(r, 'detect', env.elementName);
      } else if (model) {
        detections = await runModel(frame, model);
      } else {
        detections = [];
      }
      if (detections === SKIP) return { objects: [], skipped: true };
      if (hook.filter) {
        const r = await runner.run('filter', () => hook.filter!(detections as Detection[], frame, ctx));
        if (r === SKIP) return { objects: [], skipped: true };
        detections = checkDetections(r, 'filter', env.elementName);
      }
      return { objects: detections.map((d) => ({ ...d, sourceIndex: -1 })) };
    },
    async destroy() {
      if (hook.teardown) await runner.run('teardown', () => hook.teardown!(ctx));
      if (model) await releaseSession(model.session);
    },
  };
}
