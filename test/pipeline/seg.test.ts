/**
 * Instance masks end to end in real gst-launch-1.0 pipelines: yolov8n-seg on photos (the decoder chosen from the
 * outputs), masks against COCO ground truth, masks from a postprocess() hook through the ROI metas to tsexport's COCO
 * RLE (known strings, decoded back to the same pixels), to a later element's hooks, kept by tstrack and drawn by
 * tsoverlay; on GStreamer >= 1.26 (the Debian 13 root) also as GstAnalytics segmentation mtds, both ways.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOKS, MODELS, PLUGIN_PATH, SHARED, YOLOX, gstEnv, gstLaunch, imageSource, readJsonl, run, tempDir, type JsonlObject } from '../helpers/gst';
import { rleDecode, rleFromString, rleIou, segmentationToRle, type CocoSegmentation } from '../../eval/coco/rle';

const SEG = path.join(MODELS, 'yolov8n-seg_int8_320.onnx');

type SegObject = JsonlObject & { mask?: { size: [number, number]; counts: string } };

async function launch(pipeline: string): Promise<string> {
  const r = await gstLaunch(pipeline, { timeoutMs: 90_000 });
  expect(r.timedOut, 'pipeline hung').toBe(false);
  expect(r.signal, `crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).toBe(0);
  return r.output;
}

/** The object's mask as a column-major frame bitmap (pycocotools' order). */
function bitmap(o: SegObject): { bits: Uint8Array; h: number; w: number } {
  const [h, w] = o.mask!.size;
  return { bits: rleDecode(rleFromString(o.mask!.counts, h, w)), h, w };
}

/** Mask pixels inside and outside the object's box, and the box's pixel count. */
function maskInBox(o: SegObject): { inside: number; outside: number; boxArea: number } {
  const { bits, h, w } = bitmap(o);
  const { x, y, width, height } = o.box;
  let inside = 0;
  let outside = 0;
  for (let c = 0; c < w; c++) {
    for (let r = 0; r < h; r++) {
      if (!bits[c * h + r]) continue;
      const inBox = c + 0.5 >= x && c + 0.5 < x + width && r + 0.5 >= y && r + 0.5 < y + height;
      if (inBox) inside++;
      else outside++;
    }
  }
  return { inside, outside, boxArea: width * height };
}

async function segOn(source: string, props = ''): Promise<SegObject[]> {
  const file = path.join(tempDir(), 'seg.jsonl');
  await launch(`${source} ! tsdetect model=${SEG} ${props} ! tsexport location=${file} ! fakesink`);
  const frames = readJsonl(file);
  expect(frames).toHaveLength(1);
  return frames[0].objects as SegObject[];
}

describe('yolov8n-seg in tsdetect', () => {
  it('bus.jpg: every object has a mask inside its box; the people and the bus cover most of theirs', async () => {
    const objects = await segOn(imageSource('bus.jpg', 'RGB', 1));
    const people = objects.filter((o) => o.label === 'person');
    expect(people.length).toBeGreaterThanOrEqual(3);
    expect(objects.some((o) => o.label === 'bus')).toBe(true);
    for (const o of objects) {
      expect(o.mask, o.label).toBeDefined();
      expect(o.mask!.size).toEqual([1080, 810]);
      const { inside, outside, boxArea } = maskInBox(o);
      expect(outside, o.label).toBe(0);
      if (o.label === 'person' || o.label === 'bus') {
        // A standing person fills a third to half of its box; a bus seen from the front most of it.
        expect(inside / boxArea, o.label).toBeGreaterThan(0.25);
        expect(inside / boxArea, o.label).toBeLessThan(0.95);
      }
    }
  });

  it('COCO 000000005001.jpg: the big person\'s mask matches its ground truth (mask IoU)', async () => {
    const objects = await segOn(`filesrc location=${path.join(SHARED, 'coco', 'images', '000000005001.jpg')} ! jpegdec ! videoconvert ! video/x-raw,format=RGB ! imagefreeze num-buffers=1`);
    const gt = JSON.parse(readFileSync(path.join(SHARED, 'coco', 'instances.json'), 'utf8')) as {
      annotations: { id: number; segmentation: CocoSegmentation }[];
    };
    const truth = segmentationToRle(gt.annotations.find((a) => a.id === 1328232)!.segmentation, 480, 640);
    const best = Math.max(
      ...objects
        .filter((o) => o.label === 'person')
        .map((o) => {
          const { bits, h, w } = bitmap(o);
          const counts: number[] = [];
          let v = 0;
          let run = 0;
          for (const b of bits) {
            if (b !== v) {
              counts.push(run);
              run = 0;
              v = b;
            }
            run++;
          }
          counts.push(run);
          return rleIou({ h, w, counts: Uint32Array.from(counts) }, truth, false);
        }),
    );
    expect(best).toBeGreaterThan(0.75);
  });

  it('mask-threshold: a lower threshold grows every mask, 1 empties them', async () => {
    const source = imageSource('zidane.jpg', 'RGB', 1);
    const area = (objects: SegObject[]) => objects.map((o) => (o.mask ? maskInBox(o).inside : 0));
    const base = await segOn(source);
    const low = await segOn(source, 'mask-threshold=0.2');
    const none = await segOn(source, 'mask-threshold=1');
    expect(base.length).toBeGreaterThanOrEqual(2);
    const a = area(base);
    const b = area(low);
    a.forEach((v, i) => expect(b[i]).toBeGreaterThanOrEqual(v));
    expect(b.reduce((s, v) => s + v, 0)).toBeGreaterThan(a.reduce((s, v) => s + v, 0));
    expect(area(none).every((v) => v === 0)).toBe(true);
  });
});

describe('masks from a postprocess() hook', () => {
  const source = (frames: number, w = 64, h = 48) => `videotestsrc num-buffers=${frames} ! video/x-raw,width=${w},height=${h}`;
  const hookDetect = (objects: unknown[], move = 0) => `tsdetect model=${YOLOX} module=${HOOKS}/mask-objects.ts module-args='${JSON.stringify({ objects, move })}'`;

  it('tsexport writes pycocotools\' compressed RLE in frame coordinates (hand-computed strings)', async () => {
    // A 3x3 frame: the centre pixel is index 4 column-major: runs 4, 1, 4 → "414".
    const objects = [
      { box: { x: 1, y: 1, width: 1, height: 1 }, label: 'dot', classId: 1, confidence: 0.9, mask: { x: 1, y: 1, width: 1, height: 1, pattern: 'full' } },
    ];
    const file = path.join(tempDir(), 'rle.jsonl');
    await launch(`${source(1, 3, 3)} ! ${hookDetect(objects)} ! tsexport location=${file} ! fakesink`);
    expect((readJsonl(file)[0].objects[0] as SegObject).mask).toEqual({ size: [3, 3], counts: '414' });

    // A 10 x 6 frame; a mask at (2, 1), 3 wide, 4 high, rows "111", "111", "011", "001".
    const bits = ['111', '111', '011', '001'];
    const objects2 = [{ box: { x: 2, y: 1, width: 3, height: 4 }, label: 'tri', classId: 2, confidence: 0.9, mask: { x: 2, y: 1, width: 3, height: 4, pattern: 'bits', bits } }];
    const file2 = path.join(tempDir(), 'rle2.jsonl');
    await launch(`${source(1, 10, 6)} ! ${hookDetect(objects2)} ! tsexport location=${file2} ! fakesink`);
    // Column 2: rows 1,2 in (row 0 out, rows 3-5 out); column 3: rows 1-3 in; column 4: rows 1-4 in.
    // Runs: 12+1=13 zeros, 2 ones, 3+1=4 zeros, 3 ones, 2+1=3 zeros, 4 ones, 1+30=31 zeros.
    // Compressed (pycocotools: from the fourth count on, minus the count two before): 13, 2, 4, 3-2=1, 3-4=-1,
    // 4-3=1, 31-3=28; each + 48 when it fits one group: 13 → '=', 2 → '2', 4 → '4', 1 → '1', -1 → 31 (0x10 set,
    // -1 >> 5 = -1: last group) → 'O', 1 → '1', 28 (0x10 set but 28 >> 5 = 0 ≠ -1: one more group) → 28|0x20 = 60
    // → 'l', then 0 → '0'.
    expect((readJsonl(file2)[0].objects[0] as SegObject).mask).toEqual({ size: [6, 10], counts: '=241O1l0' });
  });

  it('decode back to the pixels the hook returned, moving with the object; objects without a mask have none', async () => {
    const objects = [
      { box: { x: 40, y: 30, width: 120, height: 90 }, label: 'blob', classId: 3, confidence: 0.9, mask: { x: 40, y: 30, width: 120, height: 90, pattern: 'disc' } },
      { box: { x: 200, y: 100, width: 50, height: 50 }, label: 'ball', classId: 32, confidence: 0.8 },
    ];
    const file = path.join(tempDir(), 'hook.jsonl');
    await launch(`${source(3, 320, 240)} ! ${hookDetect(objects, 5)} ! tsexport location=${file} ! fakesink`);
    const frames = readJsonl(file);
    expect(frames).toHaveLength(3);
    frames.forEach((f, i) => {
      const blob = f.objects.find((o) => o.label === 'blob') as SegObject;
      expect((f.objects.find((o) => o.label === 'ball') as SegObject).mask).toBeUndefined();
      const { bits, h, w } = bitmap(blob);
      expect([h, w]).toEqual([240, 320]);
      let wrong = 0;
      for (let c = 0; c < w; c++) {
        for (let r = 0; r < h; r++) {
          const mc = c - (40 + 5 * i);
          const mr = r - 30;
          const u = (mc + 0.5) / 120 - 0.5;
          const v = (mr + 0.5) / 90 - 0.5;
          const want = mc >= 0 && mc < 120 && mr >= 0 && mr < 90 && u * u + v * v <= 0.25 ? 1 : 0;
          if (bits[c * h + r] !== want) wrong++;
        }
      }
      expect(wrong, `frame ${i}`).toBe(0);
    });
  });

  it('a malformed mask fails the pipeline with an error naming the hook and the mask (no crash, no hang)', async () => {
    const objects = [{ box: { x: 0, y: 0, width: 20, height: 20 }, label: 'bad', classId: 1, confidence: 0.9, mask: { x: 0, y: 0, width: 20, height: 20, pattern: 'short' } }];
    const r = await gstLaunch(`${source(1)} ! ${hookDetect(objects)} ! fakesink`, { timeoutMs: 60_000 });
    expect(r.timedOut).toBe(false);
    expect(r.signal).toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/postprocess\(\) returned detection 0 with an invalid mask.*width x height bytes/);
  });

  it("DL Streamer's masks (gvadetect's mask_yolov8 param: FP32 probabilities at model resolution, stretched over the box) are read", async () => {
    const tool = path.join(path.dirname(PLUGIN_PATH), 'roi-meta-pipeline'); // built by meson from test/programs/roi-meta-pipeline.c
    const file = path.join(tempDir(), 'dls.jsonl');
    // A 40 x 30 box with a 10 x 8 mask whose left 5 columns are above 0.5.
    const r = await run(tool, [`${source(1)} ! identity name=roi ! tsexport location=${file} ! fakesink`, '--roi', 'person,10,12,40,30', '--dls-mask', '10,8']);
    expect(r.code, r.output).toBe(0);
    const o = readJsonl(file)[0].objects[0] as SegObject;
    const { bits } = bitmap(o);
    for (let c = 0; c < 64; c++) {
      for (let row = 0; row < 48; row++) expect(bits[c * 48 + row], `${c},${row}`).toBe(c >= 10 && c < 30 && row >= 12 && row < 42 ? 1 : 0);
    }
  });

  it('a mask reaching out of the frame is clipped to it', async () => {
    const objects = [{ box: { x: 0, y: 0, width: 20, height: 20 }, label: 'edge', classId: 1, confidence: 0.9, mask: { x: -5, y: -4, width: 20, height: 20, pattern: 'full' } }];
    const file = path.join(tempDir(), 'clip.jsonl');
    await launch(`${source(1, 64, 48)} ! ${hookDetect(objects)} ! tsexport location=${file} ! fakesink`);
    const o = readJsonl(file)[0].objects[0] as SegObject;
    const { bits } = bitmap(o);
    expect(bits.reduce((s, v) => s + v, 0)).toBe(15 * 16);
  });

  it('reach the hooks of a later element in frame.detections (C++ back to JavaScript)', async () => {
    const objects = [{ box: { x: 10, y: 8, width: 30, height: 20 }, label: 'blob', classId: 3, confidence: 0.9, mask: { x: 10, y: 8, width: 30, height: 20, pattern: 'disc' } }];
    const file = path.join(tempDir(), 'echo.jsonl');
    await launch(`${source(2)} ! ${hookDetect(objects)} ! tsdetect module=${HOOKS}/echo-masks.ts ! tsexport location=${file} ! fakesink`);
    for (const f of readJsonl(file)) {
      const blob = bitmap(f.objects.find((o) => o.label === 'blob') as SegObject);
      const echo = bitmap(f.objects.find((o) => o.label === 'echo') as SegObject);
      // The echo is the blob's mask inverted inside the mask's rectangle.
      for (let c = 0; c < 64; c++) {
        for (let r = 0; r < 48; r++) {
          const inRect = c >= 10 && c < 40 && r >= 8 && r < 28;
          expect(echo.bits[c * 48 + r]).toBe(inRect ? 1 - blob.bits[c * 48 + r] : 0);
        }
      }
    }
  });

  it('tstrack keeps them on the tracked objects, with the ids it writes onto the same metas', async () => {
    const objects = [{ box: { x: 10, y: 8, width: 30, height: 20 }, label: 'blob', classId: 3, confidence: 0.9, mask: { x: 10, y: 8, width: 30, height: 20, pattern: 'disc' } }];
    const file = path.join(tempDir(), 'track.jsonl');
    await launch(`${source(6, 320, 240)} ! ${hookDetect(objects, 2)} ! tstrack ! tsexport location=${file} ! fakesink`);
    const frames = readJsonl(file);
    expect(frames).toHaveLength(6);
    const tracked = frames.flatMap((f) => f.objects).filter((o) => o.track_id !== null) as SegObject[];
    expect(tracked.length).toBeGreaterThanOrEqual(4);
    for (const o of tracked) {
      expect(o.mask).toBeDefined();
      const { bits } = bitmap(o);
      expect(bits.reduce((s, v) => s + v, 0)).toBeGreaterThan(0.7 * 30 * 20);
    }
    // The last frame's mask sits where the hook put it (moved 10 px): column 18 was inside it on frame 0.
    const last = bitmap(frames[5].objects[0] as SegObject);
    expect(last.bits[(20 + 15) * 240 + 18]).toBe(1);
    expect(last.bits[18 * 240 + 18]).toBe(0);
    expect(bitmap(frames[0].objects[0] as SegObject).bits[18 * 240 + 18]).toBe(1);
  });
});

describe('tsoverlay masks', () => {
  // A class 0 object (palette colour 0, pure hue 0) with a disc mask inscribed in 100 x 80 pixels at (100, 60),
  // drawn alone (no box, no label) on black.
  const W = 320;
  const H = 240;
  const RED = [255, 38, 38];
  const objects = [
    { box: { x: 100, y: 60, width: 100, height: 80 }, label: 'person', classId: 0, confidence: 0.9, mask: { x: 100, y: 60, width: 100, height: 80, pattern: 'disc' } },
  ];

  async function draw(overlayProps: string, format = 'RGB'): Promise<(x: number, y: number) => number[]> {
    const file = path.join(tempDir(), 'frame.rgb');
    const back = format === 'RGB' ? '' : '! videoconvert ! video/x-raw,format=RGB ';
    await launch(
      `videotestsrc pattern=black num-buffers=1 ! video/x-raw,format=${format},width=${W},height=${H} ! ` +
        `tsdetect model=${YOLOX} module=${HOOKS}/mask-objects.ts module-args='${JSON.stringify({ objects })}' ! ` +
        `tsoverlay draw-boxes=false draw-labels=false draw-confidence=false thickness=2 ${overlayProps} ${back}! filesink location=${file}`,
    );
    const data = readFileSync(file);
    expect(data.length).toBe(W * H * 3);
    return (x, y) => Array.from(data.subarray(3 * (y * W + x), 3 * (y * W + x) + 3));
  }

  it('fills the mask translucent in the object colour (mask-opacity 0.5 by default) with an opaque outline; nothing outside it', async () => {
    const px = await draw('');
    const half = RED.map((c) => Math.round(c / 2));
    for (const [x, y] of [[150, 100], [120, 100], [150, 70]]) px(x, y).forEach((v, c) => expect(v, `${x},${y}`).toBeCloseTo(half[c], -0.5));
    // The outline: the disc's leftmost pixels (row 100) and its top (column 150), 2 px wide.
    for (const [x, y] of [[100, 100], [101, 100], [150, 60], [150, 61]]) expect(px(x, y), `${x},${y}`).toEqual(RED);
    expect(px(102, 100).map((v, c) => Math.abs(v - half[c]) <= 1)).toEqual([true, true, true]);
    // The box's corners are outside the disc; outside the box nothing either.
    for (const [x, y] of [[102, 62], [197, 137], [99, 100], [150, 141], [10, 10]]) expect(px(x, y), `${x},${y}`).toEqual([0, 0, 0]);
  });

  it('mask-opacity=1 paints it opaque, 0 leaves only the outline; draw-masks=false draws none', async () => {
    expect((await draw('mask-opacity=1'))(150, 100)).toEqual(RED);
    const outline = await draw('mask-opacity=0');
    expect(outline(150, 100)).toEqual([0, 0, 0]);
    expect(outline(100, 100)).toEqual(RED);
    const none = await draw('draw-masks=false');
    for (const [x, y] of [[150, 100], [100, 100]]) expect(none(x, y)).toEqual([0, 0, 0]);
  });

  it('draws on I420 frames too (the mask red, the rest black)', async () => {
    const px = await draw('mask-opacity=1', 'I420');
    const [r, g, b] = px(150, 100);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
    expect(px(120, 62).every((v) => v < 20)).toBe(true);
  });
});

// GstAnalytics segmentation mtds (GStreamer >= 1.26, the plugin built with GstAnalytics): the test program
// test/programs/analytics-pipeline.c is the foreign producer and reader (no tsvision code).
const TOOL = path.join(path.dirname(PLUGIN_PATH), 'analytics-pipeline');
const gstMinor = Number(/GStreamer 1\.(\d+)/.exec(spawnSync('gst-inspect-1.0', ['--version'], { env: gstEnv(), encoding: 'utf8' }).stdout ?? '')?.[1] ?? 0);
const HAVE_SEGMENTATION_MTD = gstMinor >= 26 && existsSync(TOOL);

describe.skipIf(!HAVE_SEGMENTATION_MTD)('masks as GstAnalytics segmentation mtds (GStreamer >= 1.26)', () => {
  interface DumpedMask {
    x: number;
    y: number;
    w: number;
    h: number;
    mask_w: number;
    mask_h: number;
    inside: number;
  }
  const dumped = (stdout: string) =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { od: { label: string; mask: DumpedMask | null }[] });

  it('each object with a mask gets an instance segmentation mtd of its own, CONTAINed by its OD mtd, at the mask placement', async () => {
    const objects = [
      { box: { x: 40, y: 30, width: 120, height: 90 }, label: 'blob', classId: 3, confidence: 0.9, mask: { x: 40, y: 30, width: 120, height: 90, pattern: 'disc' } },
      { box: { x: 200, y: 100, width: 50, height: 50 }, label: 'ball', classId: 32, confidence: 0.8 },
    ];
    const r = await run(TOOL, [
      `videotestsrc num-buffers=2 ! video/x-raw,width=320,height=240 ! tsdetect model=${YOLOX} module=${HOOKS}/mask-objects.ts ` +
        `module-args=${JSON.stringify({ objects })} ! identity name=dump ! fakesink`,
    ]);
    expect(r.code, r.output).toBe(0);
    const frames = dumped(r.stdout);
    expect(frames).toHaveLength(2);
    let disc = 0;
    for (let row = 0; row < 90; row++) {
      for (let col = 0; col < 120; col++) {
        const u = (col + 0.5) / 120 - 0.5;
        const v = (row + 0.5) / 90 - 0.5;
        if (u * u + v * v <= 0.25) disc++;
      }
    }
    for (const f of frames) {
      expect(f.od.find((o) => o.label === 'ball')!.mask).toBeNull();
      expect(f.od.find((o) => o.label === 'blob')!.mask).toEqual({ x: 40, y: 30, w: 120, h: 90, mask_w: 120, mask_h: 90, inside: disc });
    }
  });

  it("a foreign producer's segmentation mtd (half resolution, its own region ids) is the object's mask in tsexport", async () => {
    const jsonl = path.join(tempDir(), 'foreign.jsonl');
    const r = await run(TOOL, [
      `videotestsrc num-buffers=2 ! video/x-raw,width=320,height=240 ! identity name=od ! tsexport location=${jsonl} ! fakesink`,
      '--od', 'person,40,30,120,80,0.9', '--mask',
      '--od', 'car,200,100,60,40,0.8',
    ]);
    expect(r.code, r.output).toBe(0);
    for (const f of readJsonl(jsonl)) {
      const person = f.objects.find((o) => o.label === 'person') as SegObject;
      expect((f.objects.find((o) => o.label === 'car') as SegObject).mask).toBeUndefined();
      const { bits, h, w } = bitmap(person);
      expect([h, w]).toEqual([240, 320]);
      let area = 0;
      let outside = 0;
      for (let c = 0; c < w; c++) {
        for (let row = 0; row < h; row++) {
          if (!bits[c * h + row]) continue;
          area++;
          if (c < 40 || c >= 160 || row < 30 || row >= 110) outside++;
        }
      }
      expect(outside).toBe(0);
      // The ellipse inscribed in 120 x 80 (pi/4 of it), stretched from 60 x 40.
      expect(Math.abs(area - (Math.PI / 4) * 120 * 80) / area).toBeLessThan(0.05);
    }
  });
});
