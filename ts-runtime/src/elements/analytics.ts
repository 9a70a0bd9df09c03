/**
 * tsanalytics' runtime side: the rule engine (elements/analytics) over each frame's tracked objects.
 *
 * Per frame, in order (a Sequencer):
 * - rules from `config` (a file, watched: a change on disk takes effect at the next frame) or `rules` (inline);
 *   a live change (the property set while playing, or the file edited) that does not parse or validate keeps the
 *   rules in force and says why in a warning — nothing is half-applied; at start it is an error.
 * - the frame's objects (tstrack's ids in `trackId`, `predicted` boxes) and the past-frame objects an upstream
 *   tstrack reported on the buffer (fill-gaps) go through the engine; a hook's `rules(frame, ctx)` adds events.
 * - each event goes through the hook's `onEvent` (keep, replace or drop), then becomes a `tsanalytics-event`
 *   element message and part of the frame's result (the host writes TsvisionAnalyticsMeta: events, counts,
 *   motion and the rules' geometry with live figures, for tsexport and tsoverlay).
 * - every `counts-interval` seconds of stream time a `tsanalytics-counts` message carries the totals as JSON.
 */
import { readFileSync, statSync } from 'node:fs';
import type { AnalyticsContext, AnalyticsCounts, AnalyticsEvent, AnalyticsHook, AnalyticsParams } from '../../api';
import { AnalyticsEngine, type AnalyticsObject, type PastAnalyticsObject } from '../../../elements/analytics/engine';
import { NO_RULES, RulesError, parseRules, type Rules } from '../../../elements/analytics/rules';
import { SKIP, hookContext, parseModuleArgs, type ElementEnv, type MessageFieldList, type ElementLogic, type FrameAnalytics, type HostFrame, type ProcessResult } from '../element.js';
import { TsvisionError } from '../errors.js';
import { HookModule } from '../hook-module.js';
import { readLabels } from '../labels.js';
import { Sequencer } from '../sequencer.js';
import { ANALYTICS_PARAMS, ANALYTICS_SETTINGS, parseConfig, parseSettings, type AnalyticsConfig } from '../settings/index.js';

const ANALYTICS_HOOKS = ['setup', 'rules', 'onEvent', 'teardown'] as const;

/** How often (frames) the rules' geometry is sent again although unchanged. */
const GEOMETRY_RESEND_FRAMES = 100;

export const ANALYTICS_EVENT_MESSAGE = 'tsanalytics-event';
export const ANALYTICS_COUNTS_MESSAGE = 'tsanalytics-counts';

/** Where the rules come from, and the text they were parsed from (to notice a change). */
interface RulesSource {
  readonly config: string | null;
  readonly rules: string | null;
}

/** Reads and validates the rules of `source`; throws a RulesError naming the file or property. */
function loadRules(source: RulesSource, labels?: readonly string[]): { rules: Rules; mtimeMs: number } {
  if (source.config) {
    let text: string;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(source.config).mtimeMs;
      text = readFileSync(source.config, 'utf8');
    } catch (err) {
      throw new RulesError(`cannot read the rules file ${source.config} (property config): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return { rules: parseRules(text, { source: `${source.config} (property config)`, labels }), mtimeMs };
  }
  if (source.rules) return { rules: parseRules(source.rules, { source: 'property rules', labels }), mtimeMs: 0 };
  return { rules: NO_RULES, mtimeMs: 0 };
}

/** One event as the fields of a `tsanalytics-event` message (kebab-case, as tstrack-event's). */
function messageFields(e: AnalyticsEvent): MessageFieldList {
  const fields: MessageFieldList = ['type', e.type, 'frame', e.frame];
  if (e.pts !== null) fields.push('pts', e.pts);
  switch (e.type) {
    case 'line-crossed':
      fields.push('line', e.line, 'direction', e.direction, 'track-id', e.trackId, 'label', e.label);
      break;
    case 'zone-entered':
    case 'zone-left':
      fields.push('zone', e.zone, 'track-id', e.trackId, 'label', e.label);
      break;
    case 'dwell':
      fields.push('zone', e.zone, 'track-id', e.trackId, 'label', e.label, 'seconds', Math.round(e.seconds * 1000) / 1000);
      break;
    case 'overcrowded':
    case 'cleared':
      fields.push('zone', e.zone, 'occupancy', e.occupancy, 'max-occupancy', e.maxOccupancy);
      break;
  }
  return fields;
}

function isEvent(v: unknown): v is AnalyticsEvent {
  const e = v as { type?: unknown; frame?: unknown } | null;
  return (
    !!e &&
    typeof e === 'object' &&
    typeof e.frame === 'number' &&
    ['line-crossed', 'zone-entered', 'zone-left', 'dwell', 'overcrowded', 'cleared'].includes(e.type as string)
  );
}

export async function createAnalytics(rawConfig: unknown, env: ElementEnv): Promise<ElementLogic> {
  let config: Readonly<AnalyticsConfig> = parseConfig(ANALYTICS_SETTINGS, rawConfig);
  const params: Readonly<AnalyticsParams> = parseSettings(ANALYTICS_PARAMS, config);
  const hookModule = await HookModule.load<AnalyticsHook, AnalyticsContext>(config, ANALYTICS_HOOKS, env);
  const hook = hookModule.hooks;
  const runner = hookModule.runner;

  const labels = config.labelsFile ? readLabels(config.labelsFile) : undefined;
  let loaded: { rules: Rules; mtimeMs: number };
  try {
    loaded = loadRules(config, labels);
  } catch (err) {
    throw new TsvisionError('SETTINGS', (err as Error).message);
  }
  const engine = new AnalyticsEngine(loaded.rules, params);
  /** The latest frame's results (their counts are built only when a hook reads ctx.counts). */
  let latest: { readonly counts: AnalyticsCounts; readonly countsJson: string } = { counts: { lines: {}, zones: {} }, countsJson: '{"lines":{},"zones":{}}' };
  const ctx: AnalyticsContext = Object.defineProperties(hookContext(env, parseModuleArgs(config.moduleArgs), []), {
    settings: { value: params, enumerable: true },
    counts: { get: () => latest.counts, enumerable: true },
  }) as AnalyticsContext;
  await hookModule.setup(ctx);

  /** A rules change to apply at the next frame boundary (set by configure() or by the file changing). */
  let nextSource: RulesSource | null = null;
  let lastFileCheck = 0;
  let lastCountsTime = -Infinity;
  /** The rules in pixels whose geometry the host has, and the frame that carried it. */
  let sentGeometry: Rules | null = null;
  let sentAt = -Infinity;

  function applyRules(source: RulesSource): void {
    try {
      loaded = loadRules(source, labels);
      engine.setRules(loaded.rules);
    } catch (err) {
      env.log('warning', `${env.elementName}: ${(err as Error).message}; the rules in force stay`);
      if (source.config) loaded = { ...loaded, mtimeMs: fileMtime(source.config) };
    }
  }

  function fileMtime(file: string): number {
    try {
      return statSync(file).mtimeMs;
    } catch {
      return -1;
    }
  }

  /** Picks up a new rules source, or (at most every 200 ms of wall time) a rules file changed on disk. */
  function frameBoundary(): void {
    if (nextSource) {
      const source = nextSource;
      nextSource = null;
      applyRules(source);
      return;
    }
    if (!config.config) return;
    const now = Date.now();
    if (now - lastFileCheck < 200) return;
    lastFileCheck = now;
    if (fileMtime(config.config) !== loaded.mtimeMs) applyRules(config);
  }

  async function processFrame(frame: HostFrame): Promise<ProcessResult> {
    frameBoundary();
    const time = frame.pts !== null ? frame.pts / 1e9 : 0;
    const objects: readonly AnalyticsObject[] = frame.detections;
    const pastObjects: PastAnalyticsObject[] = (frame.pastObjects ?? []).map((p) => ({ framesAgo: p.framesAgo, pts: p.pts, object: p }));
    const r = engine.update({ index: frame.index, pts: frame.pts, time, width: frame.width, height: frame.height, objects, pastObjects });
    latest = r;
    let events = r.events;
    if (hook.rules) {
      const extra = await runner.run('rules', () => hook.rules!(frame, ctx));
      if (extra === SKIP) return { objects: [], skipped: true };
      if (extra !== undefined && extra !== null) {
        if (!Array.isArray(extra) || !extra.every(isEvent))
          throw new TsvisionError('HOOK', `${env.elementName}: rules() must return an array of events ({type, frame, …}), got ${JSON.stringify(extra)?.slice(0, 200)}`);
        events = [...events, ...extra];
      }
    }
    if (hook.onEvent) {
      const kept: AnalyticsEvent[] = [];
      for (const e of events) {
        const out = await runner.run('onEvent', () => hook.onEvent!(e, ctx));
        if (out === SKIP || out === null) continue;
        kept.push(out === undefined ? e : isEvent(out) ? out : e);
      }
      events = kept;
    }
    for (const e of events) env.postMessage(ANALYTICS_EVENT_MESSAGE, messageFields(e));
    if (config.countsInterval > 0 && time - lastCountsTime >= config.countsInterval) {
      lastCountsTime = time;
      env.postMessage(ANALYTICS_COUNTS_MESSAGE, { frame: frame.index, counts: r.countsJson });
    }
    const pixels = engine.rulesInPixels(frame.width, frame.height);
    let geometry: FrameAnalytics['geometry'];
    if (pixels !== sentGeometry || frame.index - sentAt >= GEOMETRY_RESEND_FRAMES) {
      // Sent once per rules and frame size, the host keeps it for the frames after; and again now and then, in
      // case the frame that carried it was dropped on its way (a flush cancels the answers in flight).
      sentGeometry = pixels;
      sentAt = frame.index;
      const flat = (r: { name: string; points: readonly (readonly [number, number])[] }) => ({ name: r.name, points: Float64Array.from(r.points.flat()) });
      geometry = { lines: pixels.lines.map(flat), zones: pixels.zones.map(flat) };
    }
    const figures = engine.figures();
    const crossed = events.flatMap((e) => (e.type === 'line-crossed' && e.frame === frame.index ? [e.trackId] : []));
    const analytics: FrameAnalytics = { events, countsJson: r.countsJson, motion: r.motion, geometry, figures, crossed };
    return { objects: [], analytics };
  }

  const inOrder = new Sequencer();
  return {
    process(frame: HostFrame): Promise<ProcessResult> {
      hookModule.frameBoundary();
      return inOrder.ticket().run(() => processFrame(frame));
    },
    setModule: (module: string) => hookModule.setModule(module),
    configure(raw: unknown) {
      const next = parseConfig(ANALYTICS_SETTINGS, raw);
      if (next.config !== config.config || next.rules !== config.rules) nextSource = next;
      config = next;
    },
    async destroy() {
      hookModule.close();
      if (hook.teardown) await runner.run('teardown', () => hook.teardown!(ctx));
    },
  };
}
