/**
 * Entry point of the embedded runtime (bundled to runtime/tsvision-runtime.cjs and loaded by
 * libtsvisionhost.so). C++ calls dispatch(op, token, instanceId, payload) on this thread; every
 * call is answered exactly once with binding.complete(token, error, result).
 */
import { encodeError } from './errors.js';
import type { ElementEnv, ElementFactory, ElementLogic, HostFrame } from './element.js';
import { createDetect } from './elements/detect.js';
import { createTrack } from './elements/track.js';
import { createClassify } from './elements/classify.js';

interface HostBinding {
  start(dispatch: (op: string, token: number, instanceId: number, payload: unknown) => void): void;
  startFailed(message: string): void;
  complete(token: number, error: string | null, result: unknown): void;
  postMessage(instanceId: number, name: string, fields: Record<string, string | number | boolean>): void;
  log(instanceId: number, level: number, message: string): void;
}

const LOG_LEVELS = { error: 1, warning: 2, info: 4, debug: 5 } as const;

const binding = (process as unknown as { _linkedBinding(name: string): HostBinding })._linkedBinding('tsvision_host');

const factories: Record<string, ElementFactory> = {
  detect: createDetect,
  track: createTrack,
  classify: createClassify,
};

const instances = new Map<number, ElementLogic>();

function answer(token: number, work: () => unknown): void {
  let value: unknown;
  try {
    value = work();
  } catch (err) {
    binding.complete(token, encodeError(err), null);
    return;
  }
  if (value instanceof Promise) {
    value.then(
      (v) => binding.complete(token, null, v ?? null),
      (err) => binding.complete(token, encodeError(err), null),
    );
  } else {
    binding.complete(token, null, value ?? null);
  }
}

function envFor(instanceId: number, elementName: string): ElementEnv {
  return {
    elementName,
    postMessage: (name, fields) => binding.postMessage(instanceId, name, fields),
    log: (level, message) => binding.log(instanceId, LOG_LEVELS[level], message),
  };
}

interface CreatePayload {
  kind: string;
  elementName: string;
  config: string;
}

function dispatch(op: string, token: number, instanceId: number, payload: unknown): void {
  switch (op) {
    case 'process':
      answer(token, () => {
        const instance = instances.get(instanceId);
        if (!instance) throw new Error(`no runtime instance ${instanceId}`);
        return instance.process(payload as HostFrame);
      });
      return;
    case 'create':
      answer(token, async () => {
        const { kind, elementName, config } = payload as CreatePayload;
        const factory = factories[kind];
        if (!factory) throw new Error(`unknown element kind ${kind}`);
        instances.set(instanceId, await factory(JSON.parse(config), envFor(instanceId, elementName)));
      });
      return;
    case 'destroy':
      answer(token, async () => {
        const instance = instances.get(instanceId);
        instances.delete(instanceId);
        await instance?.destroy();
      });
      return;
    case 'shutdown':
      answer(token, async () => {
        const all = [...instances.values()];
        instances.clear();
        await Promise.allSettled(all.map((i) => i.destroy()));
      });
      return;
    default:
      binding.complete(token, encodeError(new Error(`unknown operation ${op}`)), null);
  }
}

// Stack traces of compiled hooks point at the user's .ts files.
process.setSourceMapsEnabled(true);
// A stray async error in a hook must not take the user's pipeline down with it.
process.on('uncaughtException', (err) => binding.log(0, LOG_LEVELS.warning, `uncaught exception in tsvision runtime: ${err.stack ?? err}`));
process.on('unhandledRejection', (err) =>
  binding.log(0, LOG_LEVELS.warning, `unhandled promise rejection in tsvision runtime: ${(err as Error)?.stack ?? err}`),
);

binding.start(dispatch);
