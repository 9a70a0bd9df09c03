/**
 * What every model-running element (tsdetect, tsclassify) does with its model: open (or share) the
 * onnxruntime session, work out the input size and preprocessing (model manifest, then the
 * element's `pre-process-config`), check the model with a warm-up run (which also gives the output
 * shapes), and set up the Batcher that elements sharing `model-instance-id` run their frames through.
 */
import path from 'node:path';
import type { Tensor } from '../api';
import type { OutputInfo, TensorLike } from '../../elements/detect/index';
import { preprocess } from '../preprocess/index';
import type { FrameLayout, PixelFormat, PreprocessResult, PreprocessSpec } from '../preprocess/index';
import { Batcher } from './batcher.js';
import type { ElementEnv, HostFrame } from './element.js';
import { TsvisionError } from './errors.js';
import { describeModel, type ModelDescription } from './models.js';
import { acquireSession, inputShape, ort, releaseSession, type InferenceSession } from './onnx.js';
import { parsePreProcessConfig } from './preprocess-config.js';
import { timed } from './timing.js';
import type { ModelConfig } from './settings/index.js';

/** The model settings of model-running elements (settings/model.ts). */
export type { ModelConfig } from './settings/index.js';

export interface OpenModel {
  path: string;
  session: InferenceSession;
  inputName: string;
  /** Preprocessing of one input (model size, resize mode, normalisation). */
  spec: PreprocessSpec;
  /** The model manifest's entry, when the model is a known one. */
  description: ModelDescription | null;
  /** Names and shapes of the outputs for one input (from the warm-up run). */
  outputs: OutputInfo[];
  /** Whether the input's batch axis is dynamic (several inputs per run). */
  batchable: boolean;
  /** Shared by the elements with the same model-instance-id (and model). */
  batcher: Batcher;
  batcherKey: string | null;
}

/** Batchers of shared sessions (model-instance-id): frames of all sharing elements meet here. */
const sharedBatchers = new Map<string, { batcher: Batcher; users: number }>();

/** Shape of one input tensor (batch 1) for `spec`. */
export function tensorDims(spec: PreprocessSpec, batch = 1): number[] {
  return spec.layout === 'NCHW' ? [batch, 3, spec.height, spec.width] : [batch, spec.height, spec.width, 3];
}

/** The frame's pixel memory as the native preprocessing reads it. */
export function frameLayout(frame: HostFrame): FrameLayout {
  return {
    format: frame.format as PixelFormat,
    width: frame.width,
    height: frame.height,
    data: frame.data as unknown as Uint8Array,
    offsets: frame.planes.map((p) => p.offset),
    strides: frame.planes.map((p) => p.stride),
  };
}

/**
 * Preprocesses the frame (or the region `roi` of it) into `out` with the native addon. The frame's YUV
 * colorimetry (from the caps) decides the matrix and range, as in videoconvert. `paddingKey`: see preprocess().
 */
export function preprocessFrame(frame: HostFrame, spec: PreprocessSpec, out: Float32Array, roi?: PreprocessSpec['roi'], paddingKey?: string): PreprocessResult {
  const c = frame.colorimetry;
  const color: Partial<PreprocessSpec> = c ? { colorMatrix: c.matrix, colorRange: c.range } : {};
  return preprocess(frameLayout(frame), { ...spec, ...color, ...(roi ? { roi } : {}) }, out, paddingKey);
}

/** Runs `session` on one float32 input. */
export function runSession(session: InferenceSession, inputName: string, data: Float32Array, dims: readonly number[]): Promise<Record<string, Tensor>> {
  return timed('modelMs', () => session.run({ [inputName]: new (ort().Tensor)('float32', data, dims as number[]) }) as Promise<Record<string, Tensor>>);
}

/**
 * Opens `config.model`. `fallback` is the preprocessing of models the manifest does not know (the
 * element kind's usual convention), before `pre-process-config` overrides.
 */
export async function openModel(config: ModelConfig, env: ElementEnv, fallback: Omit<PreprocessSpec, 'width' | 'height'>): Promise<OpenModel> {
  const modelPath = path.resolve(config.model as string);
  const session = await acquireSession(modelPath, {
    device: config.device,
    deviceFallback: config.deviceFallback,
    threads: config.threads,
    instanceId: config.modelInstanceId ?? undefined,
    warn: (m) => env.log('warning', `${env.elementName}: ${m}`),
  });
  const description = describeModel(modelPath);
  const { name: inputName, dims } = inputShape(session);
  // The layout tells which input axes are the size: pre-process-config's, else the manifest's or the fallback's.
  const nhwc = parsePreProcessConfig(config.preProcessConfig ?? '', { ...(description?.preprocess ?? fallback), width: 1, height: 1 }).layout === 'NHWC';
  const height = Number(dims[nhwc ? 1 : 2]) > 0 ? Number(dims[nhwc ? 1 : 2]) : description?.preprocess.height;
  const width = Number(dims[nhwc ? 2 : 3]) > 0 ? Number(dims[nhwc ? 2 : 3]) : description?.preprocess.width;
  if (!width || !height) {
    throw new TsvisionError('MODEL', `cannot tell the input size of ${modelPath} (input ${inputName} has shape [${dims.join(', ')}])`);
  }
  const base: PreprocessSpec = description?.preprocess ?? { ...fallback, width, height };
  const spec: PreprocessSpec = { ...parsePreProcessConfig(config.preProcessConfig ?? '', base), width, height };
  // A warm-up run on a blank input: catches broken models at start, and gives the output shapes.
  let outputs: Record<string, TensorLike>;
  try {
    outputs = (await runSession(session, inputName, new Float32Array(3 * width * height), tensorDims(spec))) as Record<string, TensorLike>;
  } catch (err) {
    await releaseSession(session);
    throw new TsvisionError('MODEL', `model ${modelPath} failed on a ${width}x${height} input: ${(err as Error).message.split('\n')[0]}`);
  }
  const infos: OutputInfo[] = session.outputNames.map((name) => ({ name, dims: outputs[name].dims }));
  const batchSize = config.batchSize;
  let batchable = !(typeof dims[0] === 'number' && dims[0] > 0);
  if (batchable && batchSize > 1) {
    // A graph can declare a dynamic batch axis and still fold the batch into another axis (a Reshape with a
    // hard-coded 1): check with two inputs that every output carries the batch, else run inputs one by one.
    const problem = await checkBatchAxis(session, inputName, spec, infos);
    if (problem) {
      env.log('warning', `${env.elementName}: ${path.basename(modelPath)} declares a dynamic batch axis but ${problem}; inputs run one by one (batch-size ignored)`);
      batchable = false;
    }
  }
  if (batchSize > 1 && !batchable) {
    env.log('info', `${env.elementName}: ${path.basename(modelPath)} has a fixed batch of ${dims[0]}; inputs run one by one (batch-size ignored)`);
  }
  const batcherKey = config.modelInstanceId ? `${config.modelInstanceId}\0${modelPath}` : null;
  let entry = batcherKey ? sharedBatchers.get(batcherKey) : undefined;
  if (!entry) {
    const run = (data: Float32Array, d: readonly number[]) => runSession(session, inputName, data, d);
    entry = { batcher: new Batcher(run, tensorDims(spec), batchable, batchSize, config.batchTimeout), users: 0 };
    if (batcherKey) sharedBatchers.set(batcherKey, entry);
  }
  entry.users++;
  return { path: modelPath, session, inputName, spec, description, outputs: infos, batchable, batcher: entry.batcher, batcherKey };
}

/** Why a batch of 2 does not give two batch-1 outputs per output, or null when it does. */
async function checkBatchAxis(session: InferenceSession, inputName: string, spec: PreprocessSpec, single: readonly OutputInfo[]): Promise<string | null> {
  let outputs: Record<string, TensorLike>;
  try {
    outputs = (await runSession(session, inputName, new Float32Array(2 * 3 * spec.width * spec.height), tensorDims(spec, 2))) as Record<string, TensorLike>;
  } catch (err) {
    return `it fails on a batch of 2 (${(err as Error).message.split('\n')[0]})`;
  }
  for (const one of single) {
    const two = outputs[one.name].dims.map(Number);
    const want = [2, ...one.dims.slice(1).map(Number)];
    if (Number(one.dims[0]) !== 1 || two.join(',') !== want.join(',')) {
      return `output ${one.name} has shape [${two.join(', ')}] for a batch of 2 (expected [${want.join(', ')}])`;
    }
  }
  return null;
}

/** Logs what batching achieved and releases the session (and the shared batcher with its last user). */
export async function closeModel(model: OpenModel, env: ElementEnv, unit = 'frames'): Promise<void> {
  const b = model.batcher;
  env.log('info', `${env.elementName}: inference ran ${b.frames} ${unit} in ${b.batches} runs (batch-size ${b.batchSize}, ${b.batchable ? 'dynamic' : 'fixed'} batch axis)`);
  const entry = model.batcherKey ? sharedBatchers.get(model.batcherKey) : undefined;
  if (entry && --entry.users === 0) sharedBatchers.delete(model.batcherKey!);
  await releaseSession(model.session);
}
