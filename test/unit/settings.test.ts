import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ClassifySettings, TrackSettings, TrackerParams } from 'tsvision';
import { TRACKER_DEFAULTS, TRACKER_KINDS } from '../../elements/track/index.js';
import {
  BASE_SETTINGS,
  ELEMENT_SETTINGS,
  TRACKER_PARAMS,
  TRACK_SETTINGS,
  defaultsOf,
  parseConfig,
  parseSettings,
  propertyName,
  type BaseConfig,
  type DetectConfig,
  type Setting,
} from '../../ts-runtime/src/settings/index.js';

describe('settings declarations', () => {
  it('derive the config types (enums as their nicks, strings nullable when unset by default)', () => {
    expectTypeOf<TrackSettings['tracker']>().toEqualTypeOf<'bytetrack' | 'sort' | 'iou'>();
    expectTypeOf<TrackerParams['minHits']>().toEqualTypeOf<number>();
    expectTypeOf<TrackerParams['perClass']>().toEqualTypeOf<boolean>();
    expectTypeOf<BaseConfig['hookErrors']>().toEqualTypeOf<'fail' | 'skip'>();
    expectTypeOf<BaseConfig['module']>().toEqualTypeOf<string | null>();
    expectTypeOf<BaseConfig['hookTimeout']>().toEqualTypeOf<number>();
    expectTypeOf<BaseConfig['moduleReload']>().toEqualTypeOf<boolean>();
    expectTypeOf<DetectConfig['device']>().toEqualTypeOf<string>();
    expectTypeOf<DetectConfig['inferenceRegion']>().toEqualTypeOf<'full-frame' | 'roi-list'>();
    expectTypeOf<ClassifySettings['outputType']>().toEqualTypeOf<'auto' | 'classification' | 'embedding' | 'segmentation'>();
  });

  it('name every setting in camelCase, its property being the kebab-case form, without clashing with the base settings', () => {
    for (const { element, settings } of ELEMENT_SETTINGS) {
      for (const key of [...Object.keys(BASE_SETTINGS), ...Object.keys(settings)]) {
        expect(key, `${element}.${key}`).toMatch(/^[a-z][a-zA-Z0-9]*$/);
        const name = propertyName(key);
        expect(name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()), `${element}.${key}`).toBe(key);
      }
      for (const key of Object.keys(settings)) expect(BASE_SETTINGS, `${element}.${key}`).not.toHaveProperty(key);
    }
    expect(propertyName('labelsFile')).toBe('labels-file');
    expect(propertyName('topK')).toBe('top-k');
  });

  it('have defaults inside their ranges and among their enum values', () => {
    for (const { element, settings } of ELEMENT_SETTINGS) {
      for (const [key, s] of Object.entries<Setting>({ ...BASE_SETTINGS, ...settings })) {
        if (s.type === 'int' || s.type === 'uint' || s.type === 'double') {
          expect(s.default, `${element}.${key}`).toBeGreaterThanOrEqual(s.min);
          expect(s.default, `${element}.${key}`).toBeLessThanOrEqual(s.max);
        }
        if (s.type === 'enum') expect(s.enum.values.map((v) => v.nick), `${element}.${key}`).toContain(s.default);
        expect(s.blurb.length, `${element}.${key} has a description`).toBeGreaterThan(20);
      }
    }
  });

  it('are the trackers\' defaults and kinds', () => {
    expect(TRACKER_DEFAULTS).toEqual(defaultsOf(TRACKER_PARAMS));
    expect(TRACKER_DEFAULTS).toMatchObject({ highThreshold: 0.5, minHits: 4, fillGaps: 5, fuseScore: true });
    expect(TRACKER_KINDS).toEqual(['bytetrack', 'sort', 'iou']);
    for (const key of Object.keys(TRACKER_PARAMS)) expect(TRACK_SETTINGS).toHaveProperty(key);
  });
});

describe('parseSettings', () => {
  it('gives every declared setting, the defaults for what is missing', () => {
    const s = parseSettings(TRACK_SETTINGS, {});
    expect(s).toEqual(defaultsOf(TRACK_SETTINGS));
    expect(Object.isFrozen(s)).toBe(true);
    expect(parseSettings(TRACK_SETTINGS, null)).toEqual(defaultsOf(TRACK_SETTINGS));
  });

  it('keeps valid values, clamps numbers to the declared range and rounds whole-number settings', () => {
    const s = parseSettings(TRACK_SETTINGS, {
      tracker: 'sort',
      highThreshold: 0.8,
      lowThreshold: 7,
      minHits: 0,
      maxLostFrames: 12.6,
      predictedMaxAge: -5,
      perClass: true,
      unknownKey: 1,
    });
    expect(s).toMatchObject({ tracker: 'sort', highThreshold: 0.8, lowThreshold: 1, minHits: 1, maxLostFrames: 13, predictedMaxAge: -1, perClass: true });
    expect(s).not.toHaveProperty('unknownKey');
  });

  it('replaces values of the wrong type, unknown enum nicks and non-finite numbers by the defaults', () => {
    const s = parseSettings(TRACK_SETTINGS, { tracker: 'deepsort', highThreshold: '0.9', minHits: NaN, perClass: 'yes', fillGaps: Infinity });
    expect(s).toMatchObject({ tracker: 'bytetrack', highThreshold: 0.5, minHits: 4, perClass: false, fillGaps: 5 });
  });

  it('reads strings: null for an unset one, the default for a missing or null one that has a default', () => {
    const c = parseConfig(ELEMENT_SETTINGS[0].settings, { module: 'hook.ts', moduleArgs: null, device: null, decoder: 'yolox' });
    expect(c).toMatchObject({ module: 'hook.ts', moduleArgs: null, device: 'cpu', decoder: 'yolox', model: null, labelsFile: null });
  });

  it('parseConfig reads the base settings too, with the new ones', () => {
    const c = parseConfig(TRACK_SETTINGS, { hookErrors: 'skip', hookTimeout: 500, moduleReload: true, statsInterval: 2.5, maxInflight: 100 });
    expect(c).toMatchObject({ hookErrors: 'skip', hookTimeout: 500, moduleReload: true, statsInterval: 2.5, maxInflight: 64, tracker: 'bytetrack' });
    expect(parseConfig(TRACK_SETTINGS, {})).toMatchObject({ hookTimeout: 10000, moduleReload: false, statsInterval: 0, maxInflight: 2, module: null });
  });
});
