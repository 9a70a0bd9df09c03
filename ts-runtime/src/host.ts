/**
 * Entry point of a runtime (bundled to runtime/tsvision-runtime.cjs; libtsvisionhost.so loads it
 * into each Node environment it starts — one per element instance, or per model-instance-id).
 * C++ calls dispatch(op, token, instanceId, payload) on this environment's thread; every call is
 * answered exactly once with binding.complete(token, error, result).
 */
import { format } from 'node:util';
import { encodeError } from './errors.js';
import type { ElementEnv, ElementFactory, ElementLogic, MessageFieldList } from './element.js';
import { createDetect } from './elements/detect.js';
import { createTrack } from './elements/track.js';
import { createAnalytics } from './elements/analytics.js';
import { createClassify } from './elements/classify.js';
import { takeSpent } from './timing.js';
import { HOOK_NAMES } from './element.js';
import { decodeFrame, encodeResult, type WireFrame } from './wire.js';

interface HostBinding {
  start(dispatch: (op: string, token: number, instanceId: number, payload: unknown) => void): void;
  startFailed(message: string): void;
  complete(token: number, error: string | null, result: unknown): void;
  postMessage(instanceId: number, name: string, fields: Record<string, string | number | boolean> | MessageFieldList): void;
  log(instanceId: number, level: number, message: string): void;
  console(instanceId: number, level: number, text: string): void;
  /** Slot (instance's hookSlot) → code of the hook running now (HOOK_NAMES index), read by the watchdog. */
  hookSlots: Int32Array;
}

const LOG_LEVELS = { error: 1, warning: 2, info: 4, debug: 5 } as const;

const binding = (process as unknown as { _linkedBinding(name: string): HostBinding })._linkedBinding('tsvision_host');

const factories: Record<string, ElementFactory> = {
  detect: createDetect,
  track: createTrack,
  classify: createClassify,
  analytics: createAnalytics,
};

const instances = new Map<number, ElementLogic>();
/** The instance whose call runs (or last ran): console output of hooks is credited to it. */
let currentInstance = 0;

/** Answers a call with `encode(value)`; a failure to encode answers it with that error. */
function complete(token: number, value: unknown, encode: (v: unknown) => unknown): void {
  let encoded: unknown;
  try {
    encoded = encode(value);
  } catch (err) {
    binding.complete(token, encodeError(err), null);
    return;
  }
  binding.complete(token, null, encoded ?? null);
}

function answer(token: number, work: () => unknown, encode: (v: unknown) => unknown = (v) => v): void {
  let value: unknown;
  try {
    value = work();
  } catch (err) {
    binding.complete(token, encodeError(err), null);
    return;
  }
  if (value instanceof Promise) {
    value.then(
      (v) => complete(token, v, encode),
      (err) => binding.complete(token, encodeError(err), null),
    );
  } else {
    complete(token, value, encode);
  }
}

/** The result with the figures of the frame just finished (then reset for the next). */
function encodeWithTiming(value: unknown, frameNums: Float64Array): unknown {
  return encodeResult(value as Parameters<typeof encodeResult>[0], frameNums, takeSpent());
}

function envFor(instanceId: number, elementName: string, hookSlot: number): ElementEnv {
  // Hooks running now (several with frames in flight): the watchdog's slot shows the oldest.
  const running: number[] = [];
  const show = () => {
    binding.hookSlots[hookSlot] = running.length > 0 ? running[0] : 0;
  };
  return {
    elementName,
    postMessage: (name, fields) => binding.postMessage(instanceId, name, fields),
    log: (level, message) => binding.log(instanceId, LOG_LEVELS[level], message),
    hookStarted(name) {
      running.push(Math.max(0, (HOOK_NAMES as readonly string[]).indexOf(name)));
      show();
    },
    hookFinished(name) {
      const i = running.indexOf(Math.max(0, (HOOK_NAMES as readonly string[]).indexOf(name)));
      if (i >= 0) running.splice(i, 1);
      show();
    },
  };
}

interface CreatePayload {
  kind: string;
  elementName: string;
  config: string;
  hookSlot: number;
}

function dispatch(op: string, token: number, instanceId: number, payload: unknown): void {
  currentInstance = instanceId;
  switch (op) {
    case 'process': {
      const wire = payload as WireFrame;
      answer(
        token,
        () => {
          const instance = instances.get(instanceId);
          if (!instance) throw new Error(`no runtime instance ${instanceId}`);
          return instance.process(decodeFrame(wire));
        },
        (v) => encodeWithTiming(v, wire[10][0]),
      );
      return;
    }
    case 'create':
      answer(token, async () => {
        const { kind, elementName, config, hookSlot } = payload as CreatePayload;
        const factory = factories[kind];
        if (!factory) throw new Error(`unknown element kind ${kind}`);
        instances.set(instanceId, await factory(JSON.parse(config), envFor(instanceId, elementName, hookSlot)));
        takeSpent(); // setup() and the warm-up run are not a frame's figures
      });
      return;
    case 'setModule':
      answer(token, async () => {
        const instance = instances.get(instanceId);
        if (!instance?.setModule) throw new Error('this element cannot change its module while running');
        await instance.setModule(payload as string);
      });
      return;
    case 'configure':
      answer(token, () => {
        const instance = instances.get(instanceId);
        if (!instance?.configure) throw new Error('this element has no settings that change while running');
        instance.configure(JSON.parse(payload as string));
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

/**
 * console.* of hooks: one line (or block) per call, written by C++ with the element's name in front
 * (stdout for log/info/debug, stderr for warn/error) and logged in the element's debug category.
 */
function routeConsole(): void {
  const to = (level: number) => (...args: unknown[]) => binding.console(currentInstance, level, format(...args));
  console.log = to(LOG_LEVELS.info);
  console.info = to(LOG_LEVELS.info);
  console.debug = to(LOG_LEVELS.debug);
  console.warn = to(LOG_LEVELS.warning);
  console.error = to(LOG_LEVELS.error);
}

// Stack traces of compiled hooks point at the user's .ts files.
process.setSourceMapsEnabled(true);
routeConsole();
// A stray async error in a hook must not take the user's pipeline down with it.
process.on('uncaughtException', (err) =>
  binding.log(currentInstance, LOG_LEVELS.warning, `uncaught exception in tsvision runtime: ${err.stack ?? err}`),
);
process.on('unhandledRejection', (err) =>
  binding.log(currentInstance, LOG_LEVELS.warning, `unhandled promise rejection in tsvision runtime: ${(err as Error)?.stack ?? err}`),
);

binding.start(dispatch);
