/**
 * Cross-stream batching on a real model: two streams in one gst-launch-1.0 process share one
 * session (model-instance-id) of a detector whose batch axis was made dynamic at test time
 * (models/dynamic-batch.ts), so their frames run two at a time; each stream's results must be
 * those it gets alone.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA, MODELS, gstLaunch, readJsonl, tempDir, type JsonlFrame, type RunResult } from '../helpers/gst';
import { withDynamicBatch } from '../../models/dynamic-batch';

// light_person_detector: its head reshapes with a hard-coded batch of 1, rewritten to 0 ("copy the
// input's batch"); the rewritten model gives exactly the original's outputs item by item
// (test/unit/onnx-batch.test.ts). The file keeps its name so the model manifest still describes it
// (preprocessing, the label "person").
const MODEL_FILE = 'light_person_detector.onnx';

// Two different streams: the person video as H.264 and as VP8, thinned to 2 and 3 frames a second
// (so people are in view within a few seconds of output) and cut after about 40 frames.
const SOURCES = {
  a: `filesrc location=${MEDIA}/one-by-one-person-detection.mp4 ! qtdemux ! avdec_h264 ! videorate drop-only=true max-rate=2 ! identity eos-after=40`,
  b: `filesrc location=${MEDIA}/one-by-one-person-detection.vp8.webm ! matroskademux ! vp8dec ! videorate drop-only=true max-rate=3 ! identity eos-after=40`,
} as const;
type Stream = keyof typeof SOURCES;

const STATS = /<(tsdetect\d+)>.*inference ran (\d+) frames in (\d+) runs \(batch-size (\d+), (dynamic|fixed) batch axis\)/g;

interface Stats {
  element: string;
  frames: number;
  runs: number;
  batchSize: number;
  axis: string;
}

function inferenceStats(r: RunResult): Stats[] {
  return [...r.output.matchAll(STATS)].map((m) => ({ element: m[1], frames: Number(m[2]), runs: Number(m[3]), batchSize: Number(m[4]), axis: m[5] }));
}

/** Same frames, in the same order, with the same objects (boxes within 0.5 px, confidence within 1e-3). */
function expectSameDetections(actual: JsonlFrame[], expected: JsonlFrame[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((f, i) => {
    const e = expected[i];
    const where = `${what} frame ${i}`;
    expect([f.frame, f.pts, f.width, f.height], where).toEqual([e.frame, e.pts, e.width, e.height]);
    expect(f.objects.map((o) => o.label), where).toEqual(e.objects.map((o) => o.label));
    f.objects.forEach((o, k) => {
      const eo = e.objects[k];
      expect(o.class_id, where).toBe(eo.class_id);
      expect(Math.abs(o.confidence - eo.confidence), where).toBeLessThanOrEqual(1e-3);
      for (const key of ['x', 'y', 'width', 'height'] as const) {
        expect(Math.abs(o.box[key] - eo.box[key]), `${where} box.${key}`).toBeLessThanOrEqual(0.5);
      }
    });
  });
}

describe('cross-stream batching with a dynamic-batch model', () => {
  let dir: string;
  let model: string;

  beforeAll(() => {
    dir = tempDir('tsvision-batching-');
    model = path.join(dir, MODEL_FILE);
    const report = withDynamicBatch(path.join(MODELS, MODEL_FILE), model, 'N', { reshapeBatch: true });
    expect(report.inputs).toEqual(['images']);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('two streams in one process run two frames per inference and get the results they get alone', async () => {
    const detect = `tsdetect model=${model} threshold=0.3`;
    const env = { GST_DEBUG: 'tsdetect:4' };

    // Each stream alone, batch-size 1, no shared session.
    const alone = {} as Record<Stream, JsonlFrame[]>;
    for (const s of ['a', 'b'] as const) {
      const out = path.join(dir, `alone-${s}.jsonl`);
      const r = await gstLaunch(`${SOURCES[s]} ! ${detect} batch-size=1 ! tsexport location=${out} ! fakesink`, { env });
      expect(r.code, r.output).toBe(0);
      alone[s] = readJsonl(out);
      const [stats] = inferenceStats(r);
      expect(stats, r.output).toMatchObject({ frames: alone[s].length, runs: alone[s].length, batchSize: 1, axis: 'dynamic' });
    }

    // Both streams in one pipeline sharing one session and its batcher.
    const shared = `${detect} model-instance-id=shared batch-size=2 batch-timeout=50`;
    const r = await gstLaunch(
      `${SOURCES.a} ! ${shared} ! tsexport location=${dir}/a.jsonl ! fakesink ` +
        `${SOURCES.b} ! ${shared} ! tsexport location=${dir}/b.jsonl ! fakesink`,
      { env },
    );
    expect(r.code, r.output).toBe(0);
    const together: Record<Stream, JsonlFrame[]> = { a: readJsonl(`${dir}/a.jsonl`), b: readJsonl(`${dir}/b.jsonl`) };

    // (c) every frame comes out once, in order.
    for (const s of ['a', 'b'] as const) {
      const frames = together[s];
      // identity eos-after=40 cuts each stream near 40 frames (39 to 43, the same in every run).
      expect(frames.length, s).toBeGreaterThanOrEqual(35);
      frames.forEach((f, i) => {
        expect(f.frame).toBe(i);
        expect([f.width, f.height]).toEqual([768, 432]);
        if (i > 0) expect(f.pts!).toBeGreaterThan(frames[i - 1].pts!);
      });
    }

    // (a) the shared batcher served both streams' frames in fewer runs than frames.
    const stats = inferenceStats(r);
    expect(stats.map((s) => s.element).sort(), r.output).toEqual(['tsdetect0', 'tsdetect1']);
    const total = together.a.length + together.b.length;
    for (const s of stats) {
      expect(s, r.output).toMatchObject({ frames: total, batchSize: 2, axis: 'dynamic' });
      expect(s.runs).toBeLessThan(s.frames);
      expect(s.runs).toBeGreaterThanOrEqual(Math.ceil(s.frames / 2));
    }

    // (b) batched with another stream, each stream gets what it gets alone.
    expectSameDetections(together.a, alone.a, 'stream a');
    expectSameDetections(together.b, alone.b, 'stream b');
    // The clip has people in it (the comparison is not one of empty frames).
    for (const s of ['a', 'b'] as const) {
      expect(together[s].filter((f) => f.objects.some((o) => o.label === 'person')).length, s).toBeGreaterThan(10);
    }
  });

  it('a model whose outputs do not carry the batch axis runs inputs one by one, with a warning', async () => {
    // Without the Reshape fix the rewritten graph folds the batch into the anchor axis: outputs [1, 2N, …].
    const folded = path.join(dir, 'folded', MODEL_FILE);
    mkdirSync(path.dirname(folded));
    withDynamicBatch(path.join(MODELS, MODEL_FILE), folded, 'N');
    const out = path.join(dir, 'folded.jsonl');
    const r = await gstLaunch(`${SOURCES.a} ! tsdetect model=${folded} threshold=0.3 model-instance-id=x batch-size=2 ! tsexport location=${out} ! fakesink`, {
      env: { GST_DEBUG: 'tsdetect:4' },
      timeoutMs: 60_000,
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/declares a dynamic batch axis but output \S+ has shape \[1, \d+, \d+\] for a batch of 2 .*inputs run one by one/);
    const [stats] = inferenceStats(r);
    expect(stats.frames).toBe(stats.runs);
    expect(readJsonl(out).length).toBe(stats.frames);
  });
});
