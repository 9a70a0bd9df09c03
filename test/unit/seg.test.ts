/**
 * The instance segmentation decoder (yolov8-seg): chosen from the outputs, coefficients copied for the candidates,
 * masks made after NMS by the native kernel — checked against the TypeScript reference (decodeMasksJs) and against
 * masks whose answer is known (a constant prototype map: the whole box; a half plane: the box's half) — and masks
 * across the C++/JavaScript wire.
 */
import { describe, expect, it } from 'vitest';
import type { Detection } from '../../ts-runtime/api';
import { DECODERS, decodeMasksJs, maskRect, nms, selectDecoder, toDetections, useMaskKernel, yolov8Decoder, yolov8SegDecoder } from '../../elements/detect/index';
import type { MaskKernel, TensorLike } from '../../elements/detect/index';
import { loadPixelAddon } from '../../ts-runtime/preprocess/index';
import { decodeObjects, encodeObjects } from '../../ts-runtime/src/wire';

const addon = loadPixelAddon();
const nativeKernel: MaskKernel = (...args) => addon.decodeMasks(...args);

function random(n: number, seed: number, scale = 1): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s / 4294967296 - 0.5) * scale;
  }
  return out;
}

/** A [1, 4+C+M, N] seg head with the given candidates (others score 0), C classes, M coefficients. */
function segTensor(n: number, classes: number, m: number, cands: { col: number; box: [number, number, number, number]; cls: number; score: number; coef: number[] }[]): TensorLike {
  const rows = 4 + classes + m;
  const data = new Float32Array(rows * n);
  for (const c of cands) {
    c.box.forEach((v, r) => (data[r * n + c.col] = v));
    data[(4 + c.cls) * n + c.col] = c.score;
    c.coef.forEach((v, j) => (data[(4 + classes + j) * n + c.col] = v));
  }
  return { dims: [1, rows, n], data, type: 'float32' };
}

describe('yolov8-seg decoder', () => {
  it('is chosen for a YOLOv8 detections output beside a [1,M,h,w] prototypes output; decoder= names it', () => {
    const outputs = [
      { name: 'output0', dims: [1, 116, 2100] },
      { name: 'output1', dims: [1, 32, 80, 80] },
    ];
    expect(selectDecoder(outputs, 'auto', { width: 320, height: 320 })).toBe(yolov8SegDecoder);
    expect(selectDecoder(outputs)).toBe(yolov8SegDecoder);
    // The same detections without prototypes stay a detector.
    expect(selectDecoder([outputs[0]], 'auto', { width: 320, height: 320 })).toBe(yolov8Decoder);
    for (const name of ['yolov8-seg', 'yolo11-seg', 'seg']) expect(selectDecoder(outputs, name)).toBe(yolov8SegDecoder);
    expect(DECODERS['yolov8-seg']).toBe(yolov8SegDecoder);
  });

  it('keeps the coefficients of the candidates above the threshold only, and masks only the boxes NMS keeps', () => {
    const M = 4;
    const det = segTensor(50, 3, M, [
      { col: 7, box: [100, 100, 40, 40], cls: 1, score: 0.9, coef: [1, 2, 3, 4] },
      { col: 8, box: [101, 101, 40, 40], cls: 1, score: 0.8, coef: [5, 6, 7, 8] }, // suppressed by col 7
      { col: 20, box: [200, 50, 20, 60], cls: 2, score: 0.6, coef: [-1, 0, 0, 0] },
      { col: 30, box: [50, 50, 20, 20], cls: 0, score: 0.2, coef: [9, 9, 9, 9] }, // below the threshold
    ]);
    // Prototype 0 is 1 everywhere, the others 0: logit = coefficient 0.
    const protos = new Float32Array(M * 80 * 80);
    protos.fill(1, 0, 80 * 80);
    const outputs = { output0: det, output1: { dims: [1, M, 80, 80], data: protos, type: 'float32' } };
    const raw = yolov8SegDecoder.decode(outputs, { threshold: 0.5, inputWidth: 320, inputHeight: 320 });
    expect(raw.map((r) => Array.from(r.maskCoefficients!))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [-1, 0, 0, 0],
    ]);
    const kept = nms(raw, 0.45);
    expect(kept).toHaveLength(2);
    // A 640x640 frame into the 320 input: scale 0.5, no pad.
    const t = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 0, inputWidth: 320, inputHeight: 320 };
    yolov8SegDecoder.attachMasks!(kept, outputs, t, 640, 640, 0.5);
    expect(raw[1].mask).toBeUndefined();
    const dets = toDetections(kept, t, 640, 640, ['a', 'b', 'c']);
    // Logit 1 everywhere: the whole box; logit -1: nothing.
    const m0 = dets[0].mask!;
    expect([m0.x, m0.y, m0.width, m0.height]).toEqual([160, 160, 80, 80]);
    expect(m0.data.every((v) => v === 1)).toBe(true);
    const m1 = dets[1].mask!;
    expect([m1.x, m1.y, m1.width, m1.height]).toEqual([380, 40, 40, 120]);
    expect(m1.data.every((v) => v === 0)).toBe(true);
  });

  it('places the mask on the frame pixels whose centre lies in the box, clipped to the frame', () => {
    expect(maskRect(10.2, 20.6, 30.5, 40.4, 100, 100)).toEqual([10, 21, 20, 19]);
    expect(maskRect(-5, -5, 10, 10, 100, 100)).toEqual([0, 0, 10, 10]);
    expect(maskRect(95.2, 0, 120, 3, 100, 100)).toEqual([95, 0, 5, 3]);
    expect(maskRect(10.6, 10, 10.9, 20, 100, 100)).toEqual([0, 0, 0, 0]); // no pixel centre inside
    expect(maskRect(10, 10, 10, 20, 100, 100)).toEqual([0, 0, 0, 0]);
  });

  it('a half-plane prototype masks the box half on its side, through the letterbox (undone)', () => {
    // 640x360 frame letterboxed into 320x320: scale 0.5, pad y 70. Prototype: +8 where x < 40 (input x < 160).
    const protos = new Float32Array(80 * 80);
    for (let y = 0; y < 80; y++) for (let x = 0; x < 80; x++) protos[y * 80 + x] = x < 40 ? 8 : -8;
    const t = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 70, inputWidth: 320, inputHeight: 320 };
    const boxes = Float64Array.from([200, 100, 440, 300]);
    for (const kernel of [nativeKernel, decodeMasksJs]) {
      const [rects, data] = kernel(protos, [1, 80, 80], Float32Array.from([1]), boxes, t, 640, 360, 0.5);
      expect(Array.from(rects)).toEqual([200, 100, 240, 200]);
      // Frame x < 320 is input x < 160: inside. The bilinear blend crosses 0 exactly at the edge.
      for (let row = 0; row < 200; row += 37) {
        for (let col = 0; col < 240; col++) expect(data[row * 240 + col], `col ${col}`).toBe(200 + col < 320 ? 1 : 0);
      }
    }
  });

  it('the native kernel matches the TypeScript reference on random prototypes, boxes and letterboxes', () => {
    const cases = [
      { frame: [810, 1080], t: { scaleX: 320 / 1080, scaleY: 320 / 1080, padX: (320 - 810 * (320 / 1080)) / 2, padY: 0 }, grid: [80, 80], input: [320, 320] },
      { frame: [1280, 720], t: { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 140 }, grid: [160, 160], input: [640, 640] },
      { frame: [300, 200], t: { scaleX: 320 / 300, scaleY: 320 / 300, padX: 0, padY: (320 - 200 * (320 / 300)) / 2 }, grid: [80, 80], input: [320, 320] },
    ];
    let seed = 7;
    for (const c of cases) {
      const M = 32;
      const [gw, gh] = c.grid;
      const protos = random(M * gw * gh, seed++, 2);
      const n = 12;
      const coefficients = random(n * M, seed++, 2);
      const boxes = new Float64Array(4 * n);
      const r = random(4 * n, seed++, 1);
      for (let i = 0; i < n; i++) {
        const x1 = (r[4 * i] + 0.5) * c.frame[0] * 0.8 - 10;
        const y1 = (r[4 * i + 1] + 0.5) * c.frame[1] * 0.8 - 10;
        boxes.set([x1, y1, x1 + (r[4 * i + 2] + 0.6) * c.frame[0] * 0.4, y1 + (r[4 * i + 3] + 0.6) * c.frame[1] * 0.4], 4 * i);
      }
      const t = { ...c.t, inputWidth: c.input[0], inputHeight: c.input[1] };
      for (const threshold of [0.5, 0.3]) {
        const [nr, nd] = nativeKernel(protos, [M, gh, gw], coefficients, boxes, t, c.frame[0], c.frame[1], threshold);
        const [jr, jd] = decodeMasksJs(protos, [M, gh, gw], coefficients, boxes, t, c.frame[0], c.frame[1], threshold);
        expect(Array.from(nr)).toEqual(Array.from(jr));
        expect(nd.length).toBe(jd.length);
        let differ = 0;
        for (let i = 0; i < nd.length; i++) if (nd[i] !== jd[i]) differ++;
        // float32 sums against float64 ones: only pixels within rounding of the threshold may differ.
        expect(differ / nd.length).toBeLessThan(1e-4);
        expect(nd.reduce((a, v) => a + v, 0)).toBeGreaterThan(0.1 * nd.length);
      }
    }
  });

  it('uses the plugged-in kernel (the native one in the runtime) and falls back to the reference', () => {
    const calls: number[] = [];
    useMaskKernel((...args) => {
      calls.push(args[3].length);
      return nativeKernel(...args);
    });
    try {
      const det = segTensor(10, 1, 1, [{ col: 0, box: [50, 50, 20, 20], cls: 0, score: 0.9, coef: [3] }]);
      const outputs = { output0: det, output1: { dims: [1, 1, 20, 20], data: new Float32Array(400).fill(1), type: 'float32' } };
      const raw = yolov8SegDecoder.decode(outputs, { threshold: 0.5, inputWidth: 80, inputHeight: 80 });
      yolov8SegDecoder.attachMasks!(raw, outputs, { scaleX: 1, scaleY: 1, padX: 0, padY: 0, inputWidth: 80, inputHeight: 80 }, 80, 80, 0.5);
      expect(calls).toEqual([4]);
      expect(raw[0].mask!.data.length).toBe(400);
    } finally {
      useMaskKernel(null);
    }
  });

  it('rejects calls whose arrays are too short for the shapes (no read past the end)', () => {
    const t = { scaleX: 1, scaleY: 1, padX: 0, padY: 0, inputWidth: 80, inputHeight: 80 };
    expect(() => addon.decodeMasks(new Float32Array(10), [32, 20, 20], new Float32Array(32), new Float64Array(4), t, 80, 80, 0.5)).toThrow(/fewer values/);
    expect(() => addon.decodeMasks(new Float32Array(400), [1, 20, 20], new Float32Array(0), new Float64Array(4), t, 80, 80, 0.5)).toThrow(/fewer values/);
  });
});

describe('masks on the wire', () => {
  it('travel beside the objects (index, placement, bytes) and come back equal; objects without masks have none', () => {
    const data = Uint8Array.from([0, 1, 1, 0, 1, 1]);
    const objects: Detection[] = [
      { box: { x: 1, y: 2, width: 3, height: 4 }, label: 'ball', classId: 32, confidence: 0.5 },
      { box: { x: 10, y: 20, width: 3, height: 2 }, label: 'person', classId: 0, confidence: 0.9, mask: { x: 10, y: 20, width: 3, height: 2, data } },
    ];
    const wire = encodeObjects(objects, false);
    expect(wire[5]).toHaveLength(1);
    expect(wire[5][0].slice(0, 5)).toEqual([1, 10, 20, 3, 2]);
    expect(wire[5][0][5]).toBe(data); // no copy on the JavaScript side
    const back = decodeObjects(wire);
    expect(back[0].mask).toBeUndefined();
    expect(back[1].mask).toEqual(objects[1].mask);
    expect(encodeObjects([objects[0]], false)[5]).toEqual([]);
  });
});
