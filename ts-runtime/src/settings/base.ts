/** Settings every runtime-hosted element has (GstTsFilter, the base class of tsdetect, tstrack, tsclassify). */
import { declare, enumType } from './spec.js';

export const HOOK_ERRORS = enumType('GstTsHookErrors', [
  { nick: 'fail', description: 'Post an error and stop the pipeline' },
  { nick: 'skip', description: "Post a warning and pass the frame on without this element's results" },
]);

export const BASE_SETTINGS = declare({
  module: {
    type: 'string',
    default: null,
    nick: 'Hook module',
    blurb:
      'Path to a TypeScript (.ts) or JavaScript (.js) hook module whose default export holds this element\'s hooks; compiled with esbuild when the element starts',
    // Setting it while the element runs reloads the module (gst_ts_filter_module_changed).
    mutablePlaying: true,
  },
  moduleArgs: {
    type: 'string',
    default: null,
    nick: 'Hook module arguments',
    blurb: "A JSON object handed to the hook's setup(ctx) as ctx.args",
  },
  hookErrors: {
    type: 'enum',
    enum: HOOK_ERRORS,
    default: 'fail',
    nick: 'Hook errors',
    blurb: 'What a hook that throws while processing a frame does',
  },
  maxInflight: {
    type: 'uint',
    default: 2,
    min: 1,
    max: 64,
    nick: 'Frames in flight',
    blurb:
      "Frames handed to the runtime before the streaming thread waits for the oldest: with 1 the streaming thread waits for each frame's result; above 1 it goes on fetching frames while the model runs (output order is kept; adds max-inflight - 1 frames of latency)",
  },
  hookTimeout: {
    type: 'uint',
    default: 10000,
    min: 0,
    // 6x (setup) stays below the 2^31 - 1 ms a JavaScript timer can wait.
    max: 3600000,
    nick: 'Hook timeout',
    blurb:
      'Longest a per-frame hook call may run, in milliseconds, before the element fails it (hook-errors=fail: error; skip: the frame passes on without results and the hook restarts); setup() gets 6x this; 0 = no limit',
  },
  moduleReload: {
    type: 'bool',
    default: false,
    nick: 'Module reload',
    blurb:
      'Watch the module file and the local files it imports; on a change compile the new version in the background and swap it in at a frame boundary, keeping ctx.state',
  },
  statsInterval: {
    type: 'double',
    default: 0,
    min: 0,
    max: 3600,
    nick: 'Stats interval',
    blurb: 'Post a tsvision-stats element message every N seconds (0 = off)',
  },
});
