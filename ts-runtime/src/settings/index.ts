/**
 * The runtime-hosted elements' settings, declared once (see spec.ts): the base class's, then each element's.
 * The plugin's property tables are generated from ELEMENT_SETTINGS (scripts/gen-settings-header.mjs); the
 * element logic reads its config with parseConfig().
 */
import { ANALYTICS_PARAMS, ANALYTICS_SETTINGS } from './analytics.js';
import { BASE_SETTINGS } from './base.js';
import { CLASSIFY_SETTINGS } from './classify.js';
import { DETECT_SETTINGS } from './detect.js';
import type { modelSettings } from './model.js';
import { parseSettings, type Declaration, type SettingsOf } from './spec.js';
import { TRACKER_PARAMS, TRACK_SETTINGS } from './track.js';

export { ANALYTICS_PARAMS, ANALYTICS_SETTINGS, BASE_SETTINGS, CLASSIFY_SETTINGS, DETECT_SETTINGS, TRACKER_PARAMS, TRACK_SETTINGS };
export { defaultsOf, parseSettings, propertyName, type Declaration, type Setting, type SettingsOf } from './spec.js';

/** The elements' own settings by runtime element kind (each element also has BASE_SETTINGS). */
export const ELEMENT_SETTINGS = [
  { element: 'tsdetect', kind: 'detect', settings: DETECT_SETTINGS },
  { element: 'tstrack', kind: 'track', settings: TRACK_SETTINGS },
  { element: 'tsclassify', kind: 'classify', settings: CLASSIFY_SETTINGS },
  { element: 'tsanalytics', kind: 'analytics', settings: ANALYTICS_SETTINGS },
] as const;

export type BaseConfig = SettingsOf<typeof BASE_SETTINGS>;
export type ModelConfig = SettingsOf<ReturnType<typeof modelSettings>>;
export type TrackerParams = SettingsOf<typeof TRACKER_PARAMS>;
export type AnalyticsParams = SettingsOf<typeof ANALYTICS_PARAMS>;
export type AnalyticsConfig = BaseConfig & SettingsOf<typeof ANALYTICS_SETTINGS>;
export type TrackSettings = SettingsOf<typeof TRACK_SETTINGS>;
export type DetectConfig = BaseConfig & SettingsOf<typeof DETECT_SETTINGS>;
export type TrackConfig = BaseConfig & TrackSettings;
export type ClassifyConfig = BaseConfig & SettingsOf<typeof CLASSIFY_SETTINGS>;

/** An element's config (base settings and its own) from the plugin's config object. */
export function parseConfig<D extends Declaration>(settings: D, config: unknown): Readonly<BaseConfig & SettingsOf<D>> {
  return parseSettings({ ...BASE_SETTINGS, ...settings }, config) as Readonly<BaseConfig & SettingsOf<D>>;
}
