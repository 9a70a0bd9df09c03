/**
 * Semantic segmentation (tsclassify output-type=segmentation): the class-map shape test, the native argmax against
 * its TypeScript reference in both layouts (ties, NaN), the map's transform from frame pixels to cells (stretch and
 * letterbox, a map smaller than the input), the class an object's mask is made of, its mask, and the map across the
 * C++/JavaScript wire.
 */
import { describe, expect, it } from 'vitest';
import { argmaxJs, classMapShape, classMask, frameClasses, mapTransform, objectClass, type ArgmaxKernel } from '../../elements/classify/index';
import type { SegmentationMap } from '../../ts-runtime/api';
import { loadPixelAddon, preprocessGeometry, type PreprocessSpec } from '../../ts-runtime/preprocess/index';
import { decodeFrame, encodeResult, type WireFrame } from '../../ts-runtime/src/wire';

const addon = loadPixelAddon();
const nativeArgmax: ArgmaxKernel = (...a) => addon.argmaxClasses(...a);

function random(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

/** NHWC scores → NCHW (the same values, planes per class). */
function toNchw(nhwc: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(nhwc.length);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) out[k * h * w + i] = nhwc[i * c + k];
  return out;
}

describe('class-map outputs', () => {
  it('are [1,H,W,C] or [1,C,H,W] with C the labels and H, W > 1', () => {
    expect(classMapShape([1, 257, 257, 21], 21)).toEqual({ layout: 'NHWC', height: 257, width: 257, classes: 21 });
    expect(classMapShape([1, 21, 120, 160], 21)).toEqual({ layout: 'NCHW', height: 120, width: 160, classes: 21 });
    // Both fit (H = C): TensorFlow's NHWC.
    expect(classMapShape([1, 21, 30, 21], 21)?.layout).toBe('NHWC');
    expect(classMapShape([1, 1000], 1000)).toBeNull();
    expect(classMapShape([1, 1, 1, 21], 21)).toBeNull();
    expect(classMapShape([1, 3549, 85], 80)).toBeNull();
    expect(classMapShape([1, 257, 257, 21], 19)).toBeNull();
    // Without labels the smaller candidate axis is the classes.
    expect(classMapShape([1, 19, 512, 1024])?.layout).toBe('NCHW');
    expect(classMapShape([1, 257, 257, 21])?.layout).toBe('NHWC');
  });
});

describe('argmax per cell', () => {
  it('native equals the reference, NHWC and NCHW, on random scores', () => {
    for (const [h, w, c] of [
      [257, 257, 21],
      [7, 13, 2],
      [5, 3, 256],
    ]) {
      const nhwc = random(h * w * c, h * 31 + c);
      const nchw = toNchw(nhwc, h, w, c);
      const ref = argmaxJs(nhwc, h, w, c, 'NHWC');
      expect(argmaxJs(nchw, h, w, c, 'NCHW')).toEqual(ref);
      expect(nativeArgmax(nhwc, h, w, c, 'NHWC')).toEqual(ref);
      expect(nativeArgmax(nchw, h, w, c, 'NCHW')).toEqual(ref);
    }
  });

  it('ties go to the first class, NaN never wins, a cell of NaNs is class 0', () => {
    // 4 cells x 3 classes (NHWC).
    const s = Float32Array.from([1, 1, 0, /**/ NaN, 2, 5, /**/ NaN, NaN, NaN, /**/ -1, 3, NaN]);
    const want = Uint8Array.from([0, 2, 0, 1]);
    for (const k of [argmaxJs, nativeArgmax]) {
      expect(k(s, 2, 2, 3, 'NHWC')).toEqual(want);
      expect(k(toNchw(s, 2, 2, 3), 2, 2, 3, 'NCHW')).toEqual(want);
    }
  });

  it('the addon refuses short inputs, more than 256 classes and unknown layouts', () => {
    expect(() => addon.argmaxClasses(new Float32Array(10), 2, 2, 3, 'NHWC')).toThrow(/fewer/);
    expect(() => addon.argmaxClasses(new Float32Array(2 * 2 * 300), 2, 2, 300, 'NHWC')).toThrow(/256/);
    expect(() => addon.argmaxClasses(new Float32Array(12), 2, 2, 3, 'HWC' as 'NHWC')).toThrow(/layout/);
  });
});

/** A map whose cell (x, y) holds class `f(x, y)`. */
function mapOf(width: number, height: number, transform: SegmentationMap['transform'], f: (x: number, y: number) => number, labels: string[] = []): SegmentationMap {
  const classes = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) classes[y * width + x] = f(x, y);
  return { width, height, classes, labels, transform };
}

function spec(width: number, height: number, resize: PreprocessSpec['resize']): PreprocessSpec {
  return { width, height, resize, padValue: 0, channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], layout: 'NHWC' };
}

describe('the map transform', () => {
  it('stretch: frame pixels land on the cells covering them', () => {
    // A 640x480 frame stretched to a 320x240 input whose map is 80x60 (stride 4).
    const t = mapTransform(preprocessGeometry(640, 480, spec(320, 240, 'stretch')).transform, 80, 60);
    expect(t).toEqual({ scaleX: 1 / 8, scaleY: 1 / 8, padX: 0, padY: 0 });
    const m = mapOf(80, 60, t, (x, y) => x + 2 * y);
    const full = frameClasses(m, 640, 480);
    // Frame pixel (17, 9) is cell (2, 1).
    expect(full[9 * 640 + 17]).toBe(2 + 2 * 1);
    expect(full[479 * 640 + 639]).toBe(79 + 2 * 59);
  });

  it('letterbox: the padding is undone (a frame pixel never lands on the pad rows)', () => {
    // 640x320 into a 320x320 input (top-left letterbox, 160 rows of content), map at input resolution.
    const g = preprocessGeometry(640, 320, spec(320, 320, 'letterbox-centre')).transform;
    const t = mapTransform(g, 320, 320);
    expect(t.padY).toBe(80);
    const m = mapOf(320, 320, t, (_x, y) => (y < 80 || y >= 240 ? 9 : 1));
    const full = frameClasses(m, 640, 320);
    expect(full.every((v) => v === 1)).toBe(true);
  });
});

describe('per-object masks', () => {
  const labels = ['background', 'bus', 'person'];
  // A 100x100 frame, map 1:1: a person in columns 20..39, a bus in 60..99.
  const m = mapOf(100, 100, { scaleX: 1, scaleY: 1, padX: 0, padY: 0 }, (x) => (x >= 20 && x < 40 ? 2 : x >= 60 ? 1 : 0), labels);

  it("take the class named like the object's label, else the box's dominant non-background class", () => {
    const box = { x: 10, y: 10, width: 60, height: 50 };
    expect(objectClass('person', m, box, 100, 100)).toBe(2);
    expect(objectClass('Bus', m, box, 100, 100)).toBe(1);
    // Not a VOC label: 20 person columns beat 10 bus columns in the box.
    expect(objectClass('pedestrian', m, box, 100, 100)).toBe(2);
    expect(objectClass('thing', m, { x: 0, y: 0, width: 15, height: 15 }, 100, 100)).toBe(-1);
    // COCO spellings of VOC classes.
    const voc = mapOf(4, 4, { scaleX: 1, scaleY: 1, padX: 0, padY: 0 }, () => 0, ['background', 'aeroplane', 'motorbike', 'sofa', 'tvmonitor', 'diningtable']);
    const b = { x: 0, y: 0, width: 4, height: 4 };
    expect(['airplane', 'motorcycle', 'couch', 'tv', 'dining table'].map((l) => objectClass(l, voc, b, 4, 4))).toEqual([1, 2, 3, 4, 5]);
  });

  it('are the pixels of that class inside the box, placed like tsdetect masks', () => {
    const mask = classMask(m, 2, { x: 9.6, y: 10, width: 60, height: 50.2 }, 100, 100);
    expect([mask.x, mask.y, mask.width, mask.height]).toEqual([10, 10, 60, 50]);
    for (let r = 0; r < mask.height; r++) for (let c = 0; c < mask.width; c++) expect(mask.data[r * mask.width + c]).toBe(c + 10 >= 20 && c + 10 < 40 ? 1 : 0);
  });
});

describe('the map on the wire', () => {
  it('goes out in the result and comes back on a frame', () => {
    const map = mapOf(3, 2, { scaleX: 0.5, scaleY: 0.25, padX: 1, padY: 0 }, (x, y) => x + y, ['a', 'b', 'c', 'd']);
    const wire = encodeResult({ objects: [], segmentation: map }, new Float64Array(0), { hookMs: -1, modelMs: -1, preprocessMs: -1, decodeMs: -1 });
    const seg = wire[9]!;
    const frame: WireFrame = [0, -1, 6, 8, 'RGB', false, false, new Uint8Array(0), [0], [18], [new Float64Array(0), [], [], [], undefined, []], undefined, false, undefined, undefined, seg];
    expect(decodeFrame(frame).segmentation).toEqual(map);
  });
});
