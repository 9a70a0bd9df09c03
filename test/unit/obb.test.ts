/**
 * Oriented boxes: the YOLOv8-obb decoder (angle normalisation as Ultralytics' regularize_rboxes, enclosing box),
 * probabilistic IoU against hand-computed values, rotated NMS, the letterbox undone, the choice of decoder, the
 * wire, and the generated test model read back by onnxruntime.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  nmsRotated,
  probiou,
  regularizeRotation,
  rotatedCorners,
  selectDecoder,
  toDetections,
  yolov8Decoder,
  yolov8ObbDecoder,
  yolov8PoseDecoder,
} from '../../elements/detect/index';
import type { RawDetection } from '../../elements/detect/index';
import { obbTable, writeObbTestModel, type ObbCandidate } from '../../models/obb-test-model';
import { decodeObjects, encodeObjects } from '../../ts-runtime/src/wire';
import type { Detection, Rotation } from '../../ts-runtime/api';
import { preprocess } from '../../ts-runtime/preprocess/index';
import type { FrameLayout, PreprocessSpec } from '../../ts-runtime/preprocess/spec';
import { cropRegion } from '../../ts-runtime/src/elements/classify';
import { bestForRegion } from '../../ts-runtime/src/elements/detect';

const rot = (cx: number, cy: number, width: number, height: number, angle: number): Rotation => ({ cx, cy, width, height, angle });

describe('probiou (Ultralytics batch_probiou)', () => {
  it('is ~1 for the same box and for the same rectangle described turned by π/2', () => {
    // Identical Gaussians: the Bhattacharyya distance clamps to 1e-7, so 1 - sqrt(1 - e^-1e-7 + 1e-7) = 0.99955.
    expect(probiou(rot(50, 50, 40, 10, 0.3), rot(50, 50, 40, 10, 0.3))).toBeCloseTo(1 - Math.sqrt(1 - Math.exp(-1e-7) + 1e-7), 6);
    expect(probiou(rot(50, 50, 40, 10, 0), rot(50, 50, 10, 40, Math.PI / 2))).toBeGreaterThan(0.999);
  });

  it('matches the hand-computed value for two squares half a side apart', () => {
    // Σ = diag(s²/12): t1 = (2a·d²)/(4a²)/4 = d²/(8a) = 1.5 (d/s)², t2 = t3 = 0 → B = 0.375.
    const expected = 1 - Math.sqrt(1 - Math.exp(-0.375) + 1e-7);
    expect(probiou(rot(0, 0, 20, 20, 0), rot(10, 0, 20, 20, 0))).toBeCloseTo(expected, 6);
    expect(expected).toBeCloseTo(0.44079, 4);
  });

  it('matches the hand-computed value for a 4x1 bar and the same bar crossed at right angles', () => {
    // a = 16/12, b = 1/12: Σ1 = diag(a, b), Σ2 = diag(b, a); t3 = ½ ln((a+b)² / 4ab) = ½ ln(289/64).
    const bd = 0.5 * Math.log(289 / 64);
    expect(probiou(rot(5, 5, 4, 1, 0), rot(5, 5, 4, 1, Math.PI / 2))).toBeCloseTo(1 - Math.sqrt(1 - Math.exp(-bd) + 1e-7), 6);
  });

  it('is blind to the rotation of a square and falls to 0 far apart', () => {
    expect(probiou(rot(0, 0, 30, 30, 0), rot(0, 0, 30, 30, 0.7))).toBeGreaterThan(0.999);
    expect(probiou(rot(0, 0, 10, 10, 0), rot(500, 0, 10, 10, 0))).toBeCloseTo(0, 6);
  });
});

describe('regularizeRotation (Ultralytics regularize_rboxes)', () => {
  it('keeps angles in [0, π/2) and swaps width and height for the other half turn', () => {
    expect(regularizeRotation(rot(0, 0, 40, 10, 0.5))).toEqual(rot(0, 0, 40, 10, 0.5));
    const r = regularizeRotation(rot(0, 0, 40, 10, 0.5 + Math.PI / 2));
    expect([r.width, r.height]).toEqual([10, 40]);
    expect(r.angle).toBeCloseTo(0.5, 12);
    const neg = regularizeRotation(rot(0, 0, 40, 10, -0.3)); // the head's range starts at -π/4
    expect([neg.width, neg.height]).toEqual([10, 40]);
    expect(neg.angle).toBeCloseTo(Math.PI / 2 - 0.3, 12);
    // Same corners as a set: the rectangle did not change.
    const sorted = (c: [number, number][]) => c.map(([x, y]) => [Math.round(x * 1e6), Math.round(y * 1e6)].join()).sort();
    expect(sorted(rotatedCorners(neg))).toEqual(sorted(rotatedCorners(rot(0, 0, 40, 10, -0.3))));
  });

  it('gives corners clockwise on screen: angle π/6 puts the width axis towards +x, +y', () => {
    const [p1, p2, p3, p4] = rotatedCorners(rot(100, 100, 40, 20, Math.PI / 6));
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    expect(p1[0]).toBeCloseTo(100 + 20 * c - 10 * s, 9);
    expect(p1[1]).toBeCloseTo(100 + 20 * s + 10 * c, 9);
    expect(p2[0]).toBeCloseTo(100 + 20 * c + 10 * s, 9);
    expect(p2[1]).toBeCloseTo(100 + 20 * s - 10 * c, 9);
    expect(p3[0]).toBeCloseTo(100 - 20 * c + 10 * s, 9);
    expect(p4[1]).toBeCloseTo(100 - 20 * s + 10 * c, 9);
  });
});

function obbOutput(cands: ObbCandidate[], classes: number, n = 16) {
  return { output0: { dims: [1, 4 + classes + 1, n], data: obbTable(cands, classes, n), type: 'float32' } };
}

describe('yolov8-obb decoder', () => {
  it('reads box, best class and angle, with the enclosing box as x1..y2', () => {
    const raw = yolov8ObbDecoder.decode(
      obbOutput(
        [
          { cx: 200, cy: 100, w: 80, h: 20, scores: [0.1, 0.9, 0.2], angle: Math.PI / 6 },
          { cx: 50, cy: 50, w: 10, h: 10, scores: [0.3, 0.1, 0.2], angle: 0 },
        ],
        3,
      ),
      { threshold: 0.5, inputWidth: 320, inputHeight: 320 },
    );
    expect(raw).toHaveLength(1);
    const d = raw[0];
    expect(d.classId).toBe(1);
    expect(d.score).toBeCloseTo(0.9, 6);
    expect(d.rotation!.angle).toBeCloseTo(Math.PI / 6, 6);
    expect([d.rotation!.width, d.rotation!.height, d.rotation!.cx, d.rotation!.cy]).toEqual([80, 20, 200, 100]);
    // Half extents: 40 cos30 + 10 sin30 = 39.641, 40 sin30 + 10 cos30 = 28.660.
    expect(d.x1).toBeCloseTo(200 - 39.641, 3);
    expect(d.x2).toBeCloseTo(200 + 39.641, 3);
    expect(d.y1).toBeCloseTo(100 - 28.66, 3);
    expect(d.y2).toBeCloseTo(100 + 28.66, 3);
  });

  it('normalises an exported angle in [π/2, 3π/4) to [0, π/2) with width and height swapped', () => {
    const [d] = yolov8ObbDecoder.decode(obbOutput([{ cx: 10, cy: 10, w: 30, h: 6, scores: [0.8], angle: 2 }], 1), {
      threshold: 0.5,
      inputWidth: 64,
      inputHeight: 64,
    });
    expect(d.rotation!.angle).toBeCloseTo(2 - Math.PI / 2, 6);
    expect([d.rotation!.width, d.rotation!.height]).toEqual([6, 30]);
  });

  it('is chosen for a task obb model or when 4 + labels + 1 rows match, and by decoder=', () => {
    const outputs = [{ name: 'output0', dims: [1, 20, 21504] }]; // DOTA: 15 classes at 1024x1024
    const input = { width: 1024, height: 1024 };
    expect(selectDecoder(outputs, 'auto', input, { obb: true })).toBe(yolov8ObbDecoder);
    expect(selectDecoder(outputs, 'auto', input, { labelCount: 15 })).toBe(yolov8ObbDecoder);
    expect(selectDecoder(outputs, 'auto', input, { labelCount: 16 })).toBe(yolov8Decoder);
    expect(selectDecoder(outputs, 'auto', input)).toBe(yolov8Decoder);
    expect(selectDecoder(outputs, 'auto', input, { keypoints: true, labelCount: 15 })).toBe(yolov8PoseDecoder);
    for (const name of ['yolov8-obb', 'yolo11-obb', 'obb', 'OBB']) expect(selectDecoder(outputs, name)).toBe(yolov8ObbDecoder);
  });
});

describe('nmsRotated', () => {
  const det = (r: Rotation, score: number, classId = 0): RawDetection => ({ x1: r.cx - 1, y1: r.cy - 1, x2: r.cx + 1, y2: r.cy + 1, score, classId, rotation: r });

  it('drops a turned copy that overlaps by probiou, keeps a crossing bar that axis-aligned IoU would drop', () => {
    const best = det(rot(100, 100, 80, 16, 0.4), 0.9);
    const near = det(rot(102, 101, 80, 16, 0.45), 0.8);
    const crossing = det(rot(100, 100, 80, 16, 0.4 + Math.PI / 2), 0.7);
    // probiou of the crossing bar: a = 80²/12, b = 16²/12 → t3 = ½ ln((a+b)²/4ab) = ½ ln(6.76/4·... ) ≈ 0.48; about 0.29.
    expect(probiou(best.rotation!, crossing.rotation!)).toBeLessThan(0.45);
    expect(probiou(best.rotation!, near.rotation!)).toBeGreaterThan(0.45);
    expect(nmsRotated([near, crossing, best], 0.45)).toEqual([best, crossing]);
  });

  it('is class-aware unless told otherwise, best first, and limited by maxDetections', () => {
    const a = det(rot(50, 50, 40, 10, 0.2), 0.9, 0);
    const b = det(rot(50, 50, 40, 10, 0.2), 0.8, 1);
    expect(nmsRotated([b, a], 0.5)).toEqual([a, b]);
    expect(nmsRotated([b, a], 0.5, { classAware: false })).toEqual([a]);
    expect(nmsRotated([b, a], 0.5, { maxDetections: 1 })).toEqual([a]);
  });
});

describe('oriented boxes in frame pixels and on the wire', () => {
  it('undo a uniform letterbox: centre and size scaled back, angle unchanged', () => {
    // A 1280x640 frame letterboxed (centre) into 640x640: scale 0.5, pad 160 above and below.
    const raw: RawDetection = { x1: 0, y1: 0, x2: 0, y2: 0, score: 0.9, classId: 0, rotation: rot(320, 320, 100, 40, 0.6) };
    const [hx, hy] = [50 * Math.cos(0.6) + 20 * Math.sin(0.6), 50 * Math.sin(0.6) + 20 * Math.cos(0.6)];
    Object.assign(raw, { x1: 320 - hx, y1: 320 - hy, x2: 320 + hx, y2: 320 + hy });
    const [d] = toDetections([raw], { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 160 }, 1280, 640, ['plane']);
    expect(d.rotation).toEqual({ cx: 640, cy: 320, width: 200, height: 80, angle: 0.6 });
    expect(d.box.x + d.box.width / 2).toBeCloseTo(640, 9);
    expect(d.box.width).toBeCloseTo(4 * hx, 9);
  });

  it('keep the width axis exactly under a stretching resize', () => {
    const raw: RawDetection = { x1: 90, y1: 90, x2: 110, y2: 110, score: 0.9, classId: 0, rotation: rot(100, 100, 20, 10, Math.PI / 4) };
    const [d] = toDetections([raw], { scaleX: 1, scaleY: 0.5, padX: 0, padY: 0 }, 400, 400, []);
    const r = d.rotation!;
    // The width axis (10 cos45, 10 sin45) becomes (7.07, 14.14): length 15.81, angle atan2(2, 1).
    expect(r.width).toBeCloseTo(2 * Math.hypot(10 * Math.SQRT1_2, 20 * Math.SQRT1_2), 9);
    expect(r.angle).toBeCloseTo(Math.atan2(2, 1), 9);
    expect(r.width * r.height).toBeCloseTo(20 * 10 * 2, 6); // area scales by 1/(scaleX scaleY)
  });

  it('cross the wire as a separate array; objects without one are unchanged', () => {
    const objects: Detection[] = [
      { box: { x: 1, y: 2, width: 3, height: 4 }, label: 'a', classId: 0, confidence: 0.5 },
      { box: { x: 10, y: 20, width: 30, height: 40 }, label: 'b', classId: 1, confidence: 0.6, rotation: rot(25, 40, 30, 10, 0.25) },
    ];
    const wire = encodeObjects(objects, false);
    expect(Array.from(wire[4]!)).toEqual([1, 25, 40, 30, 10, 0.25]);
    const back = decodeObjects(wire);
    expect(back[0].rotation).toBeUndefined();
    expect(back[1].rotation).toEqual(objects[1].rotation);
    expect(encodeObjects([objects[0]], false)[4]).toHaveLength(0);
  });
});

describe('models/obb-test-model.ts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsvision-obb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a model onnxruntime runs, whose output is the table whatever the input', async () => {
    const cands: ObbCandidate[] = [{ cx: 100, cy: 60, w: 50, h: 20, scores: [0.2, 0.95], angle: 0.5 }];
    const file = path.join(dir, 'obb.onnx');
    writeObbTestModel(file, cands, 2, 64, 8);
    const session = await ort.InferenceSession.create(file);
    expect(session.inputNames).toEqual(['images']);
    const input = new ort.Tensor('float32', Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => i % 255), [1, 3, 64, 64]);
    const out = (await session.run({ images: input })).output0;
    expect(out.dims).toEqual([1, 7, 8]);
    expect(Array.from(out.data as Float32Array)).toEqual(Array.from(obbTable(cands, 2, 8)));
    await session.release();
  });
});

describe('rotated crops (the pixel addon: tsclassify on oriented boxes)', () => {
  // A synthetic 96x80 RGB frame whose every pixel is different: R = x, G = y, B = (7x + 3y) mod 256.
  const FW = 96;
  const FH = 80;
  const data = new Uint8Array(FW * FH * 3);
  for (let y = 0; y < FH; y++) for (let x = 0; x < FW; x++) data.set([x, y, (7 * x + 3 * y) % 256], 3 * (y * FW + x));
  const frame: FrameLayout = { format: 'RGB', width: FW, height: FH, data, offsets: [0], strides: [3 * FW] };
  const spec = (w: number, h: number, roi: PreprocessSpec['roi'], layout: 'NCHW' | 'NHWC' = 'NCHW'): PreprocessSpec => ({
    width: w,
    height: h,
    resize: 'stretch',
    padValue: 0,
    channelOrder: 'RGB',
    scale: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    layout,
    roi,
  });
  const at = (t: Float32Array, w: number, h: number, u: number, v: number) => [t[v * w + u], t[w * h + v * w + u], t[2 * w * h + v * w + u]];
  const pixel = (x: number, y: number) => [x, y, (7 * x + 3 * y) % 256];

  it('a quarter turn samples the frame exactly: crop (u, v) = frame (54 − v, 30 + u)', () => {
    // A 20 x 10 rectangle centred on (50, 40), turned π/2 clockwise: its width runs down the frame.
    const { tensor } = preprocess(frame, spec(20, 10, { x: 40, y: 35, width: 20, height: 10, angle: Math.PI / 2 }));
    for (let v = 0; v < 10; v++)
      for (let u = 0; u < 20; u++) {
        const got = at(tensor, 20, 10, u, v);
        const want = pixel(54 - v, 30 + u);
        got.forEach((g, c) => expect(g, `(${u},${v}) channel ${c}`).toBeCloseTo(want[c], 3));
      }
  });

  it('a tiny angle equals the axis-aligned crop, and a half turn flips it', () => {
    const roi = { x: 30, y: 20, width: 24, height: 16 };
    const straight = preprocess(frame, spec(24, 16, roi)).tensor;
    const tiny = preprocess(frame, spec(24, 16, { ...roi, angle: 1e-9 })).tensor;
    for (let i = 0; i < straight.length; i++) expect(tiny[i]).toBeCloseTo(straight[i], 3);
    const flipped = preprocess(frame, spec(24, 16, { ...roi, angle: Math.PI })).tensor;
    for (let v = 0; v < 16; v++) for (let u = 0; u < 24; u++) expect(at(flipped, 24, 16, u, v)[0]).toBeCloseTo(at(straight, 24, 16, 23 - u, 15 - v)[0], 3);
  });

  it('interpolates bilinearly at π/6 and clamps to the frame edge (NHWC, BGR, I420 too)', () => {
    const a = Math.PI / 6;
    const roi = { x: 70, y: 60, width: 40, height: 20, angle: a }; // reaches out of the frame at the bottom right
    const { tensor } = preprocess(frame, spec(40, 20, roi));
    const bilinear = (fx: number, fy: number) => {
      fx = Math.min(Math.max(fx, 0), FW - 1);
      fy = Math.min(Math.max(fy, 0), FH - 1);
      const [x0, y0] = [Math.floor(fx), Math.floor(fy)];
      const [x1, y1] = [Math.min(x0 + 1, FW - 1), Math.min(y0 + 1, FH - 1)];
      const [ax, ay] = [fx - x0, fy - y0];
      return [0, 1, 2].map((c) => {
        const top = pixel(x0, y0)[c] + (pixel(x1, y0)[c] - pixel(x0, y0)[c]) * ax;
        const bottom = pixel(x0, y1)[c] + (pixel(x1, y1)[c] - pixel(x0, y1)[c]) * ax;
        return top + (bottom - top) * ay;
      });
    };
    for (const [u, v] of [[0, 0], [13, 7], [39, 19], [20, 10], [5, 17]]) {
      const [du, dv] = [u + 0.5 - 20, v + 0.5 - 10];
      const want = bilinear(90 + du * Math.cos(a) - dv * Math.sin(a) - 0.5, 70 + du * Math.sin(a) + dv * Math.cos(a) - 0.5);
      at(tensor, 40, 20, u, v).forEach((g, c) => expect(g, `(${u},${v}) channel ${c}`).toBeCloseTo(want[c], 3));
    }
    // The same crop NHWC in BGR order.
    const nhwc = preprocess(frame, { ...spec(40, 20, roi, 'NHWC'), channelOrder: 'BGR' }).tensor;
    const i = (7 * 40 + 13) * 3;
    expect([nhwc[i + 2], nhwc[i + 1], nhwc[i]]).toEqual(at(tensor, 40, 20, 13, 7));
    // A grey I420 frame: every sample of the crop is that grey.
    const grey = new Uint8Array(FW * FH * 1.5).fill(128);
    const yuv: FrameLayout = { format: 'I420', width: FW, height: FH, data: grey, offsets: [0, FW * FH, FW * FH * 1.25], strides: [FW, FW / 2, FW / 2] };
    const g = preprocess(yuv, { ...spec(40, 20, roi), colorRange: 'full' }).tensor;
    expect(Math.min(...g)).toBeCloseTo(128, 3);
    expect(Math.max(...g)).toBeCloseTo(128, 3);
  });

  it('cropRegion: oriented objects are cropped upright by their rectangle, others by their box', () => {
    const box = { x: 1, y: 2, width: 30, height: 40 };
    const plain: Detection = { box, label: 'a', classId: 0, confidence: 1 };
    expect(cropRegion(plain, box)).toBe(box);
    expect(cropRegion({ ...plain, rotation: rot(50, 60, 40, 10, 0.5) }, box)).toEqual({ x: 30, y: 55, width: 40, height: 10, angle: 0.5 });
    expect(cropRegion({ ...plain, rotation: rot(50, 60, 40, 10, 0) }, box)).toBe(box);
  });
});

describe('bestForRegion (attach-to-region)', () => {
  const d = (x: number, y: number, w: number, h: number, confidence: number): Detection => ({ box: { x, y, width: w, height: h }, label: 'person', classId: 0, confidence });
  const region = { x: 100, y: 100, width: 100, height: 200 };

  it('takes the detection overlapping the region most, not the most confident one', () => {
    const neighbour = d(170, 100, 100, 200, 0.95); // half in the crop
    const own = d(105, 110, 90, 185, 0.7);
    expect(bestForRegion(region, [neighbour, own])).toBe(own);
  });

  it('breaks equal overlaps by confidence and finds nothing when no box overlaps', () => {
    const a = d(100, 100, 100, 200, 0.6);
    const b = d(100, 100, 100, 200, 0.8);
    expect(bestForRegion(region, [a, b])).toBe(b);
    expect(bestForRegion(region, [d(300, 300, 10, 10, 0.9)])).toBeUndefined();
    expect(bestForRegion(region, [])).toBeUndefined();
  });
});
