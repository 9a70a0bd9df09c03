/**
 * The elements' properties as GStreamer shows them, and the config the plugin hands to the runtime, against
 * their one declaration (ts-runtime/src/settings): every property of tsdetect, tstrack and tsclassify with its
 * blurb, flags, type, range and default, nothing undeclared, and every setting in the config by its name; the
 * stats-interval of tsexport and tsoverlay (elements with properties of their own) as declared for the others.
 */
import { describe, expect, it } from 'vitest';
import {
  BASE_SETTINGS,
  ELEMENT_SETTINGS,
  defaultsOf,
  propertyName,
  type Setting,
} from '../../ts-runtime/src/settings/index.js';
import { gstLaunch, run } from '../helpers/gst';

/** Properties every GstBaseTransform has, not tsvision's. */
const INHERITED = ['name', 'parent', 'qos'];

interface InspectedProperty {
  blurb: string;
  flags: string;
  /** The lines after the flags: type, range, default, enum values. */
  detail: string;
}

/** The "Element Properties" section of `gst-inspect-1.0 <element>`, by property name. */
function inspectProperties(output: string): Map<string, InspectedProperty> {
  const section = output.slice(output.indexOf('Element Properties:'));
  const props = new Map<string, InspectedProperty>();
  // A property: "  name<spaces>: blurb", then "<indent>flags: …", then the detail lines (deeper indent).
  const re = /^ {2}([a-z][\w-]*)\s*: (.*)\n\s+flags: (.*)\n((?: {3,}.*\n?)*)/gm;
  for (const m of section.matchAll(re)) props.set(m[1], { blurb: m[2].trim(), flags: m[3].trim(), detail: m[4].replace(/\s+/g, ' ').trim() });
  return props;
}

/** What gst-inspect-1.0 shows after the flags for a setting (numbers compared as numbers). */
function expectDetail(where: string, s: Setting, detail: string): void {
  const numbers = (re: RegExp) => {
    const m = re.exec(detail);
    expect(m, `${where}: ${detail}`).not.toBeNull();
    return m!.slice(1).map(Number);
  };
  switch (s.type) {
    case 'bool':
      expect(detail, where).toBe(`Boolean. Default: ${s.default}`);
      break;
    case 'int':
    case 'uint':
    case 'double': {
      const type = { int: 'Integer', uint: 'Unsigned Integer', double: 'Double' }[s.type];
      const [min, max, def] = numbers(new RegExp(`^${type}\\. Range: (\\S+) - (\\S+) Default: (\\S+)$`));
      expect({ min, max, default: def }, where).toEqual({ min: s.min, max: s.max, default: s.default });
      break;
    }
    case 'string':
      expect(detail, where).toBe(`String. Default: ${s.default === null ? 'null' : `"${s.default}"`}`);
      break;
    case 'enum': {
      const index = s.enum.values.findIndex((v) => v.nick === s.default);
      const values = s.enum.values.map((v, i) => `(${i}): ${v.nick} - ${v.description}`).join(' ');
      expect(detail.replace(/ +/g, ' '), where).toBe(`Enum "${s.enum.gtype}" Default: ${index}, "${s.default}" ${values}`.replace(/ +/g, ' '));
      break;
    }
  }
}

describe('element properties, from their declaration', () => {
  for (const { element, settings } of ELEMENT_SETTINGS) {
    it(`gst-inspect-1.0 ${element} shows every declared setting as declared, and nothing else`, async () => {
      const r = await run('gst-inspect-1.0', [element]);
      expect(r.code, r.output).toBe(0);
      expect(r.stderr, 'no GLib warnings').toBe('');
      const inspected = inspectProperties(r.stdout);
      const declared = Object.entries<Setting>({ ...BASE_SETTINGS, ...settings });
      for (const [key, s] of declared) {
        const name = propertyName(key);
        const p = inspected.get(name);
        expect(p, `${element} property ${name} in\n${r.stdout}`).toBeDefined();
        expect(p!.blurb, `${element} ${name} blurb`).toBe(s.blurb);
        expect(p!.flags, `${element} ${name} flags`).toBe(
          `readable, writable, ${s.mutablePlaying ? 'changeable in NULL, READY, PAUSED or PLAYING state' : 'changeable only in NULL or READY state'}`,
        );
        expectDetail(`${element} ${name}`, s, p!.detail);
      }
      const names = declared.map(([key]) => propertyName(key));
      expect([...inspected.keys()].filter((n) => !INHERITED.includes(n)).sort()).toEqual(names.sort());
    });
  }

  for (const element of ['tsexport', 'tsoverlay']) {
    it(`${element} (properties of its own) has the declared stats-interval too`, async () => {
      const r = await run('gst-inspect-1.0', [element]);
      expect(r.code, r.output).toBe(0);
      const s = BASE_SETTINGS.statsInterval;
      const p = inspectProperties(r.stdout).get('stats-interval');
      expect(p, r.stdout).toBeDefined();
      expect(p!.blurb).toBe(s.blurb);
      expect(p!.flags).toBe('readable, writable, changeable only in NULL or READY state');
      expectDetail(`${element} stats-interval`, s, p!.detail);
    });
  }

  it('the runtime gets every setting by its name: the defaults, and what the pipeline set', async () => {
    for (const { element, kind, settings } of ELEMENT_SETTINGS) {
      const declared = { ...BASE_SETTINGS, ...settings };
      const configs = async (properties: string) => {
        // The config is logged before the runtime instance is made (tsdetect and tsclassify then fail: no model).
        const r = await gstLaunch(`videotestsrc num-buffers=1 ! ${element} ${properties} ! fakesink`, {
          env: { GST_DEBUG: 'tsfilter:5', GST_DEBUG_NO_COLOR: '1' },
        });
        const m = new RegExp(`creating ${kind} instance with (\\{.*\\})`).exec(r.output);
        expect(m, `${element} config in\n${r.output}`).not.toBeNull();
        return JSON.parse(m![1]) as Record<string, unknown>;
      };
      const defaults = await configs('');
      expect(Object.keys(defaults), element).toEqual(Object.keys(declared));
      expect(defaults, element).toEqual(defaultsOf(declared));
      const set = await configs('hook-timeout=250 stats-interval=2.5 module-reload=true hook-errors=skip max-inflight=1');
      expect(set, element).toEqual({ ...defaultsOf(declared), hookTimeout: 250, statsInterval: 2.5, moduleReload: true, hookErrors: 'skip', maxInflight: 1 });
    }
  });
});
