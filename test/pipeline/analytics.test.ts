/**
 * GstAnalytics (GStreamer >= 1.24) in real pipelines, with upstream's own elements: what tsvision writes
 * is read by objectdetectionoverlay, and OD mtds written by a foreign producer (test/programs/analytics-pipeline.c,
 * no tsvision code) are tracked by tstrack, exported by tsexport and drawn by tsoverlay. Runs where the plugin
 * was built with GstAnalytics and gst-plugins-bad has objectdetectionoverlay (the Debian 13 root); skipped
 * elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COCO_LABELS, MODELS, PLUGIN_PATH, YOLOX, gstEnv, gstLaunch, imageSource, readJsonl, run, tempDir } from '../helpers/gst';

const BUILD = path.dirname(PLUGIN_PATH);
const TOOL = path.join(BUILD, 'analytics-pipeline'); // built by meson from test/programs/analytics-pipeline.c

function inspect(what: string): string {
  const r = spawnSync('gst-inspect-1.0', [what], { env: gstEnv(), encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}
const HAVE_ANALYTICS =
  inspect('tsvision').includes('GstAnalytics metadata') && inspect('objectdetectionoverlay').includes('Object Detection Overlay') && existsSync(TOOL);

/** One line of analytics-pipeline's dump: the mtds on a buffer. */
interface DumpedOd {
  id: number;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  confidence: number;
  track: { id: number; first_seen: number; last_seen: number } | null;
  classes: { label: string; confidence: number }[];
}
function readDump(stdout: string): { pts: number; od: DumpedOd[] }[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** Two RGB frames of the same size: which pixels differ. */
function changedMask(a: Buffer, b: Buffer, width: number, height: number): Uint8Array {
  expect(a.length).toBe(width * height * 3);
  expect(b.length).toBe(a.length);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const o = i * 3;
    if (Math.abs(a[o] - b[o]) + Math.abs(a[o + 1] - b[o + 1]) + Math.abs(a[o + 2] - b[o + 2]) > 24) mask[i] = 1;
  }
  return mask;
}

describe.skipIf(!HAVE_ANALYTICS)('GstAnalytics', () => {
  it("tsdetect's objects are drawn by upstream's objectdetectionoverlay at tsdetect's boxes (pixels compared with the frame without it)", async () => {
    const dir = tempDir('analytics-');
    const W = 1280;
    const H = 720;
    const frame = async (overlay: boolean) => {
      const out = path.join(dir, overlay ? 'with.raw' : 'without.raw');
      const jsonl = path.join(dir, overlay ? 'with.jsonl' : 'without.jsonl');
      const r = await gstLaunch(
        `${imageSource('zidane.jpg', 'BGRx', 1)} ! tsdetect model=${YOLOX} labels-file=${COCO_LABELS} threshold=0.4 ! ` +
          `tsexport location=${jsonl} ! videoconvert ! ${overlay ? 'objectdetectionoverlay ! videoconvert ! ' : ''}` +
          `video/x-raw,format=RGB,width=${W},height=${H} ! filesink location=${out}`,
      );
      expect(r.code, r.output).toBe(0);
      return { pixels: readFileSync(out), objects: readJsonl(jsonl)[0].objects };
    };
    const plain = await frame(false);
    const drawn = await frame(true);
    expect(drawn.objects).toEqual(plain.objects);
    const people = drawn.objects.filter((o) => o.label === 'person');
    expect(people.length).toBeGreaterThanOrEqual(2);
    const mask = changedMask(plain.pixels, drawn.pixels, W, H);
    const changed = (x: number, y: number, r = 2) => {
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const px = Math.round(x) + dx;
          const py = Math.round(y) + dy;
          if (px >= 0 && py >= 0 && px < W && py < H && mask[py * W + px]) return true;
        }
      return false;
    };
    // Every box's outline is drawn where tsdetect put the box: its four sides, all along.
    for (const o of drawn.objects) {
      const { x, y, width, height } = o.box;
      const side: boolean[] = [];
      for (let t = 0.05; t < 0.95; t += 0.01) {
        side.push(changed(x + t * width, y), changed(x + t * width, y + height - 1));
        side.push(changed(x, y + t * height), changed(x + width - 1, y + t * height));
      }
      expect(side.filter(Boolean).length / side.length, `${o.label} at ${JSON.stringify(o.box)}`).toBeGreaterThan(0.9);
    }
    // And nothing else: the changed pixels lie on the outlines or in the labels above them.
    const allowed = (px: number, py: number) =>
      drawn.objects.some(({ box: { x, y, width, height } }) => {
        const nearX = px >= x - 4 && px <= x + width + 4;
        const nearY = py >= y - 4 && py <= y + height + 4;
        const onOutline =
          (nearX && (Math.abs(py - y) <= 4 || Math.abs(py - (y + height - 1)) <= 4)) ||
          (nearY && (Math.abs(px - x) <= 4 || Math.abs(px - (x + width - 1)) <= 4));
        const inLabel = px >= x - 4 && px <= x + Math.max(width, 200) && py >= y - 30 && py <= y + 4;
        return onOutline || inLabel;
      });
    let total = 0;
    let stray = 0;
    for (let py = 0; py < H; py++)
      for (let px = 0; px < W; px++)
        if (mask[py * W + px]) {
          total++;
          if (!allowed(px, py)) stray++;
        }
    expect(total).toBeGreaterThan(2000);
    expect(stray / total).toBeLessThan(0.005);
  });

  it("a foreign producer's OD mtds are tracked by tstrack and exported by tsexport (once each), and tstrack writes tracking mtds", async () => {
    const dir = tempDir('analytics-');
    const jsonl = path.join(dir, 'tracks.jsonl');
    const FRAMES = 20;
    // Three objects, two of them moving (DX, DY pixels per frame).
    const produced = [
      { label: 'person', x: 20, y: 30, w: 40, h: 80, confidence: 0.9, dx: 5, dy: 2 },
      { label: 'car', x: 200, y: 100, w: 60, h: 40, confidence: 0.8, dx: 0, dy: 0 },
      { label: 'person', x: 250, y: 160, w: 30, h: 60, confidence: 0.75, dx: -3, dy: -1 },
    ];
    const r = await run(TOOL, [
      `videotestsrc num-buffers=${FRAMES} ! video/x-raw,width=320,height=240,framerate=30/1 ! identity name=od ! ` +
        `tstrack ! tsexport location=${jsonl} ! identity name=dump ! fakesink`,
      ...produced.flatMap((p) => ['--od', [p.label, p.x, p.y, p.w, p.h, p.confidence, p.dx, p.dy].join(',')]),
    ]);
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(jsonl);
    const dump = readDump(r.stdout);
    expect(frames.length).toBe(FRAMES);
    expect(dump.length).toBe(FRAMES);
    const ids = new Map<number, number>(); // produced index → track id
    const firstSeen = new Map<number, number>();
    for (const [f, frame] of frames.entries()) {
      // Once each: the ROI metas tstrack gave them and their OD mtds are the same objects.
      expect(frame.objects.length, JSON.stringify(frame)).toBe(produced.length);
      expect(dump[f].od.length).toBe(produced.length);
      for (const [i, p] of produced.entries()) {
        const o = frame.objects[i];
        expect(o.label).toBe(p.label);
        expect(o.box).toEqual({ x: p.x + f * p.dx, y: p.y + f * p.dy, width: p.w, height: p.h });
        expect(o.confidence).toBeCloseTo(p.confidence, 5);
        if (f >= 1) {
          expect(o.track_id, `frame ${f} object ${i}`).not.toBeNull();
          if (!ids.has(i)) ids.set(i, o.track_id!);
          expect(o.track_id).toBe(ids.get(i));
        }
        // The tracking mtd, related to the producer's OD mtd, carries the same id; first seen stays, last seen is this frame.
        const od = dump[f].od.find((d) => d.x === o.box.x && d.y === o.box.y && d.label === p.label)!;
        expect(od).toBeDefined();
        if (o.track_id === null) {
          expect(od.track).toBeNull();
          continue;
        }
        expect(od.track?.id).toBe(o.track_id);
        if (!firstSeen.has(i)) firstSeen.set(i, od.track!.first_seen);
        expect(od.track?.first_seen).toBe(firstSeen.get(i));
        expect(od.track?.last_seen).toBe(frame.pts);
      }
    }
    expect(new Set(ids.values()).size).toBe(produced.length);
  });

  it("a foreign producer's tracking and classification mtds reach tsexport's track_id and classifications", async () => {
    const dir = tempDir('analytics-');
    const jsonl = path.join(dir, 'foreign.jsonl');
    const r = await run(TOOL, [
      `videotestsrc num-buffers=2 ! video/x-raw,width=320,height=240 ! identity name=od ! tsexport location=${jsonl} ! fakesink`,
      ...['--od', 'car,10,20,100,50,0.75', '--track', '42', '--cls', 'red,0.6', '--cls', 'blue,0.3'],
      ...['--od', 'dog,150,100,50,50,0.5'],
    ]);
    expect(r.code, r.output).toBe(0);
    for (const frame of readJsonl(jsonl)) {
      expect(frame.objects.length).toBe(2);
      const [car, dog] = frame.objects;
      expect(car).toMatchObject({ label: 'car', class_id: -1, track_id: 42, box: { x: 10, y: 20, width: 100, height: 50 } });
      expect(car.classifications.map((c) => [c.attribute, c.label, Math.round(c.confidence * 100)])).toEqual([
        ['classification', 'red', 60],
        ['classification', 'blue', 30],
      ]);
      expect(dog).toMatchObject({ label: 'dog', track_id: null, classifications: [], box: { x: 150, y: 100, width: 50, height: 50 } });
    }
  });

  it('an object written as both ROI meta and OD mtd (linked by id as DL Streamer does, or only by label and box) counts once, and the ROI meta wins', async () => {
    const dir = tempDir('analytics-');
    const jsonl = path.join(dir, 'both.jsonl');
    const r = await run(TOOL, [
      `videotestsrc num-buffers=3 ! video/x-raw,width=320,height=240 ! identity name=od ! tstrack ! tsexport location=${jsonl} ! ` +
        `identity name=dump ! fakesink`,
      // Linked by id; the ROI meta's detection param says class 2, confidence 0.95 (the mtd: 0.8).
      ...['--od', 'car,10,20,100,50,0.8', '--roi', '-1,2,0.95'],
      // An ROI meta whose id is not the mtd's: the same label and box make them one object.
      ...['--od', 'bus,150,100,80,60,0.85', '--roi', '77,5,0.9'],
      // A different label at the same box: two objects.
      ...['--od', 'truck,150,100,80,60,0.9'],
    ]);
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(jsonl);
    const dump = readDump(r.stdout);
    expect(frames.length).toBe(3);
    for (const [f, frame] of frames.entries()) {
      expect(frame.objects.map((o) => [o.label, o.class_id, o.confidence])).toEqual([
        ['car', 2, 0.95],
        ['bus', 5, 0.9],
        ['truck', -1, expect.closeTo(0.9, 5)],
      ]);
      // tstrack's ids went onto both: the ROI meta (exported) and a tracking mtd of the same OD mtd.
      expect(dump[f].od.length).toBe(3);
      for (const o of frame.objects) {
        expect(o.track_id).not.toBeNull();
        expect(dump[f].od.find((d) => d.label === o.label)?.track?.id).toBe(o.track_id);
      }
    }
  });

  it("tsclassify classifies a foreign producer's OD mtds", async () => {
    const dir = tempDir('analytics-');
    const jsonl = path.join(dir, 'breed.jsonl');
    const r = await run(TOOL, [
      `${imageSource('dog.jpg', 'BGRx', 1)} ! identity name=od ! ` +
        `tsclassify model=${path.join(MODELS, 'mobilenet_v2_quant_nnstreamer.onnx')} object-class=dog attribute-name=breed ! ` +
        `tsexport location=${jsonl} ! identity name=dump ! fakesink`,
      // dog.jpg's dog, where yolox_nano finds it; and a bicycle tsclassify leaves alone.
      ...['--od', 'dog,133,207,192,336,0.9', '--od', 'bicycle,65,138,508,285,0.8'],
    ]);
    expect(r.code, r.output).toBe(0);
    const [dog, bicycle] = readJsonl(jsonl)[0].objects;
    expect(dog.label).toBe('dog');
    expect(dog.classifications.length).toBe(1);
    expect(dog.classifications[0].attribute).toBe('breed');
    // An ImageNet dog breed (classes 151-268): the crop was the producer's box.
    expect(dog.classifications[0].class_id).toBeGreaterThanOrEqual(151);
    expect(dog.classifications[0].class_id).toBeLessThanOrEqual(268);
    expect(bicycle.classifications).toEqual([]);
    const od = readDump(r.stdout)[0].od;
    expect(od.map((d) => [d.label, d.classes.map((c) => c.label)])).toEqual([
      ['dog', [dog.classifications[0].label]],
      ['bicycle', []],
    ]);
  });

  it("a foreign whole-frame classification (a classification mtd related to no object) is the frame's classification in tsexport", async () => {
    const dir = tempDir('analytics-');
    const jsonl = path.join(dir, 'frame.jsonl');
    const r = await run(TOOL, [
      `videotestsrc num-buffers=1 ! video/x-raw,width=320,height=240 ! identity name=od ! tsexport location=${jsonl} ! fakesink`,
      ...['--od', 'car,10,20,100,50,0.75', '--cls', 'red,0.6', '--frame-cls', 'indoor,0.8'],
    ]);
    expect(r.code, r.output).toBe(0);
    const [frame] = readJsonl(jsonl) as (ReturnType<typeof readJsonl>[number] & { classifications?: { label: string }[] })[];
    expect(frame.classifications?.map((c) => c.label)).toEqual(['indoor']);
    expect(frame.objects.map((o) => o.classifications.map((c) => c.label))).toEqual([['red']]);
  });

  it("hooks see a foreign producer's objects in frame.detections, with their track ids and classifications", async () => {
    const dir = tempDir('analytics-');
    const seen = path.join(dir, 'seen.jsonl');
    const hook = path.join(dir, 'see.ts');
    // No imports: the hook lives outside the project, and only writes what it was given.
    writeFileSync(
      hook,
      `import { appendFileSync } from 'node:fs';
export default {
  detect(frame: any, ctx: any) {
    appendFileSync(ctx.args.out, JSON.stringify(frame.detections.map((d: any) => ({ box: d.box, label: d.label, trackId: d.trackId,
      classes: d.classifications.map((c: any) => c.label) }))) + '\\n');
    return [];
  },
};
`,
    );
    const r = await run(TOOL, [
      `videotestsrc num-buffers=2 ! video/x-raw,width=320,height=240 ! identity name=od ! ` +
        `tsdetect module=${hook} module-args="{\\"out\\":\\"${seen}\\"}" ! fakesink`,
      ...['--od', 'car,10,20,100,50,0.75', '--track', '7', '--cls', 'red,0.6', '--od', 'dog,150,100,50,50,0.5'],
    ]);
    expect(r.code, r.output).toBe(0);
    const lines = readFileSync(seen, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(2);
    for (const detections of lines)
      expect(detections).toEqual([
        { box: { x: 10, y: 20, width: 100, height: 50 }, label: 'car', trackId: 7, classes: ['red'] },
        { box: { x: 150, y: 100, width: 50, height: 50 }, label: 'dog', trackId: null, classes: [] },
      ]);
  });

  it("tsclassify's result is a classification mtd related to the object's OD mtd; tsexport reads it once", async () => {
    const dir = tempDir('analytics-');
    const jsonl = path.join(dir, 'dog.jsonl');
    const r = await run(TOOL, [
      `${imageSource('dog.jpg', 'BGRx', 1)} ! tsdetect model=${YOLOX} labels-file=${COCO_LABELS} threshold=0.4 ! ` +
        `tsclassify model=${path.join(MODELS, 'mobilenet_v2_quant_nnstreamer.onnx')} ` +
        `object-class=dog attribute-name=breed ! ` +
        `tsexport location=${jsonl} ! identity name=dump ! fakesink`,
    ]);
    expect(r.code, r.output).toBe(0);
    const objects = readJsonl(jsonl)[0].objects;
    const dogs = objects.filter((o) => o.label === 'dog');
    expect(dogs.length).toBe(1);
    expect(dogs[0].classifications.length).toBe(1);
    const breed = dogs[0].classifications[0];
    expect(breed.attribute).toBe('breed'); // the ROI meta wins: it has the attribute name
    const od = readDump(r.stdout)[0].od;
    expect(od.length).toBe(objects.length);
    const dogOd = od.find((d) => d.label === 'dog')!;
    expect(dogOd.classes.map((c) => c.label)).toEqual([breed.label]);
    expect(dogOd.classes[0].confidence).toBeCloseTo(breed.confidence, 3);
    for (const d of od.filter((d) => d.label !== 'dog')) expect(d.classes).toEqual([]);
  });

  it("tsoverlay draws a foreign producer's OD mtds", async () => {
    const dir = tempDir('analytics-');
    const out = path.join(dir, 'foreign.raw');
    const r = await run(TOOL, [
      `videotestsrc num-buffers=1 pattern=black ! video/x-raw,format=RGB,width=320,height=240 ! identity name=od ! ` +
        `tsoverlay thickness=2 draw-labels=false draw-confidence=false ! filesink location=${out}`,
      ...['--od', 'car,40,60,100,80,0.9'],
    ]);
    expect(r.code, r.output).toBe(0);
    const f = readFileSync(out);
    const lit = (x: number, y: number) => f[(y * 320 + x) * 3] + f[(y * 320 + x) * 3 + 1] + f[(y * 320 + x) * 3 + 2] > 100;
    for (let x = 40; x < 140; x++) expect(lit(x, 60) && lit(x, 139), `x ${x}`).toBe(true);
    for (let y = 60; y < 140; y++) expect(lit(40, y) && lit(139, y), `y ${y}`).toBe(true);
    for (let y = 70; y < 130; y++) for (let x = 50; x < 130; x++) expect(lit(x, y)).toBe(false);
    expect(lit(10, 10) || lit(200, 200)).toBe(false);
  });
});

it('the plugin says whether it was built with GstAnalytics', () => {
  const header = readFileSync(path.join(BUILD, 'gst-plugin', 'config.h'), 'utf8');
  const built = /#define TSVISION_HAVE_ANALYTICS 1/.test(header);
  expect(inspect('tsvision').includes('GstAnalytics metadata')).toBe(built);
  expect(existsSync(TOOL)).toBe(built);
});
