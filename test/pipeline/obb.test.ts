/**
 * Oriented boxes end to end in real gst-launch-1.0 pipelines. No OBB model is available offline, so the test
 * generates one (models/obb-test-model.ts) whose output is a known YOLOv8-OBB tensor, and checks what tsdetect
 * makes of it against hand-computed values: the decoder chosen from the label count, the letterbox undone, the
 * angle convention (clockwise on screen, width along (cos, sin), Ultralytics' normalisation to [0, π/2)), rotated
 * NMS (probabilistic IoU), the corners tsexport writes in both schemas, and tstrack keeping the rotation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeObbTestModel, type ObbCandidate } from '../../models/obb-test-model';
import { BUILD_DIR, HOOKS, MODELS, gstEnv, gstLaunch, readJsonl, run, tempDir, type JsonlObject } from '../helpers/gst';

interface RotationJson {
  angle: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
  corners: [number, number][];
}
type ObbObject = JsonlObject & { rotation?: RotationJson };

const SIZE = 320;
const LABELS = ['plane', 'ship', 'vehicle'];
/** Model-input pixels; the frame is 640x480, letterboxed (centred) into 320x320: scale 0.5, 40 rows of padding above. */
const CANDIDATES: ObbCandidate[] = [
  // A: a plane turned 30° clockwise.
  { cx: 160, cy: 120, w: 100, h: 30, scores: [0.9, 0, 0], angle: Math.PI / 6 },
  // A copy of A moved a little and turned 3° more: probiou ≈ 0.9 → suppressed.
  { cx: 162, cy: 121, w: 100, h: 30, scores: [0.8, 0, 0], angle: Math.PI / 6 + 0.05 },
  // The same bar crossing A at right angles (exported angle ≥ π/2: width and height swap, angle π/6): probiou
  // 1 − sqrt(1 − 1/sqrt(3.3003)) ≈ 0.33 < 0.45 → kept, although its enclosing box nearly equals A's.
  { cx: 160, cy: 120, w: 100, h: 30, scores: [0.7, 0, 0], angle: Math.PI / 6 + Math.PI / 2 },
  // C: a vehicle whose exported angle is 2.0 rad (the head's range reaches 3π/4): 2 − π/2, width and height swapped.
  { cx: 80, cy: 250, w: 60, h: 20, scores: [0, 0.1, 0.85], angle: 2 },
  // Below the threshold.
  { cx: 250, cy: 200, w: 40, h: 40, scores: [0.3, 0.2, 0.1], angle: 0.2 },
];

let dir = '';
let model = '';
let labels = '';

beforeAll(() => {
  dir = tempDir('tsvision-obb-');
  model = path.join(dir, 'obb-test.onnx');
  labels = path.join(dir, 'dota3.txt');
  writeObbTestModel(model, CANDIDATES, LABELS.length, SIZE);
  writeFileSync(labels, LABELS.join('\n') + '\n');
});

const source = (frames: number) => `videotestsrc num-buffers=${frames} ! video/x-raw,format=RGB,width=640,height=480`;

async function launch(pipeline: string): Promise<string> {
  const r = await gstLaunch(pipeline, { timeoutMs: 90_000 });
  expect(r.timedOut, 'pipeline hung').toBe(false);
  expect(r.signal, `crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).toBe(0);
  return r.output;
}

const detect = (extra = '') => `tsdetect model=${model} pre-process-config=resize=letterbox-centre threshold=0.5 iou-threshold=0.45 ${extra}`;

/** Hand-computed corners (frame pixels) of a width x height rectangle about (cx, cy) turned by a clockwise. */
function corners(cx: number, cy: number, w: number, h: number, a: number): [number, number][] {
  const [c, s] = [Math.cos(a), Math.sin(a)];
  const [ux, uy, vx, vy] = [(w / 2) * c, (w / 2) * s, (-h / 2) * s, (h / 2) * c];
  return [
    [cx + ux + vx, cy + uy + vy],
    [cx + ux - vx, cy + uy - vy],
    [cx - ux - vx, cy - uy - vy],
    [cx - ux + vx, cy - uy + vy],
  ];
}

function expectRotation(o: ObbObject, want: { cx: number; cy: number; width: number; height: number; angle: number }): void {
  const r = o.rotation!;
  expect(r, `${o.label} has a rotation`).toBeDefined();
  for (const k of ['cx', 'cy', 'width', 'height', 'angle'] as const) expect(r[k], k).toBeCloseTo(want[k], 3);
  const hand = corners(want.cx, want.cy, want.width, want.height, want.angle);
  r.corners.forEach(([x, y], k) => {
    expect(x, `corner ${k} x`).toBeCloseTo(hand[k][0], 3);
    expect(y, `corner ${k} y`).toBeCloseTo(hand[k][1], 3);
  });
  // The box is the one enclosing the corners.
  const xs = hand.map((p) => p[0]);
  const ys = hand.map((p) => p[1]);
  expect(o.box.x).toBeCloseTo(Math.max(0, Math.min(...xs)), 3);
  expect(o.box.y).toBeCloseTo(Math.max(0, Math.min(...ys)), 3);
  expect(o.box.x + o.box.width).toBeCloseTo(Math.min(640, Math.max(...xs)), 3);
  expect(o.box.y + o.box.height).toBeCloseTo(Math.min(480, Math.max(...ys)), 3);
}

// A in frame pixels: centre ((160 − 0) / 0.5, (120 − 40) / 0.5), size / 0.5, angle as exported.
const A = { cx: 320, cy: 160, width: 200, height: 60, angle: Math.PI / 6 };
const CROSSING = { cx: 320, cy: 160, width: 60, height: 200, angle: Math.PI / 6 };
const C = { cx: 160, cy: 420, width: 40, height: 120, angle: 2 - Math.PI / 2 };

describe('tsdetect with a YOLOv8-OBB model (generated)', () => {
  it('decodes oriented boxes (decoder chosen from the label count), undoes the letterbox, keeps the crossing bar, drops the near copy', async () => {
    const file = path.join(dir, 'auto.jsonl');
    const out = await launch(`${source(2)} ! ${detect(`labels-file=${labels}`)} ! tsexport location=${file} ! fakesink`);
    expect(out).not.toMatch(/WARN|ERROR/);
    const frames = readJsonl(file);
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      const objects = f.objects as ObbObject[];
      expect(objects.map((o) => o.label)).toEqual(['plane', 'vehicle', 'plane']); // best first
      expect(objects[0].confidence).toBeCloseTo(0.9, 5);
      expectRotation(objects[0], A);
      expect(objects[1].class_id).toBe(2);
      expectRotation(objects[1], C);
      expect(objects[2].confidence).toBeCloseTo(0.7, 5);
      expectRotation(objects[2], CROSSING);
    }
  });

  it('decoder=obb without a labels file: the same boxes, labelled by class id', async () => {
    const file = path.join(dir, 'override.jsonl');
    await launch(`${source(1)} ! ${detect('decoder=obb')} ! tsexport location=${file} ! fakesink`);
    const objects = readJsonl(file)[0].objects as ObbObject[];
    expect(objects.map((o) => o.label)).toEqual(['0', '2', '0']);
    expectRotation(objects[0], A);
  });

  it("a model named as the manifest's yolov8n-obb.onnx gets its description: DOTA labels, 1024 letterbox, the OBB decoder", async () => {
    // 15 classes (DOTA v1), input 1024: a 640x480 frame is scaled by 1.6 with 128 rows of padding above.
    const named = path.join(dir, 'yolov8n-obb.onnx');
    const scores = (k: number) => Array.from({ length: 15 }, (_, c) => (c === k ? 0.9 : 0));
    writeObbTestModel(named, [{ cx: 512, cy: 512, w: 160, h: 48, scores: scores(10), angle: 0.25 }], 15, 1024);
    const file = path.join(dir, 'manifest.jsonl');
    await launch(`${source(1)} ! tsdetect model=${named} ! tsexport location=${file} ! fakesink`);
    const objects = readJsonl(file)[0].objects as ObbObject[];
    expect(objects).toHaveLength(1);
    expect(objects[0].label).toBe('small vehicle');
    expectRotation(objects[0], { cx: 320, cy: 240, width: 100, height: 30, angle: 0.25 });
  });

  it('format=dlstreamer: the rectangle as gvadetect OBB writes it (own extent normalised + rotation), x/y/w/h the enclosing box', async () => {
    const file = path.join(dir, 'dls.jsonl');
    await launch(`${source(1)} ! ${detect(`labels-file=${labels}`)} ! tsexport format=dlstreamer location=${file} ! fakesink`);
    const line = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]);
    const o = line.objects[0];
    expect(o.roi_type).toBe('plane');
    expect(o.detection.rotation).toBeCloseTo(Math.PI / 6, 5);
    const bb = o.detection.bounding_box;
    expect(bb.x_min).toBeCloseTo((320 - 100) / 640, 5);
    expect(bb.x_max).toBeCloseTo((320 + 100) / 640, 5);
    expect(bb.y_min).toBeCloseTo((160 - 30) / 480, 5);
    expect(bb.y_max).toBeCloseTo((160 + 30) / 480, 5);
    const hand = corners(A.cx, A.cy, A.width, A.height, A.angle);
    const xs = hand.map((p) => p[0]);
    expect(o.x).toBe(Math.round(Math.min(...xs)));
    expect(Math.abs(o.w - (Math.max(...xs) - Math.min(...xs)))).toBeLessThanOrEqual(1);
  });

  it('tstrack keeps the rotation on the tracked objects (tracked by their enclosing boxes)', async () => {
    const file = path.join(dir, 'track.jsonl');
    await launch(`${source(6)} ! ${detect(`labels-file=${labels}`)} ! tstrack ! tsexport location=${file} ! fakesink`);
    const frames = readJsonl(file);
    expect(frames).toHaveLength(6);
    const last = frames[5].objects as ObbObject[];
    expect(last).toHaveLength(3);
    // The crossing bar's enclosing box is A's: the tracker (axis-aligned IoU) may leave one of the two unconfirmed.
    const vehicle = last.find((o) => o.label === 'vehicle')!;
    const plane = last.find((o) => o.label === 'plane' && o.confidence > 0.8)!;
    for (const o of [vehicle, plane]) expect(o.track_id, o.label).not.toBeNull();
    expectRotation(vehicle, C);
    expectRotation(plane, A);
  });
});

describe('attach-to-region with an OBB model', () => {
  it("the region's object becomes the oriented box found in it (the one overlapping it most), no new object", async () => {
    // One region, 320x240 at (100, 50): letterboxed (centred) into 320x320 at scale 1 with 40 rows above, so model
    // (x, y) is frame (x + 100, y + 10). A's box overlaps the region most (C's is smaller; the crossing bar ties
    // with A and is less confident).
    const region = { box: { x: 100, y: 50, width: 320, height: 240 }, label: 'area', classId: 7, confidence: 0.6 };
    const file = path.join(dir, 'attach.jsonl');
    await launch(
      `${source(1)} ! tsdetect module=${HOOKS}/overlay-objects.ts module-args='${JSON.stringify({ objects: [region] })}' ! ` +
        `${detect(`labels-file=${labels} inference-region=roi-list attach-to-region=true`)} ! tsexport location=${file} ! fakesink`,
    );
    const objects = readJsonl(file)[0].objects as ObbObject[];
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ label: 'area', class_id: 7 });
    expect(objects[0].confidence).toBeCloseTo(0.6, 5);
    expectRotation(objects[0], { cx: 260, cy: 130, width: 100, height: 30, angle: Math.PI / 6 });
  });
});

describe('tsoverlay oriented boxes', () => {
  it('draws the rotated rectangle (its sides in the object colour), not the axis-aligned box around it', async () => {
    const file = path.join(dir, 'frame.rgb');
    await launch(
      `videotestsrc pattern=black num-buffers=1 ! video/x-raw,format=RGB,width=640,height=480 ! ${detect(`labels-file=${labels}`)} ! ` +
        `tsoverlay draw-labels=false draw-confidence=false thickness=3 ! filesink location=${file}`,
    );
    const data = readFileSync(file);
    expect(data.length).toBe(640 * 480 * 3);
    const px = (x: number, y: number) => Array.from(data.subarray(3 * (Math.round(y) * 640 + Math.round(x)), 3 * (Math.round(y) * 640 + Math.round(x)) + 3));
    const black = [0, 0, 0];
    // C (the vehicle, alone): the middle of each side is drawn, its centre and its enclosing box's corners are not.
    const c = corners(C.cx, C.cy, C.width, C.height, C.angle);
    const colour = px((c[0][0] + c[1][0]) / 2, (c[0][1] + c[1][1]) / 2);
    expect(colour).not.toEqual(black);
    for (let k = 0; k < 4; k++) expect(px((c[k][0] + c[(k + 1) % 4][0]) / 2, (c[k][1] + c[(k + 1) % 4][1]) / 2), `side ${k}`).toEqual(colour);
    expect(px(C.cx, C.cy)).toEqual(black);
    const xs = c.map((p) => p[0]);
    const ys = c.map((p) => p[1]);
    for (const [x, y] of [
      [Math.min(...xs) + 2, Math.min(...ys) + 2],
      [Math.max(...xs) - 2, Math.min(...ys) + 2],
      [Math.min(...xs) + 2, Math.min(480, Math.max(...ys)) - 3],
    ])
      expect(px(x, y), `enclosing box corner ${x},${y}`).toEqual(black);
  });
});

describe('tsclassify on oriented objects', () => {
  it('classifies each oriented object from its upright crop; the objects keep their rotation', async () => {
    const file = path.join(dir, 'classify.jsonl');
    const mobilenet = path.join(MODELS, 'mobilenet_v2_quant_nnstreamer.onnx');
    await launch(
      `${source(1)} ! ${detect(`labels-file=${labels}`)} ! tsclassify model=${mobilenet} labels-file=${path.join(MODELS, 'imagenet_classes_1000.txt')} attribute-name=kind ! tsexport location=${file} ! fakesink`,
    );
    const objects = readJsonl(file)[0].objects as ObbObject[];
    expect(objects).toHaveLength(3);
    for (const o of objects) {
      expect(o.classifications.map((c) => c.attribute), o.label).toEqual(['kind']);
      expect(o.classifications[0].label.length).toBeGreaterThan(0);
    }
    expectRotation(objects[0], A);
    expectRotation(objects[1], C);
  });
});

describe('oriented boxes from hooks', () => {
  it('a detect() hook returning a rotation: it reaches tsexport in frame pixels, with its corners', async () => {
    const file = path.join(dir, 'hook.jsonl');
    await launch(`${source(2)} ! tsdetect module=${HOOKS}/obb-rotation.ts ! tsexport location=${file} ! fakesink`);
    const objects = readJsonl(file)[1].objects as ObbObject[];
    expect(objects).toHaveLength(1);
    expectRotation(objects[0], { cx: 200, cy: 150, width: 60, height: 20, angle: Math.PI / 4 });
  });

  it('an invalid rotation fails the pipeline with an error naming the hook (no crash, no hang)', async () => {
    const r = await gstLaunch(`${source(1)} ! tsdetect module=${HOOKS}/obb-rotation.ts module-args='{"invalid":true}' ! fakesink`, { timeoutMs: 90_000 });
    expect(r.timedOut).toBe(false);
    expect(r.signal, r.output).toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/detect\(\) returned detection 0 with an invalid rotation/);
  });
});

// GStreamer >= 1.26 (the Debian 13 root): the oriented OD mtd, as a foreign reader sees it (test/programs/analytics-pipeline.c).
const TOOL = path.join(BUILD_DIR, 'analytics-pipeline');
const gstMinor = Number(spawnSync('gst-inspect-1.0', ['--version'], { encoding: 'utf8' }).stdout.match(/GStreamer 1\.(\d+)/)?.[1] ?? 0);
const HAVE_ORIENTED = existsSync(TOOL) && gstMinor >= 26 && spawnSync('gst-inspect-1.0', ['tsvision'], { env: gstEnv(), encoding: 'utf8' }).stdout.includes('GstAnalytics metadata');

describe.skipIf(!HAVE_ORIENTED)('GstAnalytics oriented OD mtds (GStreamer >= 1.26)', () => {
  it("tsdetect writes each oriented box as an oriented OD mtd: the rectangle's own box before the turn and its angle", async () => {
    const r = await run(TOOL, [`${source(1)} ! ${detect(`labels-file=${labels}`)} ! identity name=dump ! fakesink`], { timeoutMs: 90_000 });
    expect(r.code, r.output).toBe(0);
    const line = JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('{'))!);
    const od = line.od as { label: string; x: number; y: number; w: number; h: number; oriented: { x: number; y: number; w: number; h: number; r: number } }[];
    expect(od.map((o) => o.label)).toEqual(['plane', 'vehicle', 'plane']);
    expect(od[0].oriented).toMatchObject({ x: 220, y: 130, w: 200, h: 60 });
    expect(od[0].oriented.r).toBeCloseTo(Math.PI / 6, 5);
    // get_location: the axis-aligned box around it (GStreamer computes it from the rectangle and r).
    const hand = corners(A.cx, A.cy, A.width, A.height, A.angle);
    expect(Math.abs(od[0].x - Math.min(...hand.map((p) => p[0])))).toBeLessThanOrEqual(1);
    expect(Math.abs(od[0].w - (Math.max(...hand.map((p) => p[0])) - Math.min(...hand.map((p) => p[0]))))).toBeLessThanOrEqual(2);
  });

  it("a foreign producer's oriented OD mtd is an oriented object for tsvision (tsexport's rotation, enclosing box)", async () => {
    const file = path.join(dir, 'foreign.jsonl');
    // A 120 x 40 rectangle with its top-left corner (before the turn) at (200, 100), turned 0.4 rad: centre (260, 120).
    const r = await run(
      TOOL,
      [`${source(1)} ! identity name=od ! tsexport location=${file} ! fakesink`, '--od', 'boat,200,100,120,40,0.8,0,0,0.4'],
      { timeoutMs: 90_000 },
    );
    expect(r.code, r.output).toBe(0);
    const objects = readJsonl(file)[0].objects as ObbObject[];
    expect(objects).toHaveLength(1);
    expect(objects[0].label).toBe('boat');
    expectRotation(objects[0], { cx: 260, cy: 120, width: 120, height: 40, angle: 0.4 });
  });
});
