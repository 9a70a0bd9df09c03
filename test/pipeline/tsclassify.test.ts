/**
 * tsclassify in real gst-launch-1.0 pipelines, on the real ImageNet MobileNetV2 and OSNet models from ../shared:
 * full-frame and per-object classification, reclassify-interval with tstrack, embeddings, the postprocess hook,
 * and bad input. Results are read back from tsexport's JSON Lines (which reads the ROI meta params and the frame
 * classification meta off the buffer).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COCO_LABELS, HOOKS, MEDIA, MODELS, YOLOX, gstLaunch, readJsonl, tempDir, type RunResult } from '../helpers/gst';
import { withDynamicBatch } from '../../models/dynamic-batch';

const MOBILENET = path.join(MODELS, 'mobilenet_v2_quant_nnstreamer.onnx');
const IMAGENET_LABELS = path.join(MODELS, 'imagenet_classes_1000.txt');
const OSNET = path.join(MODELS, 'osnet_x0_25_msmt17.onnx');
/** ImageNet class ids 151..268 are the dog breeds. */
const isDogBreed = (classId: number) => classId >= 151 && classId <= 268;

interface Classification {
  attribute: string;
  label: string;
  class_id: number;
  confidence: number;
  embedding?: number[];
}
interface ExportedObject {
  box: { x: number; y: number; width: number; height: number };
  label: string;
  track_id: number | null;
  predicted?: boolean;
  classifications: Classification[];
}
interface ExportedFrame {
  frame: number;
  objects: ExportedObject[];
  classifications?: Classification[];
}

async function launch(pipeline: string, env: Record<string, string> = {}, flags: string[] = []): Promise<RunResult> {
  const r = await gstLaunch(pipeline, { env, flags, timeoutMs: 120_000 });
  expect(r.timedOut, 'pipeline hung').toBe(false);
  expect(r.signal, `crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).toBe(0);
  return r;
}

/** Runs `chain` between a decoded still image and tsexport; returns the exported frames. */
async function classifyImage(image: string, chain: string, env: Record<string, string> = {}): Promise<{ frames: ExportedFrame[]; r: RunResult }> {
  const out = path.join(tempDir(), 'out.jsonl');
  const decode = image.endsWith('.png') ? 'pngdec' : 'jpegdec';
  const r = await launch(`filesrc location=${path.join(MEDIA, image)} ! ${decode} ! videoconvert ! ${chain} ! tsexport location=${out} ! fakesink`, env);
  return { frames: readJsonl(out) as unknown as ExportedFrame[], r };
}

/** "inference ran N inputs in M runs" of each tsclassify (GST_DEBUG=tsclassify:4). */
function inferenceStats(r: RunResult): { inputs: number; runs: number }[] {
  return [...r.output.matchAll(/inference ran (\d+) inputs in (\d+) runs/g)].map((m) => ({ inputs: Number(m[1]), runs: Number(m[2]) }));
}

const FULL_FRAME = `tsclassify model=${MOBILENET} labels-file=${IMAGENET_LABELS} inference-region=full-frame`;

describe('tsclassify: full frame', () => {
  it('eagle.jpg is a bald eagle; top-k=3 gives the three best classes, best first', async () => {
    const { frames } = await classifyImage('eagle.jpg', `${FULL_FRAME} top-k=3`);
    expect(frames).toHaveLength(1);
    const [c] = frames;
    expect(c.objects).toEqual([]);
    const classes = c.classifications!;
    expect(classes).toHaveLength(3);
    expect(classes[0]).toMatchObject({ attribute: 'tsclassify0', label: 'bald eagle', class_id: 22 });
    expect(classes[0].confidence).toBeGreaterThan(0.5);
    expect(classes[0].confidence).toBeGreaterThan(classes[1].confidence);
    expect(classes[1].confidence).toBeGreaterThan(classes[2].confidence);
    expect(classes.reduce((a, k) => a + k.confidence, 0)).toBeLessThanOrEqual(1.0001); // softmax probabilities
  });

  it('orange.png is an orange and dog.jpg a dog breed', async () => {
    const orange = await classifyImage('orange.png', FULL_FRAME);
    expect(orange.frames[0].classifications).toEqual([expect.objectContaining({ label: 'orange', class_id: 950 })]);
    // the labels come from the model manifest when labels-file is not set
    const dog = await classifyImage('dog.jpg', `tsclassify model=${MOBILENET} inference-region=full-frame attribute-name=scene`);
    const [c] = dog.frames[0].classifications!;
    expect(c.attribute).toBe('scene');
    expect(isDogBreed(c.class_id), `${c.label} (${c.class_id}) is not a dog breed`).toBe(true);
  });

  it('threshold drops classes below it (nothing reaches 0.99 on dog.jpg)', async () => {
    const { frames } = await classifyImage('dog.jpg', `${FULL_FRAME} top-k=5 threshold=0.99`);
    expect(frames[0].classifications ?? []).toEqual([]);
  });
});

describe('tsclassify: per object', () => {
  const detectThenClassify = `tsdetect model=${YOLOX} labels-file=${COCO_LABELS} ! tsclassify model=${MOBILENET} labels-file=${IMAGENET_LABELS} object-class=dog attribute-name=breed`;

  for (const image of ['dog.jpg', 'person.jpg']) {
    it(`${image}: the dog's region is a dog breed; object-class=dog leaves the other regions untouched`, async () => {
      const { frames } = await classifyImage(image, detectThenClassify);
      const objects = frames[0].objects;
      const dogs = objects.filter((o) => o.label === 'dog');
      expect(dogs).toHaveLength(1);
      expect(objects.length).toBeGreaterThan(1);
      const [breed] = dogs[0].classifications;
      expect(dogs[0].classifications).toHaveLength(1);
      expect(breed.attribute).toBe('breed');
      expect(isDogBreed(breed.class_id), `${breed.label} (${breed.class_id}) is not a dog breed`).toBe(true);
      for (const other of objects.filter((o) => o.label !== 'dog')) expect(other.classifications).toEqual([]);
    });
  }

  it('clips a region partly outside the frame, skips zero-size and (with min-width/height) small ones; boxes unchanged', async () => {
    const regions = `tsdetect module=${HOOKS}/classify-regions.ts`;
    const source = 'videotestsrc num-buffers=2 pattern=ball ! video/x-raw,width=320,height=240,format=I420';
    const out = path.join(tempDir(), 'out.jsonl');
    const r = await launch(`${source} ! ${regions} ! tsclassify model=${MOBILENET} ! tsexport location=${out} ! fakesink`, { GST_DEBUG: 'tsclassify:4' });
    const frames = readJsonl(out) as unknown as ExportedFrame[];
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      const byLabel = Object.fromEntries(f.objects.map((o) => [o.label, o]));
      expect(byLabel.thing.classifications).toHaveLength(1);
      expect(byLabel.edge.classifications).toHaveLength(1); // partly outside: clipped, classified
      expect(byLabel.edge.box).toEqual({ x: 270, y: 200, width: 50, height: 40 }); // the meta keeps its (clipped) box
      expect(byLabel.empty.classifications).toEqual([]);
      expect(byLabel.tiny.classifications).toHaveLength(1);
    }
    // fixed batch of 1: three regions per frame, one run each
    expect(inferenceStats(r)).toEqual([{ inputs: 6, runs: 6 }]);

    const small = await launch(
      `${source} ! ${regions} ! tsclassify model=${MOBILENET} min-width=16 min-height=16 ! tsexport location=${out} ! fakesink`,
    );
    expect(small.code).toBe(0);
    const tiny = (readJsonl(out) as unknown as ExportedFrame[]).map((f) => f.objects.find((o) => o.label === 'tiny')!);
    expect(tiny.map((o) => o.classifications)).toEqual([[], []]);
  });

  it('exposes an embedding model\'s vector (OSNet re-id): L2-normalised, on the object and in tsexport', async () => {
    const { frames } = await classifyImage(
      'person.jpg',
      `tsdetect model=${YOLOX} labels-file=${COCO_LABELS} object-class=person ! tsclassify model=${OSNET} attribute-name=reid`,
    );
    const people = frames[0].objects;
    expect(people.length).toBeGreaterThan(0);
    // a downstream hook reads the vectors off the ROI metas
    const downstream = await launch(
      `filesrc location=${path.join(MEDIA, 'person.jpg')} ! jpegdec ! videoconvert ! tsdetect model=${YOLOX} labels-file=${COCO_LABELS} object-class=person ! ` +
        `tsclassify model=${OSNET} attribute-name=reid ! tsdetect module=${HOOKS}/read-embeddings.ts ! fakesink`,
      {},
      ['-m'],
    );
    const seen = [...downstream.output.matchAll(/embedding, label=\(string\)person, attribute=\(string\)reid, length=\(g\w+\)(\d+), norm=\(g?double\)([\d.e+-]+)/g)];
    expect(seen).toHaveLength(people.length);
    for (const m of seen) {
      expect(Number(m[1])).toBe(512);
      expect(Number(m[2])).toBeCloseTo(1, 4);
    }
    for (const p of people) {
      const [c] = p.classifications;
      expect(c.attribute).toBe('reid');
      expect(c.embedding).toHaveLength(512);
      const norm = Math.hypot(...c.embedding!);
      expect(norm).toBeCloseTo(1, 4);
    }
  });
});

describe('tsclassify: all regions of a frame in one run (dynamic batch axis)', () => {
  it('runs the regions of each frame together, capped by batch-size, with the same results as one by one', async () => {
    // MobileNetV2 with its batch axis made dynamic at test time (same file name: the manifest still describes it)
    const dir = tempDir();
    const dynamic = path.join(dir, 'mobilenet_v2_quant_nnstreamer.onnx');
    const report = withDynamicBatch(MOBILENET, dynamic, 'N', { reshapeBatch: true });
    expect(report.inputs).toEqual(['input']);
    const source = `videotestsrc num-buffers=2 pattern=ball ! video/x-raw,width=320,height=240 ! tsdetect module=${HOOKS}/classify-regions.ts`;
    const classify = async (model: string, extra = '') => {
      const out = path.join(dir, `out-${Math.random()}.jsonl`);
      const r = await launch(`${source} ! tsclassify model=${model} labels-file=${IMAGENET_LABELS} top-k=2 ${extra} ! tsexport location=${out} ! fakesink`, { GST_DEBUG: 'tsclassify:4' });
      return { frames: readJsonl(out) as unknown as ExportedFrame[], stats: inferenceStats(r) };
    };
    const single = await classify(MOBILENET);
    const batched = await classify(dynamic);
    const capped = await classify(dynamic, 'batch-size=2');
    expect(single.stats).toEqual([{ inputs: 6, runs: 6 }]);
    expect(batched.stats).toEqual([{ inputs: 6, runs: 2 }]); // three regions per frame, one run per frame
    expect(capped.stats).toEqual([{ inputs: 6, runs: 4 }]); // 2 + 1 per frame
    for (const other of [batched, capped]) {
      other.frames.forEach((f, i) =>
        f.objects.forEach((o, j) => {
          const want = single.frames[i].objects[j].classifications;
          expect(o.classifications.map((c) => c.label)).toEqual(want.map((c) => c.label));
          o.classifications.forEach((c, k) => expect(c.confidence).toBeCloseTo(want[k].confidence, 4));
        }),
      );
    }
  });
});

describe('tsclassify: reclassify-interval with tstrack', () => {
  // A moving person and a static car, tracked; 30 frames.
  const source = 'videotestsrc num-buffers=30 ! video/x-raw,width=640,height=480';
  const detect = `tsdetect module=${HOOKS}/track-moving.ts module-args='{"speed":4,"static":true}'`;

  async function classify(interval: number) {
    const out = path.join(tempDir(), 'out.jsonl');
    const r = await launch(
      `${source} ! ${detect} ! tstrack ! tsclassify model=${MOBILENET} reclassify-interval=${interval} ! tsexport location=${out} ! fakesink`,
      { GST_DEBUG: 'tsclassify:4' },
    );
    return { frames: readJsonl(out) as unknown as ExportedFrame[], stats: inferenceStats(r) };
  }

  it('classifies each track at most once every N frames and reuses its result in between', async () => {
    const every = await classify(1);
    const sparse = await classify(10);
    const objects = (frames: ExportedFrame[]) => frames.flatMap((f) => f.objects);
    // every object is classified on every frame, whichever the interval
    for (const o of objects(sparse.frames)) expect(o.classifications, JSON.stringify(o)).toHaveLength(1);
    expect(every.stats).toEqual([{ inputs: objects(every.frames).length, runs: objects(every.frames).length }]);
    // with interval 10: objects without an id yet run every frame; each track once per 10 frames it is seen
    const untracked = objects(sparse.frames).filter((o) => o.track_id === null).length;
    const framesPerTrack = new Map<number, number>();
    for (const o of objects(sparse.frames)) if (o.track_id !== null) framesPerTrack.set(o.track_id, (framesPerTrack.get(o.track_id) ?? 0) + 1);
    expect(framesPerTrack.size).toBe(2);
    const expected = untracked + [...framesPerTrack.values()].reduce((a, n) => a + Math.ceil(n / 10), 0);
    expect(sparse.stats).toEqual([{ inputs: expected, runs: expected }]);
    expect(expected).toBeLessThan(objects(every.frames).length / 4);
    // a reused result is the track's last one: constant between reclassifications (the static car)
    const car = sparse.frames.map((f) => f.objects.find((o) => o.label === 'car' && o.track_id !== null)).filter((o) => o !== undefined);
    const first = car.slice(0, 10).map((o) => o.classifications[0]);
    expect(new Set(first.map((c) => `${c.label}/${c.confidence}`)).size).toBe(1);
  });
});

describe('tsclassify: hooks', () => {
  it('postprocess(outputs, object, frame, ctx) turns the outputs into classifications, in frame order', async () => {
    const out = path.join(tempDir(), 'out.jsonl');
    const r = await launch(
      `videotestsrc num-buffers=3 ! video/x-raw,width=320,height=240 ! tsdetect module=${HOOKS}/classify-regions.ts ! ` +
        `tsclassify model=${MOBILENET} module=${HOOKS}/classify-postprocess.ts module-args='{"confidence":0.25}' attribute-name=kind ! tsexport location=${out} ! fakesink`,
      {},
      ['-m'],
    );
    const frames = readJsonl(out) as unknown as ExportedFrame[];
    for (const f of frames) {
      for (const o of f.objects.filter((x) => x.label !== 'empty')) {
        expect(o.classifications).toEqual([{ attribute: 'kind', label: expect.stringMatching(new RegExp(`^${o.label}:\\d+$`)), class_id: expect.any(Number), confidence: 0.25 }]);
      }
    }
    const calls = [...r.output.matchAll(/classify-call, frame=\(g\w+\)(\d+), object=\(string\)(\w+), outputs=\(string\)(\w+), size=\(g\w+\)(\d+)/g)];
    expect(calls.map((m) => `${m[1]}:${m[2]}`)).toEqual(['0:thing', '0:edge', '0:tiny', '1:thing', '1:edge', '1:tiny', '2:thing', '2:edge', '2:tiny']);
    expect(calls.every((m) => m[3] === 'output' && m[4] === '1000')).toBe(true);
  });
});

describe('tsclassify: bad input', () => {
  it('a labels file that disagrees with the model\'s outputs: a clear error naming both and the property', async () => {
    const labels = path.join(tempDir(), 'ten.txt');
    writeFileSync(labels, Array.from({ length: 10 }, (_, i) => `class${i}`).join('\n'));
    const r = await gstLaunch(`videotestsrc num-buffers=1 ! tsclassify model=${MOBILENET} labels-file=${labels} inference-region=full-frame ! fakesink`);
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`labels file ${labels} has 10 lines but model ${MOBILENET} predicts 1000 classes (property labels-file)`);
  });

  it('no model: an error that says to set it', async () => {
    const r = await gstLaunch('videotestsrc num-buffers=1 ! tsclassify ! fakesink');
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('tsclassify0: set the model property');
  });
});
