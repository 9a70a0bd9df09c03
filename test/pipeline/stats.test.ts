/**
 * Figures every tsvision element keeps about itself, in real gst-launch-1.0 pipelines: the `tsvision-stats`
 * element messages (`stats-interval`, gst-launch -m prints them) of tsdetect (a real model and a hook),
 * tstrack, tsexport and tsoverlay, and the process's Prometheus endpoint (TSVISION_METRICS_ADDRESS), fetched
 * while a live pipeline runs and checked with `promtool check metrics` (scripts/setup.sh unpacks it into
 * .deps/prometheus).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COCO_LABELS, HOOKS, ROOT, YOLOX, freePort, gstEnv, gstLaunch, readJsonl, shellWords, tempDir } from '../helpers/gst';

const PROMTOOL = path.join(ROOT, '.deps', 'prometheus', 'usr', 'bin', 'promtool');
const FPS = 10;
const SOURCE = (frames: number) =>
  `videotestsrc is-live=true num-buffers=${frames} ! video/x-raw,width=320,height=240,framerate=${FPS}/1`;
/** A real model, and a hook (it keeps people and adds a marker box on every frame, so tsoverlay draws). */
const DETECT = `tsdetect name=det model=${YOLOX} labels-file=${COCO_LABELS} module=${HOOKS}/filter-people.ts max-inflight=2`;
const ELEMENTS = [
  { name: 'det', kind: 'detect' },
  { name: 'trk', kind: 'track' },
  { name: 'exp', kind: 'export' },
  { name: 'ovl', kind: 'overlay' },
] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `tsvision-stats` messages printed by gst-launch -m, by element name, in order; fields as numbers. */
function statsMessages(output: string): Map<string, Record<string, number>[]> {
  const byElement = new Map<string, Record<string, number>[]>();
  for (const m of output.matchAll(/from element "([^"]+)" \(element\): tsvision-stats, (.*);$/gm)) {
    const fields: Record<string, number> = {};
    for (const f of m[2].split(', ')) {
      const fm = /^([\w-]+)=\((\w+)\)(.*)$/.exec(f);
      if (!fm) throw new Error(`unexpected field "${f}" in ${m[0]}`);
      fields[fm[1]] = Number(fm[3]);
    }
    byElement.set(m[1], [...(byElement.get(m[1]) ?? []), fields]);
  }
  return byElement;
}

describe('tsvision-stats element messages', () => {
  it('tsdetect, tstrack, tsexport and tsoverlay post their figures every stats-interval and at the end', async () => {
    const frames = 12;
    const dir = tempDir();
    const jsonl = path.join(dir, 'out.jsonl');
    const r = await gstLaunch(
      `${SOURCE(frames)} ! ${DETECT} stats-interval=0.2 ! tstrack name=trk stats-interval=0.2 ! ` +
        `tsexport name=exp location=${jsonl} stats-interval=0.2 ! tsoverlay name=ovl stats-interval=0.2 ! fakesink`,
      { flags: ['-m'] },
    );
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(jsonl)).toHaveLength(frames);
    const messages = statsMessages(r.stdout);
    expect([...messages.keys()].sort()).toEqual(ELEMENTS.map((e) => e.name).sort());
    for (const { name } of ELEMENTS) {
      const list = messages.get(name)!;
      // The frames arrive over (frames - 1) / FPS = 1.1 s of a live clock: several 0.2 s intervals, then EOS.
      expect(list.length, name).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < list.length; i++) expect(list[i].frames, `${name} message ${i}`).toBeGreaterThan(list[i - 1].frames);
      expect(list.at(-1)!.frames, `${name}: the last message counts every frame`).toBe(frames);
      for (const m of list) {
        expect(m.fps, name).toBeGreaterThan(0);
        expect(Number.isFinite(m.fps), name).toBe(true);
        expect(m['frame-p50-ms'], name).toBeGreaterThanOrEqual(0);
        expect(m['frame-p99-ms'], name).toBeGreaterThanOrEqual(m['frame-p50-ms']);
        expect(m.waiting, name).toBeLessThanOrEqual(2); // max-inflight
        expect(m.dropped, name).toBe(0);
        expect(m.restarts, name).toBe(0);
        for (const v of Object.values(m)) expect(Number.isNaN(v), `${name}: no NaN field in ${JSON.stringify(m)}`).toBe(false);
      }
    }
    // tsdetect: its model and its hook; the others have neither, and no such fields.
    for (const m of messages.get('det')!) {
      expect(m['frame-p50-ms']).toBeGreaterThan(0);
      expect(m['model-p50-ms']).toBeGreaterThan(0);
      expect(m['model-p99-ms']).toBeGreaterThanOrEqual(m['model-p50-ms']);
      expect(m['hook-p50-ms']).toBeGreaterThan(0);
      expect(m['hook-p99-ms']).toBeGreaterThanOrEqual(m['hook-p50-ms']);
      // the breakdown of its work: preprocessing, decoding + NMS, writing the metas
      for (const phase of ['preprocess', 'decode', 'meta']) {
        expect(m[`${phase}-p50-ms`], phase).toBeGreaterThan(0);
        expect(m[`${phase}-p99-ms`], phase).toBeGreaterThanOrEqual(m[`${phase}-p50-ms`]);
      }
    }
    const base = ['frames', 'fps', 'frame-p50-ms', 'frame-p99-ms', 'waiting', 'dropped', 'restarts'];
    // tstrack writes ids onto the metas; tsexport and tsoverlay only have their whole time
    expect(Object.keys(messages.get('trk')![0]), 'trk').toEqual([...base.slice(0, 4), 'meta-p50-ms', 'meta-p99-ms', ...base.slice(4)]);
    for (const name of ['exp', 'ovl']) expect(Object.keys(messages.get(name)![0]), name).toEqual(base);
    for (const name of ['exp', 'ovl']) for (const m of messages.get(name)!) expect(m.waiting, name).toBe(0);
  });
});

// ---- the Prometheus endpoint -------------------------------------------------------------------

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Sample lines of the Prometheus text format: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: "${line}"`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

function promtool(text: string): { status: number | null; output: string } {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing: run scripts/setup.sh (it unpacks Debian's prometheus package)`);
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ?? ''}` };
}

describe('Prometheus endpoint (TSVISION_METRICS_ADDRESS)', () => {
  it('serves every element of a live pipeline; valid for promtool; 404 elsewhere; stats-interval=0 posts no messages', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Long enough never to end by itself before the test has what it needs; the test ends it with SIGINT (-e: EOS).
    const pipeline =
      `${SOURCE(600)} ! ${DETECT} ! tstrack name=trk ! tsexport name=exp stats-interval=0 ! tsoverlay name=ovl ! fakesink`;
    const child = spawn('gst-launch-1.0', ['-m', '-e', ...shellWords(pipeline)], {
      env: gstEnv({ TSVISION_METRICS_ADDRESS: `127.0.0.1:${port}` }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    // Until every element has passed a few frames.
    const frameCount = (values: Map<string, number>, name: string, kind: string) =>
      values.get(`tsvision_frames_total{element="${name}",kind="${kind}"}`) ?? 0;
    let text = '';
    for (let deadline = Date.now() + 60_000; ; await sleep(100)) {
      expect(child.exitCode, `gst-launch ended early:\n${output}`).toBeNull();
      expect(Date.now() < deadline, `no figures from every element at ${url}/metrics:\n${text}\n${output}`).toBe(true);
      const res = await fetch(`${url}/metrics`).catch(() => null);
      if (!res) continue; // not listening yet
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      text = await res.text();
      const values = samples(text);
      if (ELEMENTS.every((e) => frameCount(values, e.name, e.kind) >= 3)) break;
    }
    const notFound = await fetch(`${url}/nothing-here`);
    expect(notFound.status).toBe(404);
    await notFound.arrayBuffer();

    const checked = promtool(text);
    expect(checked.status, `promtool check metrics:\n${checked.output}\n${text}`).toBe(0);

    for (const family of ['frames_total', 'frames_dropped_total', 'restarts_total']) expect(text).toContain(`# TYPE tsvision_${family} counter\n`);
    expect(text).toContain('# TYPE tsvision_frames_waiting gauge\n');
    for (const family of ['frame', 'hook', 'model']) expect(text).toContain(`# TYPE tsvision_${family}_seconds summary\n`);
    const values = samples(text);
    for (const { name, kind } of ELEMENTS) {
      const labels = `element="${name}",kind="${kind}"`;
      const frames = values.get(`tsvision_frames_total{${labels}}`)!;
      expect(frames, name).toBeGreaterThanOrEqual(3);
      expect(values.get(`tsvision_frames_dropped_total{${labels}}`), name).toBe(0);
      expect(values.get(`tsvision_restarts_total{${labels}}`), name).toBe(0);
      expect(values.get(`tsvision_frames_waiting{${labels}}`), name).toBeLessThanOrEqual(2);
      const summary = (family: string) => ({
        p50: values.get(`tsvision_${family}_seconds{${labels},quantile="0.5"}`),
        p99: values.get(`tsvision_${family}_seconds{${labels},quantile="0.99"}`),
        sum: values.get(`tsvision_${family}_seconds_sum{${labels}}`),
        count: values.get(`tsvision_${family}_seconds_count{${labels}}`),
      });
      const frame = summary('frame');
      expect(frame.count, `${name}: one sample per frame`).toBe(frames);
      expect(frame.p50, name).toBeGreaterThanOrEqual(0);
      expect(frame.p99, name).toBeGreaterThanOrEqual(frame.p50!);
      expect(frame.sum, name).toBeGreaterThanOrEqual(0);
      if (kind === 'detect') {
        for (const family of ['hook', 'model']) {
          const s = summary(family);
          expect(s.p50, `${name} ${family}`).toBeGreaterThan(0);
          expect(s.p99, `${name} ${family}`).toBeGreaterThanOrEqual(s.p50!);
          expect(s.sum, `${name} ${family}`).toBeGreaterThan(0);
          expect(s.count, `${name} ${family}`).toBe(frames);
        }
        // Seconds, not milliseconds: yolox_nano on 320x240 takes well under a second per frame.
        expect(summary('model').p50!).toBeLessThan(1);
      } else {
        // No hook, no model: no summaries of them (not NaN ones).
        expect(summary('hook'), name).toEqual({ p50: undefined, p99: undefined, sum: undefined, count: undefined });
        expect(summary('model'), name).toEqual({ p50: undefined, p99: undefined, sum: undefined, count: undefined });
      }
    }

    child.kill('SIGINT');
    expect(await closed, output).toBe(0);
    expect(output).not.toContain('tsvision-stats');
  });

  it('a TSVISION_METRICS_ADDRESS that is not HOST:PORT, or a port in use, is a clear message and no endpoint', async () => {
    const quick = 'videotestsrc num-buffers=3 ! tsexport ! tsoverlay ! fakesink';
    const bad = await gstLaunch(quick, { env: { TSVISION_METRICS_ADDRESS: 'localhost-9464' } });
    expect(bad.code, bad.output).toBe(0);
    expect(bad.stderr).toContain('tsvision: TSVISION_METRICS_ADDRESS=localhost-9464 is not HOST:PORT (e.g. 127.0.0.1:9464): no metrics endpoint');
    const badPort = await gstLaunch(quick, { env: { TSVISION_METRICS_ADDRESS: '127.0.0.1:99999' } });
    expect(badPort.code, badPort.output).toBe(0);
    expect(badPort.stderr).toContain('TSVISION_METRICS_ADDRESS=127.0.0.1:99999 is not HOST:PORT');

    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const inUse = await gstLaunch(quick, { env: { TSVISION_METRICS_ADDRESS: `127.0.0.1:${port}` } });
      expect(inUse.code, inUse.output).toBe(0);
      expect(inUse.stderr).toContain(`tsvision: TSVISION_METRICS_ADDRESS=127.0.0.1:${port}: cannot listen: Address already in use: no metrics endpoint`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
