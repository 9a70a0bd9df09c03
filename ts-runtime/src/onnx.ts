/**
 * ONNX sessions through onnxruntime-node. Sessions are keyed by model path and `model-instance-id`
 * so elements that name the same id share one session (and one copy of the weights).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TsvisionError } from './errors.js';

type Ort = typeof import('onnxruntime-node');
export type InferenceSession = import('onnxruntime-node').InferenceSession;
export type OrtTensor = import('onnxruntime-node').Tensor;

let ortModule: Ort | null = null;
/** onnxruntime-node, loaded on first use (it is a Node-API addon: libnode must be global). */
export function ort(): Ort {
  if (!ortModule) ortModule = createRequire(__filename)('onnxruntime-node') as Ort;
  return ortModule;
}

export interface SessionOptions {
  /** Threads for one inference (0: onnxruntime's default, one per physical core). */
  threads?: number;
  /** Elements with the same non-empty id share the session. */
  instanceId?: string;
  /** cpu (default), cuda, cuda:N or tensorrt. */
  device?: string;
  /** When the device's provider is missing: warn and use the CPU (true) or fail (false). */
  deviceFallback?: boolean;
  /** Receives the fallback warning. */
  warn?: (message: string) => void;
}

interface SharedSession {
  session: Promise<InferenceSession>;
  users: number;
}

const shared = new Map<string, SharedSession>();

type ExecutionProvider = string | { name: string; deviceId?: number };

/** Parses the `device` property into onnxruntime execution providers (CPU always last). */
export function executionProviders(device = 'cpu'): { providers: ExecutionProvider[]; name: string } {
  const d = device.trim().toLowerCase();
  if (d === '' || d === 'cpu') return { providers: ['cpu'], name: 'cpu' };
  const cuda = /^cuda(?::(\d+))?$/.exec(d);
  if (cuda) return { providers: [{ name: 'cuda', deviceId: Number(cuda[1] ?? 0) }], name: `CUDA (device ${cuda[1] ?? 0})` };
  const trt = /^tensorrt(?::(\d+))?$/.exec(d);
  if (trt) return { providers: [{ name: 'tensorrt', deviceId: Number(trt[1] ?? 0) }], name: `TensorRT (device ${trt[1] ?? 0})` };
  throw new TsvisionError('SETTINGS', `unknown device "${device}" (property device): use cpu, cuda, cuda:N or tensorrt`);
}

async function createSession(modelPath: string, options: SessionOptions): Promise<InferenceSession> {
  const bytes = readFileSync(modelPath);
  const { providers, name } = executionProviders(options.device);
  const base = {
    graphOptimizationLevel: 'all' as const,
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    // onnxruntime's own warnings (e.g. "initializer appears in graph inputs") are noise to users.
    logSeverityLevel: 3 as const,
  };
  const open = (eps: ExecutionProvider[]) =>
    ort().InferenceSession.create(bytes, { ...base, executionProviders: eps as import('onnxruntime-node').InferenceSession.ExecutionProviderConfig[] });
  if (name !== 'cpu') {
    try {
      return await open(providers);
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      const message = `${name} execution provider is not available (${reason})`;
      if (options.deviceFallback === false) {
        throw new TsvisionError(
          'SETTINGS',
          `${message} (property device); install onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 on a machine with CUDA 12, use device=cpu, or set device-fallback=true`,
        );
      }
      options.warn?.(`${message}: running ${path.basename(modelPath)} on the CPU instead (device-fallback=true)`);
    }
  }
  try {
    return await open(['cpu']);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    throw new TsvisionError(
      'MODEL',
      `cannot load ONNX model ${modelPath} (property model): ${e.message.split('\n')[0]}. Is it a valid .onnx file?`,
      e.stack ?? '',
    );
  }
}

/** Opens (or shares) a session for `modelPath`. Release it with releaseSession(). */
export async function acquireSession(modelPath: string, options: SessionOptions = {}): Promise<InferenceSession> {
  const abs = path.resolve(modelPath);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new TsvisionError('NOT_FOUND', `model file not found: ${abs} (property model)`);
  }
  const key = options.instanceId ? `${options.instanceId}\0${abs}` : null;
  if (key) {
    const entry = shared.get(key);
    if (entry) {
      entry.users++;
      return entry.session;
    }
  }
  const session = createSession(abs, options);
  if (key) {
    shared.set(key, { session, users: 1 });
    session.catch(() => shared.delete(key));
  }
  return session;
}

export async function releaseSession(session: InferenceSession, options: SessionOptions = {}): Promise<void> {
  for (const [key, entry] of shared) {
    if ((await entry.session.catch(() => null)) === session) {
      if (--entry.users > 0) return;
      shared.delete(key);
      break;
    }
  }
  await session.release();
  void options;
}

/** Names and shapes of the model's inputs (from the session's metadata). */
export function inputShape(session: InferenceSession): { name: string; dims: (number | string)[] } {
  const name = session.inputNames[0];
  const meta = (session as unknown as { inputMetadata?: { name: string; isTensor: boolean; shape?: (number | string)[] }[] })
    .inputMetadata;
  const entry = meta?.find((m) => m.name === name);
  return { name, dims: entry?.shape ?? [] };
}
