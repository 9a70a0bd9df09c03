/** tsanalytics in real pipelines: MOT15 detections replayed by tsdetect, tracked by tstrack, counted here. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalyticsCounts, AnalyticsEvent } from 'tsvision';
import { AnalyticsEngine, ANALYTICS_DEFAULTS, parseRules } from '../../elements/analytics/index';
import { COCO_LABELS, HOOKS, ROOT, gstLaunch, readJsonl, run, tempDir } from '../helpers/gst';

const DET_HOOK = path.join(ROOT, 'eval', 'mot', 'det-hook.ts');
const RECORD = path.join(HOOKS, 'analytics-record.ts');
const RUNNER = path.join(ROOT, 'build', 'pipeline-runner');
const TUD = (frames = 71, live = false) =>
  `videotestsrc num-buffers=${frames} pattern=black ${live ? 'is-live=true ' : ''}! video/x-raw,format=I420,width=640,height=480,framerate=25/1 ! ` +
  `tsdetect module=${DET_HOOK} module-args='{"seq":"TUD-Campus"}' ! tstrack`;
const RULES = {
  units: 'normalized',
  lines: [
    { name: 'middle', points: [[0.5, 0.02], [0.5, 0.98]] },
    { name: 'third', points: [[0.33, 0.02], [0.33, 0.98]] },
  ],
  zones: [{ name: 'centre', points: [[0.3, 0.35], [0.7, 0.35], [0.7, 0.95], [0.3, 0.95]], dwell: 0.5, maxOccupancy: 2 }],
};

function readLines<T>(file: string): T[] {
  return existsSync(file) ? readJsonl(file) as unknown as T[] : [];
}

/** A string field as gst-launch-1.0 prints it ("…" with \\-escapes) → its value. */
function gstString(printed: string): string {
  return printed.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
}

/** The bus messages of one name printed by gst-launch-1.0 -m, as field maps (strings). */
function messages(output: string, name: string): Record<string, string>[] {
  return output
    .split('\n')
    .filter((l) => l.includes(`(element): ${name}, `))
    .map((l) => {
      const fields: Record<string, string> = {};
      for (const m of l.matchAll(/([\w-]+)=\(\w+\)("(?:[^"\\]|\\.)*"|[^,;]+)/g)) fields[m[1]] = m[2];
      return fields;
    });
}

describe('tsanalytics', () => {
  it('counts what the rule engine counts on the same tracks (past-frame objects included), and posts every event', async () => {
    const dir = tempDir();
    const tracks = path.join(dir, 'tracks.jsonl');
    const counts = path.join(dir, 'counts.jsonl');
    const events = path.join(dir, 'events.jsonl');
    const exported = path.join(dir, 'exported.jsonl');
    const r = await gstLaunch(
      `${TUD()} ! tsexport location=${tracks} ! tsanalytics rules='${JSON.stringify(RULES)}' module=${RECORD} ` +
        `module-args='{"counts":"${counts}","events":"${events}"}' ! tsexport location=${exported} ! fakesink`,
      { flags: ['-m'] },
    );
    expect(r.code, r.output).toBe(0);
    // The same engine over the tracks tsexport wrote just before the element (its past objects first, as the element does).
    const engine = new AnalyticsEngine(parseRules(JSON.stringify(RULES), { source: 'test' }), ANALYTICS_DEFAULTS);
    const expected: AnalyticsEvent[] = [];
    const expectedMotion: Record<string, { heading: number; speed: number }>[] = [];
    const round = (x: number) => Math.round(x * 10) / 10;
    let last: AnalyticsCounts | null = null;
    for (const f of readJsonl(tracks)) {
      const out = engine.update({
        index: f.frame,
        pts: f.pts,
        time: f.pts! / 1e9,
        width: f.width,
        height: f.height,
        objects: f.objects.map((o) => ({ trackId: o.track_id, label: o.label, box: o.box, predicted: (o as { predicted?: boolean }).predicted })),
        pastObjects: (f.past_objects ?? []).map((p) => ({ framesAgo: p.frames_ago, pts: p.pts, object: { trackId: p.track_id, label: p.label, box: p.box } })),
      });
      expected.push(...out.events);
      const motion: Record<string, { heading: number; speed: number }> = {};
      for (let i = 0; i < out.motion.length; i += 3) motion[out.motion[i]] = { heading: round(out.motion[i + 1]), speed: round(out.motion[i + 2]) };
      expectedMotion.push(motion);
      last = out.counts;
    }
    const recorded = readLines<AnalyticsEvent>(events);
    expect(recorded).toEqual(expected);
    expect(recorded.filter((e) => e.type === 'line-crossed').length).toBeGreaterThan(2); // people walk across TUD-Campus
    expect(recorded.some((e) => e.type === 'dwell')).toBe(true);
    const perFrame = readLines<{ frame: number; counts: AnalyticsCounts }>(counts);
    expect(perFrame.map((c) => c.frame)).toEqual([...Array(71).keys()]);
    expect(perFrame[70].counts).toEqual(last);
    // tsexport downstream writes each frame's events (snake_case) and the running counts.
    const lines = readJsonl(exported) as unknown as { frame: number; events: Record<string, unknown>[]; counts: AnalyticsCounts; motion?: object }[];
    expect(lines.map((l) => l.frame)).toEqual([...Array(71).keys()]);
    expect(lines[70].counts).toEqual(last);
    // … and each moving track's heading and speed (one decimal).
    expect(lines.map((l) => l.motion ?? {})).toEqual(expectedMotion);
    expect(expectedMotion.filter((m) => Object.keys(m).length > 0).length).toBeGreaterThan(60);
    expect(lines.flatMap((l) => l.events)).toEqual(
      expected.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]))),
    );
    // Every event is on the bus too, with its track id.
    const posted = messages(r.output, 'tsanalytics-event');
    expect(posted.map((m) => m.type)).toEqual(recorded.map((e) => e.type));
    const crossing = recorded.find((e) => e.type === 'line-crossed')! as Extract<AnalyticsEvent, { type: 'line-crossed' }>;
    expect(posted.find((m) => m.type === 'line-crossed')).toMatchObject({ line: crossing.line, direction: crossing.direction, 'track-id': String(crossing.trackId) });
  });

  it('hooks filter, enrich and add events; counts-interval posts the totals', async () => {
    const dir = tempDir();
    const events = path.join(dir, 'events.jsonl');
    const r = await gstLaunch(
      `${TUD()} ! tsanalytics rules='${JSON.stringify(RULES)}' counts-interval=1 module=${RECORD} ` +
        `module-args='{"events":"${events}","drop":"zone-left","tag":"door","custom":"custom-zone"}' ! fakesink`,
      { flags: ['-m'] },
    );
    expect(r.code, r.output).toBe(0);
    const recorded = readLines<AnalyticsEvent>(events);
    expect(recorded.some((e) => e.type === 'zone-left')).toBe(false);
    expect(recorded.filter((e) => e.type === 'line-crossed').every((e) => 'label' in e && e.label === 'person/door')).toBe(true);
    expect(recorded.filter((e) => e.type === 'zone-entered' && e.zone === 'custom-zone').map((e) => e.frame)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    const posted = messages(r.output, 'tsanalytics-event');
    expect(posted.some((m) => m.type === 'zone-left')).toBe(false);
    // 71 frames at 25 fps: totals at 0, 1 and 2 s.
    const totals = messages(r.output, 'tsanalytics-counts');
    expect(totals.map((m) => m.frame)).toEqual(['0', '25', '50']);
    const final = JSON.parse(gstString(totals[2].counts)) as AnalyticsCounts;
    expect(Object.keys(final.lines)).toEqual(['middle', 'third']);
  });

  it('a rules file changed on disk, and rules set while playing, take effect at a frame; counts of kept names survive', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'rules.json');
    const counts = path.join(dir, 'counts.jsonl');
    writeFileSync(file, JSON.stringify({ lines: [RULES.lines[0]], units: 'normalized' }));
    const pipeline = `${TUD(71, true)} ! tsanalytics config=${file} module=${RECORD} module-args='{"counts":"${counts}"}' ! fakesink`;
    // Edit the file once the element has counted 10 frames with the first rules.
    const edit = setInterval(() => {
      if (existsSync(counts) && readFileSync(counts, 'utf8').split('\n').length > 10) {
        clearInterval(edit);
        writeFileSync(file, JSON.stringify(RULES));
      }
    }, 20);
    const r = await gstLaunch(pipeline);
    clearInterval(edit);
    expect(r.code, r.output).toBe(0);
    const perFrame = readLines<{ frame: number; counts: AnalyticsCounts }>(counts);
    const changed = perFrame.findIndex((c) => 'third' in c.counts.lines);
    expect(changed).toBeGreaterThanOrEqual(10); // frames before the edit had the first rules
    expect(changed).toBeLessThan(perFrame.length - 1);
    // All later frames have the new rules; "middle" kept its running count across the change.
    expect(perFrame.slice(changed).every((c) => Object.keys(c.counts.lines).join() === 'middle,third')).toBe(true);
    expect(perFrame[changed].counts.lines.middle.in + perFrame[changed].counts.lines.middle.out).toBeGreaterThanOrEqual(
      perFrame[changed - 1].counts.lines.middle.in + perFrame[changed - 1].counts.lines.middle.out,
    );

    // The `config` property set by an application while PLAYING (to the file edited above).
    const counts2 = path.join(dir, 'counts2.jsonl');
    const first = path.join(dir, 'first.json');
    writeFileSync(first, JSON.stringify({ lines: [RULES.lines[0]], units: 'normalized' }));
    // gst_parse_launch() takes double-quoted values (no shell in between): module-args from a file too.
    const r2 = await run(RUNNER, [
      'set',
      '1500',
      `${TUD(150, true).replace(`module-args='{"seq":"TUD-Campus"}'`, `module-args="{\\"seq\\":\\"TUD-Campus\\"}"`)} ! tsanalytics name=a config=${first} module=${RECORD} module-args="{\\"counts\\":\\"${counts2}\\"}" ! fakesink`,
      'a',
      'config',
      file,
    ]);
    expect(r2.code, r2.output).toBe(0);
    expect(r2.output).not.toContain('WARNING');
    const perFrame2 = readLines<{ frame: number; counts: AnalyticsCounts }>(counts2);
    const changed2 = perFrame2.findIndex((c) => 'third' in c.counts.lines);
    expect(changed2).toBeGreaterThan(0);
    expect(perFrame2.slice(changed2).every((c) => 'third' in c.counts.lines && 'centre' in c.counts.zones)).toBe(true);
  });

  it('bad rules: errors name the property or file, the path in it and what is wrong', async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      [`rules='{"lines": [{"name": "door", "points": [[0, 0],, [1, 1]]}]}'`, 'property rules: JSON syntax error at line 1, column 47: value expected'],
      [`rules='{"zones": [{"name": "hall", "points": [[0, 0], [10, 10], [10, 0], [0, 10]]}]}'`, 'property rules: zones[0].points: the polygon of "hall" intersects itself'],
      [`rules='{"lines": [{"name": "door", "points": [[5, 5]]}]}'`, 'property rules: lines[0].points must NOT have fewer than 2 items'],
      [`config=${dir}/missing.json`, `cannot read the rules file ${dir}/missing.json (property config): ENOENT`],
      [
        `labels-file=${COCO_LABELS} rules='{"lines": [{"name": "door", "points": [[0, 0], [9, 9]], "classes": ["persn"]}]}'`,
        'property rules: lines[0].classes[0]: unknown class "persn" (not in the labels file, property labels-file)',
      ],
    ];
    for (const [property, message] of cases) {
      const r = await gstLaunch(`videotestsrc num-buffers=2 ! tsanalytics ${property} ! fakesink`);
      expect(r.code, property).not.toBe(0);
      expect(r.output, property).toContain(message);
    }
  });

  it('tsoverlay draws the lines (with an arrow towards "in"), the zones translucent and the counters', async () => {
    const dir = tempDir();
    const raw = path.join(dir, 'frame.bgrx');
    const rules = { lines: [{ name: 'door', points: [[100, 10], [100, 230]] }], zones: [{ name: 'hall', points: [[200, 40], [300, 40], [300, 200], [200, 200]] }] };
    const r = await gstLaunch(
      `videotestsrc num-buffers=1 pattern=black ! video/x-raw,format=BGRx,width=320,height=240 ! tsanalytics rules='${JSON.stringify(rules)}' ! ` +
        `tsoverlay thickness=2 ! filesink location=${raw}`,
    );
    expect(r.code, r.output).toBe(0);
    const px = readFileSync(raw);
    expect(px.length).toBe(320 * 240 * 4);
    const at = (x: number, y: number) => [...px.subarray((y * 320 + x) * 4, (y * 320 + x) * 4 + 3)];
    const bright = (x: number, y: number) => Math.max(...at(x, y));
    // The line: 4 px wide (2 x thickness) at x = 100; nothing beside it.
    expect(bright(100, 120)).toBeGreaterThan(150);
    expect(bright(106, 200)).toBe(0);
    // The arrow at the middle of the line points right of its direction (down → screen left).
    expect(bright(100 - 12, 120)).toBeGreaterThan(150);
    expect(bright(100 + 12, 120)).toBe(0);
    // The zone: a translucent fill (1/4 of its colour over black) inside its outline, black outside it.
    const inside = at(250, 150);
    expect(Math.max(...inside)).toBeGreaterThan(20);
    expect(Math.max(...inside)).toBeLessThan(100);
    expect(bright(250, 230)).toBe(0);
    // The counter labels: ink near the line's first point and the zone's first corner.
    let ink = 0;
    for (let y = 0; y < 40; y++) for (let x = 100; x < 200; x++) if (bright(x, y) > 0) ink++;
    expect(ink).toBeGreaterThan(100);
  });

  it('sits in NVMM pipelines: any caps features pass through', async () => {
    const dir = tempDir();
    const counts = path.join(dir, 'counts.jsonl');
    const rules = path.join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ zones: [{ name: 'z', points: [[0, 0], [200, 0], [200, 200], [0, 200]] }] }));
    const tool = path.join(ROOT, 'build', 'roi-meta-pipeline');
    const r = await run(tool, [
      `videotestsrc num-buffers=5 ! video/x-raw,format=NV12,width=320,height=240 ! identity name=roi ! tsanalytics config=${rules} min-frames=1 module=${RECORD} module-args="{\\"counts\\":\\"${counts}\\"}" ! fakesink`,
      '--caps-features',
      'memory:NVMM',
      '--roi',
      'person,40,30,50,120',
      '--param',
      'object_id, id=(int)7',
    ]);
    expect(r.code, r.output).toBe(0);
    const perFrame = readLines<{ frame: number; counts: AnalyticsCounts }>(counts);
    expect(perFrame.map((c) => c.counts.zones.z.occupancy)).toEqual([1, 1, 1, 1, 1]);
    expect(perFrame[4].counts.zones.z.entries).toBe(1);
  });
});
