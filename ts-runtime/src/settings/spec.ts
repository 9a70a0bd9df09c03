/**
 * The one declaration of the runtime-hosted elements' settings (their GStreamer properties).
 *
 * Each element's settings are a `Declaration`: an object whose keys are the settings' canonical names
 * (camelCase: the key in the config JSON the plugin hands to the runtime; the GStreamer property name is
 * its kebab-case form, `highThreshold` → `high-threshold`), each with its type, default, range, nick,
 * blurb and flags. From the declarations:
 * - the TypeScript config types are derived (`SettingsOf`), and `parseSettings` reads a config object
 *   into them (type checks and ranges from the declaration);
 * - scripts/gen-settings-header.mjs writes the C++ table the plugin installs its properties from,
 *   stores their values by, and writes the config JSON with (gst-plugin/settings.h).
 */

export interface SettingCommon {
  /** GStreamer nick (short name shown by tools). */
  readonly nick: string;
  /** GStreamer blurb: the property's description in gst-inspect-1.0. */
  readonly blurb: string;
  /** Changeable in PAUSED and PLAYING too (GST_PARAM_MUTABLE_PLAYING); default: only in NULL or READY. */
  readonly mutablePlaying?: boolean;
}

export interface BoolSetting extends SettingCommon {
  readonly type: 'bool';
  readonly default: boolean;
}

export interface NumberSetting extends SettingCommon {
  /** int: gint, uint: guint (both whole numbers), double: gdouble. */
  readonly type: 'int' | 'uint' | 'double';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

export interface StringSetting extends SettingCommon {
  readonly type: 'string';
  /** null: unset (the config carries null). Setting the property to NULL restores the default. */
  readonly default: string | null;
}

export interface EnumValue<N extends string = string> {
  readonly nick: N;
  /** What gst-inspect-1.0 shows next to the nick. */
  readonly description: string;
}

/** A GEnum type; its values are numbered 0, 1, … in this order. Settings may share one. */
export interface EnumType<N extends string = string> {
  /** The GType name, e.g. "GstTsHookErrors". */
  readonly gtype: string;
  readonly values: readonly EnumValue<N>[];
}

export interface EnumSetting<N extends string = string> extends SettingCommon {
  readonly type: 'enum';
  readonly enum: EnumType<N>;
  readonly default: N;
}

export type Setting = BoolSetting | NumberSetting | StringSetting | EnumSetting;

/** G_MAXUINT, the largest value of a uint setting. */
export const UINT_MAX = 4294967295;

export type Declaration = { readonly [key: string]: Setting };

/** The value type of one setting. */
export type ValueOf<S extends Setting> = S extends BoolSetting
  ? boolean
  : S extends NumberSetting
    ? number
    : S extends StringSetting
      ? S['default'] extends string
        ? string
        : string | null
      : S extends EnumSetting<infer N>
        ? N
        : never;

/** The settings object a declaration describes (what the element's logic reads). */
export type SettingsOf<D extends Declaration> = { -readonly [K in keyof D]: ValueOf<D[K]> };

/** Declares settings: checks the shape, keeps the literal types (enum nicks) for `SettingsOf`. */
export function declare<const D extends Declaration>(declaration: D): D {
  return declaration;
}

/** Declares a GEnum type (its nicks stay literal types). */
export function enumType<const N extends string>(gtype: string, values: readonly EnumValue<N>[]): EnumType<N> {
  return { gtype, values };
}

/** The GStreamer property name of a setting: `highThreshold` → `high-threshold`. */
export function propertyName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The declared defaults. */
export function defaultsOf<D extends Declaration>(declaration: D): SettingsOf<D> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(declaration)) out[key] = s.default;
  return out as SettingsOf<D>;
}

/** `value` as setting `s` takes it, or undefined when it is not a value of that setting. */
function accept(s: Setting, value: unknown): unknown {
  switch (s.type) {
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'int':
    case 'uint':
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
      const v = s.type === 'double' ? value : Math.round(value);
      return Math.min(s.max, Math.max(s.min, v));
    }
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'enum':
      return s.enum.values.some((e) => e.nick === value) ? value : undefined;
  }
}

/**
 * Reads the settings of `declaration` from a config object (the plugin's JSON, or a partial object in
 * tests): every declared key, numbers clamped to the declared range (whole numbers rounded), anything
 * missing or of the wrong type replaced by the default. Keys not declared are ignored.
 */
export function parseSettings<D extends Declaration>(declaration: D, config: unknown): Readonly<SettingsOf<D>> {
  const raw = (config !== null && typeof config === 'object' ? config : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(declaration)) out[key] = accept(s, raw[key]) ?? s.default;
  return Object.freeze(out) as Readonly<SettingsOf<D>>;
}
