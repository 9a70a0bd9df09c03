/**
 * tstrack in real gst-launch-1.0 pipelines: detections come from tsdetect hooks (test/fixtures/hooks/track-*.ts),
 * ids are read back from tsexport's JSON Lines (which reads the ROI metas' object_id params off the buffer) and
 * events from the bus (gst-launch -m).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Detection } from 'tsvision';
import { createTracker } from '../../elements/track/index.js';
import { evaluateMot } from '../../eval/mot/metrics.js';
import { runPipelineSequence, sameRows } from '../../eval/mot/pipeline.js';
import { runOffline } from '../../eval/mot/run-offline.js';
import { HOOKS, ROOT, SHARED, gstLaunch, readJsonl, tempDir, type JsonlFrame, type RunResult } from '../helpers/gst';

const SOURCE = (frames: number) => `videotestsrc num-buffers=${frames} ! video/x-raw,width=640,height=480`;
const detect = (hook: string, args?: object) =>
  `tsdetect module=${HOOKS}/${hook}${args ? ` module-args='${JSON.stringify(args)}'` : ''}`;

type Obj = JsonlFrame['objects'][number] & { predicted?: boolean };

async function launch(pipeline: string, flags: string[] = []): Promise<RunResult> {
  const r = await gstLaunch(pipeline, { flags, timeoutMs: 90_000 });
  expect(r.timedOut, 'pipeline hung').toBe(false);
  expect(r.signal, `crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).toBe(0);
  return r;
}

async function track(frames: number, detector: string, tstrack = 'tstrack', flags: string[] = []) {
  const out = path.join(tempDir(), 'track.jsonl');
  const r = await launch(`${SOURCE(frames)} ! ${detector} ! ${tstrack} ! tsexport location=${out} ! fakesink`, flags);
  return { r, frames: readJsonl(out) };
}

const byLabel = (f: JsonlFrame, label: string): Obj[] => f.objects.filter((o) => o.label === label) as Obj[];

interface BusEvent {
  type: string;
  trackId: number;
  frame: number;
  label: string;
  box: number[];
}

/** `tstrack-event` element messages printed by gst-launch -m. */
function busEvents(output: string): BusEvent[] {
  const events: BusEvent[] = [];
  const num = '\\(g(?:int64|double)\\)(-?[\\d.e+-]+)';
  const re = new RegExp(
    `tstrack-event, type=\\(string\\)([\\w-]+), track-id=${num}, frame=${num}, label=\\(string\\)([^,]+), x=${num}, y=${num}, width=${num}, height=${num};`,
    'g',
  );
  for (const m of output.matchAll(re)) {
    events.push({ type: m[1], trackId: Number(m[2]), frame: Number(m[3]), label: m[4], box: m.slice(5, 9).map(Number) });
  }
  return events;
}

describe('tstrack element', () => {
  it('writes track ids onto the detector\'s metas: stable per object, distinct between objects, in tsexport', async () => {
    const { frames } = await track(20, detect('track-moving.ts', { static: true }));
    expect(frames).toHaveLength(20);
    const person = frames.map((f) => byLabel(f, 'person'));
    const car = frames.map((f) => byLabel(f, 'car'));
    for (const f of frames) expect(f.objects).toHaveLength(2); // ids go onto the existing metas, nothing is added
    const personId = person[0][0].track_id;
    const carId = car[0][0].track_id;
    expect(personId).toBeGreaterThanOrEqual(1);
    expect(carId).toBeGreaterThanOrEqual(1);
    expect(personId).not.toBe(carId);
    for (let i = 0; i < 20; i++) {
      expect(person[i][0].track_id, `frame ${i}`).toBe(personId);
      expect(car[i][0].track_id, `frame ${i}`).toBe(carId);
      expect(person[i][0].box.x).toBeCloseTo(10 + 4 * i, 6); // the detector's box, untouched
      expect(person[i][0].predicted).toBeUndefined();
    }
  });

  it('without tstrack the same pipeline has no ids (the ids above are tstrack\'s)', async () => {
    const out = path.join(tempDir(), 'plain.jsonl');
    await launch(`${SOURCE(3)} ! ${detect('track-moving.ts', { static: true })} ! tsexport location=${out} ! fakesink`);
    for (const f of readJsonl(out)) for (const o of f.objects) expect(o.track_id).toBeNull();
  });

  for (const tracker of ['bytetrack', 'sort']) {
    it(`${tracker}: keeps the id of a moving object through a 10-frame detection gap`, async () => {
      // min-hits 2 and fill-gaps 20 (the defaults before issue 16): a 10-frame gap is filled, SORT's hit streak is short.
      const { frames } = await track(40, detect('track-moving.ts', { static: true, gapStart: 10, gapLength: 10 }), `tstrack tracker=${tracker} min-hits=2 fill-gaps=20`);
      const ids = frames.map((f) => byLabel(f, 'person')[0]?.track_id ?? 'gap');
      const before = ids[5];
      expect(typeof before).toBe('number');
      expect(ids.slice(10, 20)).toEqual(Array(10).fill('gap')); // inference-interval=1: nothing predicted onto empty frames
      // Re-found on the first frame after the gap, with the same id (SORT reports it after its hit streak).
      const after = ids.slice(20).filter((id) => id !== null);
      expect(after.length).toBeGreaterThanOrEqual(tracker === 'sort' ? 15 : 20);
      expect(new Set(after)).toEqual(new Set([before]));
      expect(byLabel(frames[39], 'car')[0].track_id).not.toBe(before);
      // fill-gaps=20: the re-finding frame reports the 10 missed boxes, interpolated between the
      // detections of frames 9 and 20 (exact here: the object moves at constant speed), with their frames' pts.
      for (const f of frames) if (f.frame !== 20) expect(f.past_objects, `frame ${f.frame}`).toBeUndefined();
      const past = frames[20].past_objects ?? [];
      expect(past.map((p) => p.frame)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      for (const p of past) {
        expect(p.frames_ago).toBe(20 - p.frame!);
        expect(p.pts).toBe(frames[p.frame!].pts);
        expect(p.track_id).toBe(before);
        expect(p.label).toBe('person');
        expect(p.interpolated).toBe(true);
        expect(p.box.x).toBeCloseTo(10 + 4 * p.frame!, 6);
        expect([p.box.y, p.box.width, p.box.height].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([40, 40, 80]);
      }
    });
  }

  it('fill-gaps=0 reports no past-frame objects; a gap longer than fill-gaps is not filled', async () => {
    for (const tstrack of ['tstrack fill-gaps=0', 'tstrack fill-gaps=9']) {
      const { frames } = await track(40, detect('track-moving.ts', { gapStart: 10, gapLength: 10 }), tstrack);
      expect(byLabel(frames[20], 'person')[0].track_id, tstrack).toBe(byLabel(frames[5], 'person')[0].track_id);
      for (const f of frames) expect(f.past_objects, `${tstrack}: frame ${f.frame}`).toBeUndefined();
    }
  });

  it('ids are unique per stream and never reused; track-started / track-lost on the bus', async () => {
    const { r, frames } = await track(100, detect('track-churn.ts'), 'tstrack max-lost-frames=2', ['-m']);
    const idsOf = new Map<string, Set<number>>();
    for (const f of frames) {
      for (const o of f.objects) {
        if (o.track_id === null) continue;
        const s = idsOf.get(o.label) ?? new Set<number>();
        s.add(o.track_id);
        idsOf.set(o.label, s);
      }
    }
    expect(idsOf.size).toBe(30);
    const owner = new Map<number, string>();
    for (const [label, ids] of idsOf) {
      expect(ids.size, `${label} has one id`).toBe(1);
      const [id] = ids;
      expect(owner.get(id), `id ${id} belongs to ${owner.get(id)} and ${label}`).toBeUndefined();
      owner.set(id, label);
    }
    const events = busEvents(r.output);
    const started = events.filter((e) => e.type === 'track-started').map((e) => e.trackId);
    const lost = events.filter((e) => e.type === 'track-lost');
    expect(started).toEqual([...owner.keys()].sort((a, b) => a - b));
    expect(started[0]).toBe(1);
    for (let i = 1; i < started.length; i++) expect(started[i]).toBe(started[i - 1] + 1);
    // Every track is lost 3 frames after its object's last frame (max-lost-frames=2).
    expect(lost.length).toBe(30);
    for (const e of lost) {
      const k = Number(owner.get(e.trackId)!.slice(3));
      expect(e.frame, `track ${e.trackId} (obj${k})`).toBe(3 * k + 5 + 3);
      expect(e.label).toBe(`obj${k}`);
      expect(e.box).toEqual([60 * (k % 10) + 5, 150 * Math.floor(k / 10) + 5, 40, 80]);
    }
  });

  it('frames tsdetect inference-interval skips (marked on the buffer) get predicted boxes with the track ids', async () => {
    const { frames } = await track(12, `tsdetect inference-interval=4 module=${HOOKS}/track-moving.ts module-args='{"static":true}'`);
    const personId = byLabel(frames[0], 'person')[0].track_id;
    expect(personId).not.toBeNull();
    let lastX = -Infinity;
    for (const f of frames) {
      const p = byLabel(f, 'person');
      expect(p, `frame ${f.frame}`).toHaveLength(1);
      expect(p[0].track_id).toBe(personId);
      expect(p[0].predicted ?? false, `frame ${f.frame}`).toBe(f.frame % 4 !== 0);
      expect(byLabel(f, 'car')[0].predicted ?? false).toBe(f.frame % 4 !== 0);
      expect(p[0].box.x).toBeGreaterThanOrEqual(lastX - 1e-6);
      lastX = p[0].box.x;
    }
    expect(byLabel(frames[8], 'person')[0].box.x).toBeCloseTo(10 + 4 * 8, 6); // detected again: the detector's box
  });

  it('own inference-interval (detectors that do not mark skipped frames): predicted boxes with the track ids', async () => {
    const args = { static: true, every: 3 };
    const { frames } = await track(24, detect('track-moving.ts', args), 'tstrack inference-interval=3');
    const personId = byLabel(frames[0], 'person')[0].track_id;
    const carId = byLabel(frames[0], 'car')[0].track_id;
    let lastX = -Infinity;
    for (const f of frames) {
      const p = byLabel(f, 'person');
      const c = byLabel(f, 'car');
      expect(p, `frame ${f.frame}`).toHaveLength(1);
      expect(c, `frame ${f.frame}`).toHaveLength(1);
      expect(p[0].track_id).toBe(personId);
      expect(c[0].track_id).toBe(carId);
      const skipped = f.frame % 3 !== 0;
      expect(p[0].predicted ?? false, `frame ${f.frame}`).toBe(skipped);
      expect(c[0].predicted ?? false).toBe(skipped);
      // The moving box's prediction moves on (never backwards); the still one stays put.
      expect(p[0].box.x).toBeGreaterThanOrEqual(lastX - 1e-6);
      lastX = p[0].box.x;
      expect(c[0].box.x).toBeCloseTo(500, 0);
      expect(p[0].box.width).toBeCloseTo(40, 0);
    }
    expect(byLabel(frames[23], 'person')[0].box.x).toBeGreaterThan(byLabel(frames[21], 'person')[0].box.x);

    // The same stream with the default inference-interval=1: the empty frames are empty detections.
    const plain = await track(24, detect('track-moving.ts', args));
    for (const f of plain.frames) expect(f.objects.length, `frame ${f.frame}`).toBe(f.frame % 3 === 0 ? 2 : 0);
    expect(plain.frames.filter((f) => f.frame % 3 === 0).every((f) => f.objects.every((o) => o.track_id !== null))).toBe(true);

    // predicted-max-age=0: a track is never older than 0 frames on a frame without inference, so nothing is added.
    const none = await track(9, detect('track-moving.ts', args), 'tstrack inference-interval=3 predicted-max-age=0');
    for (const f of none.frames) expect(f.objects.length).toBe(f.frame % 3 === 0 ? 2 : 0);
  });

  it('a hook update() replaces the tracker; ids it returns go onto the metas and events follow them', async () => {
    const { r, frames } = await track(6, detect('track-moving.ts', { static: true }), `tstrack module=${HOOKS}/track-update-hook.ts`, ['-m']);
    for (const f of frames) {
      expect(byLabel(f, 'person')[0].track_id).toBe(4242);
      expect(byLabel(f, 'car')[0].track_id).toBeNull();
      const ghost = byLabel(f, 'ghost');
      expect(ghost).toHaveLength(1);
      expect(ghost[0].track_id).toBe(7);
      expect(ghost[0].predicted).toBe(true);
      expect(byLabel(f, 'broken')).toHaveLength(0);
    }
    // The NaN box returned on frame 2 is ignored with a warning; the pipeline goes on.
    expect(r.output).toMatch(/WARNING: from element .*tstrack0: ignored 1 invalid object\(s\) returned by update\(\) on frame 2 .*1 ignored so far/);
    const events = busEvents(r.output);
    expect(events.map((e) => [e.type, e.trackId, e.frame])).toEqual([['track-started', 4242, 0]]);
  });

  it('onEvent() receives the same events that go on the bus', async () => {
    const { r } = await track(60, detect('track-churn.ts'), `tstrack max-lost-frames=2 module=${HOOKS}/track-events.ts`, ['-m']);
    const bus = busEvents(r.output).map((e) => `${e.type}/${e.trackId}/${e.frame}/${e.label}`);
    const hook = [
      ...r.output.matchAll(
        /track-hook-event, type=\(string\)([\w-]+), id=\(gint64\)(\d+), frame=\(gint64\)(\d+), label=\(string\)(\w+);/g,
      ),
    ].map((m) => `${m[1]}/${m[2]}/${m[3]}/${m[4]}`);
    expect(bus.length).toBeGreaterThan(20);
    expect(bus.some((e) => e.startsWith('track-lost'))).toBe(true);
    expect(hook).toEqual(bus);
  });

  it('bad input (negative sizes, NaN confidence) is ignored with a rate-limited warning and a count, no crash', async () => {
    const { r, frames } = await track(150, detect('track-bad.ts'));
    expect(frames).toHaveLength(150);
    for (const f of frames) {
      expect(byLabel(f, 'good')[0].track_id).toBe(1);
      expect(byLabel(f, 'negative')[0].track_id).toBeNull();
      expect(byLabel(f, 'nan')[0].track_id).toBeNull();
    }
    const warnings = [...r.output.matchAll(/WARNING: from element \/GstPipeline:pipeline0\/GstTsTrack:tstrack0: (.*)/g)].map((m) => m[1]);
    // The first rejecting frame, then every 100th: 2 warnings for 150 frames, with running counts.
    expect(warnings).toEqual([
      'tstrack0: ignored 2 invalid detection(s) on frame 0 (non-finite numbers or non-positive size); 2 ignored so far on 1 frame(s)',
      'tstrack0: ignored 2 invalid detection(s) on frame 99 (non-finite numbers or non-positive size); 200 ignored so far on 100 frame(s)',
    ]);
  });

  it('an unknown hook export and a bad module-args fail with clear errors', async () => {
    const bad = await gstLaunch(`${SOURCE(2)} ! tstrack module=${HOOKS}/filter-people.ts ! fakesink`);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/ERROR: from element \/GstPipeline:pipeline0\/GstTsTrack:tstrack0/);
    expect(bad.output).toMatch(/exports unknown hook "filter"; this element's hooks are: setup, update, onEvent, teardown/);
    const args = await gstLaunch(`${SOURCE(2)} ! tstrack module=${HOOKS}/track-events.ts module-args={oops} ! fakesink`);
    expect(args.code).not.toBe(0);
    expect(args.output).toMatch(/module-args is not valid JSON/);
  });

  it('frames reach an async update() hook strictly in order with frames in flight', async () => {
    const { frames } = await track(60, detect('track-moving.ts'), `tstrack max-inflight=4 module=${HOOKS}/track-async-order.ts`);
    expect(frames).toHaveLength(60);
    for (const f of frames) expect(byLabel(f, 'person')[0].track_id).toBe(f.frame + 1);
  });
});

describe('default bytetrack additions (elements/track, used by tstrack)', () => {
  const box = (x: number, y: number, width = 40, height = 80, confidence = 0.9): Detection => ({
    box: { x, y, width, height },
    label: 'person',
    classId: 0,
    confidence,
  });

  it('maxHeightChange: a track does not jump onto a box of half its height (a partial-body detection)', () => {
    for (const maxHeightChange of [2, 0]) {
      const t = createTracker('bytetrack', { maxHeightChange });
      let id: number | null = null;
      for (let f = 0; f < 10; f++) id = t.update([box(100, 100)], f).ids[0];
      // Head and torso only: IoU 0.375 with the track, enough for matchThreshold 0.2, but 30 px vs 80 px tall.
      const out = t.update([box(100, 100, 40, 30)], 10);
      expect(out.ids[0]).toBe(maxHeightChange === 0 ? id : null);
    }
  });

  it('lostMatchThreshold: a lost track is re-found where it was last seen after its prediction drifted away', () => {
    for (const lostMatchThreshold of [0.1, 0]) {
      const t = createTracker('bytetrack', { lostMatchThreshold });
      let id: number | null = null;
      for (let f = 0; f < 20; f++) id = t.update([box(20 + 6 * f, 100)], f).ids[0];
      for (let f = 20; f < 28; f++) t.update([], f); // occluded; the prediction moves on 48 px
      // It stopped behind the occluder and reappears where it was last seen (no overlap with the prediction).
      const back = t.update([box(20 + 6 * 19 + 2, 100)], 28);
      if (lostMatchThreshold > 0) expect(back.ids[0]).toBe(id);
      else expect(back.ids[0]).not.toBe(id);
      // A box of another size there is not the same object.
      const t2 = createTracker('bytetrack', { lostMatchThreshold });
      for (let f = 0; f < 20; f++) t2.update([box(20 + 6 * f, 100)], f);
      for (let f = 20; f < 28; f++) t2.update([], f);
      expect(t2.update([box(20 + 6 * 19, 100, 60, 120)], 28).ids[0]).toBeNull();
    }
  });
});

const MOT = path.join(SHARED, 'mot', 'MOT15', 'TUD-Campus');

describe('MOT evaluation through the pipeline', () => {
  it('TUD-Campus: tsdetect (det.txt replay) ! tstrack ! tsexport equals runOffline() with the same parameters', async () => {
    const detText = readFileSync(path.join(MOT, 'det', 'det.txt'), 'utf8');
    const gtText = readFileSync(path.join(MOT, 'gt', 'gt.txt'), 'utf8');
    for (const params of [{}, { lostMatchThreshold: 0, maxHeightChange: 0, maxLostFrames: 10 }]) {
      const pipe = await runPipelineSequence(MOT, { root: ROOT, params });
      const offline = runOffline(detText, { params });
      expect(pipe.numFrames).toBe(71);
      expect(pipe.rows.length).toBeGreaterThan(200);
      expect(sameRows(pipe.rows, offline.rows)).toBe(true);
      const m = evaluateMot(gtText, pipe.text);
      const o = evaluateMot(gtText, offline.text);
      console.log(
        `[TUD-Campus pipeline ${JSON.stringify(params)}] MOTA ${m.mota.toFixed(4)} IDF1 ${m.idf1.toFixed(4)} FP ${m.fp} FN ${m.fn} IDSW ${m.idsw} tracks ${pipe.trackCount}`,
      );
      // Same errors; MOTP differs in the last digits (boxes through normalised ROI-meta coordinates).
      expect([m.mota, m.idf1, m.fp, m.fn, m.idsw, m.numMatches]).toEqual([o.mota, o.idf1, o.fp, o.fn, o.idsw, o.numMatches]);
      expect(m.motp).toBeCloseTo(o.motp, 6);
    }
  });
});
