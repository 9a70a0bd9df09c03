/**
 * Detector output decoders: synthetic tensors with known answers, automatic decoder selection, the
 * mapping to frame pixels, and every detector model of ../shared/models run on real photos.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  DECODER_NAMES,
  end2endDecoder,
  gflDecoder,
  halfToFloat,
  iou,
  nms,
  selectDecoder,
  ssdDecoder,
  tensorValues,
  toDetections,
  ultrafaceDecoder,
  yolov5Decoder,
  yolov8Decoder,
  yoloxDecoder,
} from '../../elements/detect/index';
import type { Decoder, RawDetection, TensorLike } from '../../elements/detect/index';
import type { Detection } from '../../ts-runtime/api';
import { preprocessReference } from '../../ts-runtime/preprocess/reference';
import type { PreprocessSpec } from '../../ts-runtime/preprocess/spec';
import { loadRgbImage, rgbFrame } from '../helpers/images';

const SHARED = new URL('../../../shared/', import.meta.url).pathname;
const MODELS = `${SHARED}models/`;
const MEDIA = `${SHARED}media/`;

function f32(dims: number[], values: ArrayLike<number> | ((i: number) => number) = () => 0): TensorLike {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = typeof values === 'function' ? values(i) : values[i];
  return { dims, data, type: 'float32' };
}

function closeBox(d: RawDetection, box: [number, number, number, number], digits = 4): void {
  expect(d.x1).toBeCloseTo(box[0], digits);
  expect(d.y1).toBeCloseTo(box[1], digits);
  expect(d.x2).toBeCloseTo(box[2], digits);
  expect(d.y2).toBeCloseTo(box[3], digits);
}

// ---------------------------------------------------------------------------------------------------
describe('yolox decoder (synthetic)', () => {
  // 64x64 input: 8x8 + 4x4 + 2x2 = 84 cells; 2 classes → rows of 7.
  const K = 7;
  function yoloxOutput(): TensorLike {
    const t = f32([1, 84, K]);
    const d = t.data as Float32Array;
    // stride-16 cell (gx=1, gy=2): row 64 + 2*4 + 1 = 73
    d.set([0.5, 0.25, Math.log(2), 0, 0.9, 0.1, 0.8], 73 * K);
    // stride-8 cell (gx=7, gy=0), below threshold after obj*cls
    d.set([0, 0, 0, 0, 0.9, 0.2, 0.1], 7 * K);
    // stride-32 cell (gx=1, gy=1): row 64 + 16 + 3 = 83, class 0
    d.set([0, 0, 0, Math.log(0.5), 0.6, 0.9, 0.3], 83 * K);
    return t;
  }

  it('decodes a known cell to the expected box, score and class', () => {
    const dets = yoloxDecoder.decode({ output: yoloxOutput() }, { threshold: 0.25, inputWidth: 64, inputHeight: 64 });
    expect(dets).toHaveLength(2);
    const a = dets.find((d) => d.classId === 1);
    const b = dets.find((d) => d.classId === 0);
    if (!a || !b) throw new Error('missing detections');
    // cx = (0.5+1)*16 = 24, cy = (0.25+2)*16 = 36, w = 2*16 = 32, h = 16
    closeBox(a, [8, 28, 40, 44]);
    expect(a.score).toBeCloseTo(0.72, 5);
    // cx = 32, cy = 32, w = 32, h = 16
    closeBox(b, [16, 24, 48, 40]);
    expect(b.score).toBeCloseTo(0.54, 5);
  });

  it('respects the threshold (inclusive) and numClasses', () => {
    expect(yoloxDecoder.decode({ output: yoloxOutput() }, { threshold: 0.6, inputWidth: 64, inputHeight: 64 })).toHaveLength(1);
    const only0 = yoloxDecoder.decode({ output: yoloxOutput() }, { threshold: 0.05, inputWidth: 64, inputHeight: 64, numClasses: 1 });
    expect(only0.every((d) => d.classId === 0)).toBe(true);
    expect(only0).toHaveLength(3);
  });

  it('handles non-square inputs (grid from the input size)', () => {
    // 96x64: 12x8 + 6x4 + 3x2 = 126 cells
    const t = f32([1, 126, 6]);
    (t.data as Float32Array).set([0, 0, 0, 0, 1, 1], (96 + 6 * 2 + 5) * 6); // stride-16 cell gx=5, gy=2
    const [d] = yoloxDecoder.decode({ output: t }, { threshold: 0.5, inputWidth: 96, inputHeight: 64 });
    closeBox(d, [72, 24, 88, 40]);
  });

  it('throws a clear error when the row count does not fit the input size', () => {
    expect(() => yoloxDecoder.decode({ output: f32([1, 84, 7]) }, { threshold: 0.5, inputWidth: 416, inputHeight: 416 })).toThrow(/84 rows.*3549 grid cells/);
  });
});

describe('yolov5 decoder (synthetic)', () => {
  it('reads decoded cx,cy,w,h and multiplies objectness by the best class score', () => {
    const t = f32([1, 3, 8], [
      100, 50, 20, 10, 0.8, 0.1, 0.5, 0.9, // class 2, score 0.72
      10, 10, 4, 4, 0.2, 0.9, 0.9, 0.9, // objectness too low
      30, 40, 10, 20, 0.9, 0.6, 0.1, 0.2, // class 0, score 0.54
    ]);
    const dets = yolov5Decoder.decode({ output: t }, { threshold: 0.5, inputWidth: 640, inputHeight: 640 });
    expect(dets).toHaveLength(2);
    closeBox(dets[0], [90, 45, 110, 55]);
    expect(dets[0].classId).toBe(2);
    expect(dets[0].score).toBeCloseTo(0.72, 5);
    closeBox(dets[1], [25, 30, 35, 50]);
    expect(dets[1].classId).toBe(0);
  });

  it('reads float16 outputs', () => {
    // half bits: 100 = 0x5640, 50 = 0x5240, 20 = 0x4d00, 10 = 0x4900, 1 = 0x3c00, 0.5 = 0x3800
    const data = new Uint16Array([0x5640, 0x5240, 0x4d00, 0x4900, 0x3c00, 0x3800, 0x3c00]);
    const dets = yolov5Decoder.decode({ out: { dims: [1, 1, 7], data, type: 'float16' } }, { threshold: 0.5, inputWidth: 640, inputHeight: 640 });
    expect(dets).toHaveLength(1);
    closeBox(dets[0], [90, 45, 110, 55]);
    expect(dets[0].classId).toBe(1);
    expect(dets[0].score).toBe(1);
  });
});

describe('tensor values', () => {
  it('converts IEEE half floats', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBeCloseTo(5.960464477539063e-8, 15);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.33325, 5);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('returns float32 data without copying and converts integer types', () => {
    const data = new Float32Array([1, 2]);
    expect(tensorValues({ dims: [2], data, type: 'float32' })).toBe(data);
    expect(Array.from(tensorValues({ dims: [2], data: new BigInt64Array([3n, -4n]), type: 'int64' }))).toEqual([3, -4]);
    expect(Array.from(tensorValues({ dims: [2], data: new Int8Array([-5, 6]), type: 'int8' }))).toEqual([-5, 6]);
  });
});

describe('yolov8 decoder (synthetic)', () => {
  it('reads the channels-first [1,4+C,N] layout without objectness', () => {
    const n = 4;
    const c = 3;
    const vals = new Float32Array((4 + c) * n);
    const set = (ch: number, i: number, v: number): void => {
      vals[ch * n + i] = v;
    };
    // candidate 2: cx 320, cy 200, w 100, h 50, class 1 score 0.8
    set(0, 2, 320);
    set(1, 2, 200);
    set(2, 2, 100);
    set(3, 2, 50);
    set(4, 2, 0.3);
    set(5, 2, 0.8);
    set(6, 2, 0.1);
    // candidate 0: best score 0.2 (below threshold)
    set(4, 0, 0.2);
    const dets = yolov8Decoder.decode({ output0: f32([1, 4 + c, n], vals) }, { threshold: 0.25, inputWidth: 640, inputHeight: 640 });
    expect(dets).toHaveLength(1);
    closeBox(dets[0], [270, 175, 370, 225]);
    expect(dets[0].classId).toBe(1);
    expect(dets[0].score).toBeCloseTo(0.8, 6);
  });
});

describe('end2end decoder (synthetic)', () => {
  it('reads [1,K,6] rows x1,y1,x2,y2,score,class and drops padding', () => {
    const t = f32([1, 3, 6], [10, 20, 110, 220, 0.9, 16, 5, 5, 50, 50, 0.3, 0, 0, 0, 0, 0, 0, 0]);
    const dets = end2endDecoder.decode({ output0: t }, { threshold: 0.25, inputWidth: 640, inputHeight: 640 });
    expect(dets).toEqual([
      { x1: 10, y1: 20, x2: 110, y2: 220, score: expect.closeTo(0.9, 6) as number, classId: 16 },
      { x1: 5, y1: 5, x2: 50, y2: 50, score: expect.closeTo(0.3, 6) as number, classId: 0 },
    ]);
  });

  it('reads [K,7] rows batch,x1,y1,x2,y2,class,score (batch 0 only)', () => {
    const t = f32([2, 7], [0, 10, 20, 110, 220, 3, 0.75, 1, 1, 1, 9, 9, 2, 0.9]);
    const dets = end2endDecoder.decode({ output: t }, { threshold: 0.25, inputWidth: 640, inputHeight: 640 });
    expect(dets).toHaveLength(1);
    closeBox(dets[0], [10, 20, 110, 220]);
    expect(dets[0].classId).toBe(3);
    expect(dets[0].score).toBeCloseTo(0.75, 6);
  });
});

describe('gfl decoder (synthetic)', () => {
  // 32x32 input, strides 8 (16 cells) and 16 (4 cells), 2 classes, regMax 3 (4 bins, 16 values per cell).
  function distances(bins: number[]): number[] {
    // one (near) one-hot distribution per side at the given bin
    const out: number[] = [];
    for (const b of bins) for (let j = 0; j < 4; j++) out.push(j === b ? 30 : 0);
    return out;
  }
  function outputs(names: [string, string, string, string]): Record<string, TensorLike> {
    const cls8 = f32([1, 16, 2]);
    const dis8 = f32([1, 16, 16]);
    const cls16 = f32([1, 4, 2]);
    const dis16 = f32([1, 4, 16]);
    // stride 8, cell (gx=2, gy=1) = index 6: class 1 score 0.7, distances l=1,t=2,r=3,b=0 bins
    (cls8.data as Float32Array).set([0.1, 0.7], 6 * 2);
    (dis8.data as Float32Array).set(distances([1, 2, 3, 0]), 6 * 16);
    // stride 16, cell (gx=1, gy=0) = index 1: class 0 score 0.9, all sides 2 bins
    (cls16.data as Float32Array).set([0.9, 0.2], 1 * 2);
    (dis16.data as Float32Array).set(distances([2, 2, 2, 2]), 1 * 16);
    const [c8, c16, d8, d16] = names;
    return { [c8]: cls8, [c16]: cls16, [d8]: dis8, [d16]: dis16 };
  }
  const expectDecoded = (dets: RawDetection[]): void => {
    expect(dets).toHaveLength(2);
    const a = dets.find((d) => d.classId === 1);
    const b = dets.find((d) => d.classId === 0);
    if (!a || !b) throw new Error('missing detections');
    // stride 8 centre: (2*8 + 3.5, 1*8 + 3.5) = (19.5, 11.5); l=8, t=16, r=24, b=0
    closeBox(a, [11.5, -4.5, 43.5, 11.5], 3);
    expect(a.score).toBeCloseTo(0.7, 6);
    // stride 16 centre: (16 + 7.5, 7.5) = (23.5, 7.5); every side 32
    closeBox(b, [-8.5, -24.5, 55.5, 39.5], 3);
  };

  it('decodes NanoDet-named outputs (strides from the names)', () => {
    const out = outputs(['cls_pred_stride_8', 'cls_pred_stride_16', 'dis_pred_stride_8', 'dis_pred_stride_16']);
    expectDecoded(gflDecoder.decode(out, { threshold: 0.5, inputWidth: 32, inputHeight: 32 }));
  });

  it('decodes PicoDet-style anonymous outputs (classes first, strides from the cell counts)', () => {
    const out = outputs(['scale_0.tmp_1', 'scale_1.tmp_1', 'scale_2.tmp_1', 'scale_3.tmp_1']);
    expectDecoded(gflDecoder.decode(out, { threshold: 0.5, inputWidth: 32, inputHeight: 32 }));
  });
});

describe('ssd decoders (synthetic)', () => {
  it('ultraface: softmax face column, normalised corners scaled to the input size', () => {
    const scores = f32([1, 3, 2], [0.1, 0.9, 0.8, 0.2, 0.4, 0.6]);
    const boxes = f32([1, 3, 4], [0.1, 0.2, 0.3, 0.4, 0, 0, 1, 1, 0.5, 0.5, 0.75, 1]);
    const dets = ultrafaceDecoder.decode({ scores, boxes }, { threshold: 0.5, inputWidth: 320, inputHeight: 240 });
    expect(dets).toHaveLength(2);
    closeBox(dets[0], [32, 48, 96, 96]);
    expect(dets[0].classId).toBe(0);
    expect(dets[0].score).toBeCloseTo(0.9, 6);
    closeBox(dets[1], [160, 120, 240, 240]);
    expect(ultrafaceDecoder.defaultLabels).toEqual(['face']);
  });

  it('multi-class SSD: column 0 is background, class id = column - 1', () => {
    const scores = f32([1, 2, 4], [0.1, 0.1, 0.1, 0.7, 0.9, 0.05, 0.05, 0]);
    const boxes = f32([1, 2, 4], [0, 0, 0.5, 0.5, 0, 0, 1, 1]);
    const dets = ssdDecoder.decode({ boxes, scores }, { threshold: 0.3, inputWidth: 300, inputHeight: 300 });
    expect(dets).toHaveLength(1);
    expect(dets[0].classId).toBe(2);
    closeBox(dets[0], [0, 0, 150, 150]);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('selectDecoder', () => {
  const pick = (outs: [string, number[]][], input?: { width: number; height: number }): string =>
    selectDecoder(outs.map(([name, dims]) => ({ name, dims })), undefined, input).name;

  it('recognises every shared model from its output names and shapes, with or without the input size', () => {
    const cases: [string, [string, number[]][], { width: number; height: number }][] = [
      ['yolox', [['output', [1, 3549, 85]]], { width: 416, height: 416 }],
      ['yolox', [['output', [1, 756, 6]]], { width: 192, height: 192 }],
      ['yolov8', [['output0', [1, 84, 8400]]], { width: 640, height: 640 }],
      ['end2end', [['output0', [1, 300, 6]]], { width: 640, height: 640 }],
      ['yolov5', [['output0', [1, 25200, 85]]], { width: 640, height: 640 }],
      [
        'gfl',
        ['8', '16', '32'].flatMap((s, i): [string, number[]][] => [
          [`cls_pred_stride_${s}`, [1, [1600, 400, 100][i], 80]],
          [`dis_pred_stride_${s}`, [1, [1600, 400, 100][i], 32]],
        ]),
        { width: 320, height: 320 },
      ],
      [
        'gfl',
        [1600, 400, 100, 25, 1600, 400, 100, 25].map((n, i): [string, number[]] => [`save_infer_model/scale_${i}.tmp_1`, [1, n, i < 4 ? 80 : 32]]),
        { width: 320, height: 320 },
      ],
      ['ultraface', [['scores', [1, 4420, 2]], ['boxes', [1, 4420, 4]]], { width: 320, height: 240 }],
      ['ssd', [['detection_boxes', [1, 1917, 4]], ['detection_scores', [1, 1917, 91]]], { width: 300, height: 300 }],
    ];
    for (const [expected, outs, input] of cases) {
      expect(pick(outs, input)).toBe(expected);
      expect(pick(outs)).toBe(expected);
    }
  });

  it('uses the input size for non-square YOLO inputs', () => {
    // 640x384: 80*48 + 40*24 + 20*12 = 5040 cells
    expect(pick([['output', [1, 5040, 85]]], { width: 640, height: 384 })).toBe('yolox');
    expect(pick([['output', [1, 15120, 85]]], { width: 640, height: 384 })).toBe('yolov5');
    expect(pick([['output0', [1, 84, 5040]]], { width: 640, height: 384 })).toBe('yolov8');
  });

  it('ignores raw rank-5 feature maps next to a decoded YOLOv5 output', () => {
    expect(pick([['output', [1, 25200, 85]], ['345', [1, 3, 80, 80, 85]], ['403', [1, 3, 40, 40, 85]]])).toBe('yolov5');
  });

  it('honours decoder= overrides and aliases, rejecting unknown names with the valid list', () => {
    const outs = [{ name: 'output', dims: [1, 3549, 85] }];
    expect(selectDecoder(outs, 'yolov5').name).toBe('yolov5');
    expect(selectDecoder(outs, 'NanoDet').name).toBe('gfl');
    expect(selectDecoder(outs, 'auto').name).toBe('yolox');
    expect(() => selectDecoder(outs, 'retinanet')).toThrow(/unknown decoder 'retinanet'.*yolox, yolov5, yolov8, yolov8-pose, yolov8-obb, yolov8-seg, end2end, gfl, ssd, ultraface/);
  });

  it('throws a helpful error for an unrecognised output set', () => {
    const outs = [
      { name: 'heatmap', dims: [1, 80, 128, 128] },
      { name: 'wh', dims: [1, 2, 128, 128] },
      { name: 'reg', dims: [1, 2, 128, 128] },
    ];
    let message = '';
    try {
      selectDecoder(outs);
    } catch (e) {
      message = e instanceof Error ? e.message : String(e);
    }
    expect(message).toContain("'heatmap' [1,80,128,128]");
    expect(message).toContain("'wh' [1,2,128,128]");
    expect(message).toContain('decoder=');
    for (const name of DECODER_NAMES) expect(message).toContain(name);
    expect(() => selectDecoder([{ name: 'logits', dims: [1, 1000] }])).toThrow(/'logits' \[1,1000\].*decoder=/);
    expect(() => selectDecoder([])).toThrow(/no outputs/);
  });
});

describe('toDetections', () => {
  it('maps model pixels to frame pixels, clips, drops empty boxes and labels by class id', () => {
    // letterbox-centre of a 200x100 frame into 100x100: scale 0.5, padY 25
    const t = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 25 };
    const raw: RawDetection[] = [
      { x1: 10, y1: 35, x2: 30, y2: 55, score: 0.9, classId: 1 },
      { x1: -10, y1: 20, x2: 20, y2: 80, score: 0.8, classId: 7 }, // clipped on the left, top and bottom
      { x1: 50, y1: 0, x2: 60, y2: 20, score: 0.7, classId: 0 }, // entirely in the padding: dropped
    ];
    const dets: Detection[] = toDetections(raw, t, 200, 100, ['person', 'bicycle']);
    expect(dets).toEqual([
      { box: { x: 20, y: 20, width: 40, height: 40 }, label: 'bicycle', classId: 1, confidence: 0.9 },
      { box: { x: 0, y: 0, width: 40, height: 100 }, label: '7', classId: 7, confidence: 0.8 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Real models on real photos.

type Corners4 = [number, number, number, number];
interface Expected {
  labels: readonly string[];
  box: Corners4;
}
/** Hand-checked object regions (frame pixels, x1,y1,x2,y2) of the shared photos. */
const OBJECTS: Record<string, { expected: Expected[]; plausible: readonly string[] }> = {
  'dog.jpg': {
    expected: [
      { labels: ['dog'], box: [130, 215, 312, 540] },
      { labels: ['bicycle'], box: [125, 135, 568, 420] },
      { labels: ['truck', 'car'], box: [465, 75, 692, 170] },
    ],
    plausible: ['dog', 'bicycle', 'truck', 'car', 'cat', 'motorcycle'],
  },
  'person.jpg': {
    expected: [
      { labels: ['person'], box: [190, 97, 274, 375] },
      { labels: ['horse'], box: [403, 137, 601, 344] },
      { labels: ['dog'], box: [62, 263, 201, 350] },
    ],
    plausible: ['person', 'horse', 'dog', 'sheep', 'cow'],
  },
  'zidane.jpg': {
    expected: [
      { labels: ['person'], box: [720, 40, 1145, 720] },
      { labels: ['person'], box: [145, 197, 690, 718] },
    ],
    plausible: ['person', 'tie'],
  },
  'bus.jpg': {
    expected: [
      { labels: ['bus'], box: [15, 225, 800, 750] },
      { labels: ['person'], box: [48, 395, 230, 905] },
      { labels: ['person'], box: [215, 402, 350, 870] },
      { labels: ['person'], box: [670, 390, 810, 880] },
    ],
    plausible: ['bus', 'person', 'skateboard', 'bicycle', 'handbag', 'stop sign', 'car', 'truck'],
  },
};
/** UltraFace: the two faces of zidane.jpg. */
const FACES: Expected[] = [
  { labels: ['face'], box: [923, 107, 1055, 283] },
  { labels: ['face'], box: [545, 243, 656, 427] },
];

const corners = (d: Detection): Corners4 => [d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height];
const boxIou = (a: Corners4, b: Corners4): number => iou({ x1: a[0], y1: a[1], x2: a[2], y2: a[3] }, { x1: b[0], y1: b[1], x2: b[2], y2: b[3] });

const yoloxSpec = (size: number): PreprocessSpec => ({
  width: size,
  height: size,
  resize: 'letterbox',
  padValue: 114,
  channelOrder: 'BGR',
  scale: 1,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  layout: 'NCHW',
});
const yolov8Spec: PreprocessSpec = {
  width: 640,
  height: 640,
  resize: 'letterbox-centre',
  padValue: 114,
  channelOrder: 'RGB',
  scale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  layout: 'NCHW',
};
const gflSpec: PreprocessSpec = {
  width: 320,
  height: 320,
  resize: 'letterbox-centre',
  padValue: 0,
  channelOrder: 'BGR',
  scale: 1,
  mean: [103.53, 116.28, 123.675],
  std: [57.375, 57.12, 58.395],
  layout: 'NCHW',
};
const ultrafaceSpec: PreprocessSpec = {
  width: 320,
  height: 240,
  resize: 'stretch',
  padValue: 0,
  channelOrder: 'RGB',
  scale: 1,
  mean: [127, 127, 127],
  std: [128, 128, 128],
  layout: 'NCHW',
};

interface ModelCase {
  model: string;
  spec: PreprocessSpec;
  decoder: string;
  threshold: number;
  /** image → expected objects (default: OBJECTS[image].expected, filtered by `onlyLabels`) */
  images: readonly string[];
  onlyLabels?: readonly string[];
  faces?: boolean;
}

const MODEL_CASES: ModelCase[] = [
  { model: 'yolox_nano_416', spec: yoloxSpec(416), decoder: 'yolox', threshold: 0.3, images: ['dog.jpg', 'person.jpg', 'zidane.jpg', 'bus.jpg'] },
  { model: 'light_person_detector', spec: yoloxSpec(192), decoder: 'yolox', threshold: 0.3, images: ['person.jpg', 'zidane.jpg', 'bus.jpg'], onlyLabels: ['person'] },
  { model: 'yolov8n_int8_dynamic', spec: yolov8Spec, decoder: 'yolov8', threshold: 0.3, images: ['dog.jpg'] },
  { model: 'yolo26n_int8_end2end', spec: yolov8Spec, decoder: 'end2end', threshold: 0.3, images: ['dog.jpg', 'bus.jpg'] },
  { model: 'nanodet_m_320', spec: gflSpec, decoder: 'gfl', threshold: 0.3, images: ['dog.jpg', 'person.jpg', 'zidane.jpg', 'bus.jpg'] },
  { model: 'picodet_s_320_coco', spec: gflSpec, decoder: 'gfl', threshold: 0.3, images: ['dog.jpg', 'person.jpg', 'zidane.jpg', 'bus.jpg'] },
  { model: 'ultraface_version-RFB-320', spec: ultrafaceSpec, decoder: 'ultraface', threshold: 0.7, images: ['zidane.jpg'], faces: true },
];

const COCO: readonly string[] = readFileSync(`${MODELS}coco_classes.txt`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');

describe('real detector models (../shared/models)', () => {
  const images = new Map<string, ReturnType<typeof loadRgbImage>>();
  const image = (name: string): ReturnType<typeof loadRgbImage> => {
    let img = images.get(name);
    if (!img) {
      img = loadRgbImage(MEDIA + name);
      images.set(name, img);
    }
    return img;
  };

  it('has 80 COCO labels', () => {
    expect(COCO).toHaveLength(80);
    expect(COCO[16]).toBe('dog');
  });

  for (const c of MODEL_CASES) {
    it(`${c.model}: auto-selected '${c.decoder}' decoder finds the expected objects`, async () => {
      const session = await ort.InferenceSession.create(`${MODELS}${c.model}.onnx`, { logSeverityLevel: 3 });
      try {
        const inputName = session.inputNames[0];
        for (const imgName of c.images) {
          const img = image(imgName);
          const { tensor, transform } = preprocessReference(rgbFrame(img), c.spec);
          const outputs = await session.run({ [inputName]: new ort.Tensor('float32', tensor, [1, 3, c.spec.height, c.spec.width]) });

          // Selection from the real output names and shapes, with and without the input size.
          const infos = session.outputNames.map((name) => ({ name, dims: outputs[name].dims }));
          const decoder: Decoder = selectDecoder(infos, undefined, { width: c.spec.width, height: c.spec.height });
          expect(decoder.name).toBe(c.decoder);
          expect(selectDecoder(infos).name).toBe(c.decoder);

          const raw = decoder.decode(outputs, { threshold: c.threshold, inputWidth: c.spec.width, inputHeight: c.spec.height });
          const kept = nms(raw, 0.45);
          const labels = c.faces ? (decoder.defaultLabels ?? []) : COCO;
          const dets = toDetections(kept, transform, img.width, img.height, labels);
          const summary = dets.map((d) => `${d.label} ${d.confidence.toFixed(2)} [${corners(d).map((v) => v.toFixed(0)).join(',')}]`).join('; ');

          const expected = c.faces
            ? FACES
            : OBJECTS[imgName].expected.filter((e) => !c.onlyLabels || e.labels.some((l) => c.onlyLabels?.includes(l)));
          for (const e of expected) {
            const best = Math.max(0, ...dets.filter((d) => e.labels.includes(d.label)).map((d) => boxIou(corners(d), e.box)));
            expect(best, `${c.model} on ${imgName}: ${e.labels.join('/')} at [${e.box.join(',')}] — got ${summary}`).toBeGreaterThanOrEqual(0.5);
          }
          // No confident nonsense: detections at >= 0.6 carry labels that belong in the picture.
          const plausible = c.faces ? ['face'] : (c.onlyLabels ?? OBJECTS[imgName].plausible);
          for (const d of dets.filter((x) => x.confidence >= 0.6)) {
            expect(plausible, `${c.model} on ${imgName}: unexpected ${d.label} ${d.confidence.toFixed(2)}`).toContain(d.label);
          }
          if (c.faces) expect(dets.length, summary).toBeLessThanOrEqual(3);
          // Every box lies inside the frame.
          for (const d of dets) {
            expect(d.box.x).toBeGreaterThanOrEqual(0);
            expect(d.box.y).toBeGreaterThanOrEqual(0);
            expect(d.box.x + d.box.width).toBeLessThanOrEqual(img.width + 1e-9);
            expect(d.box.y + d.box.height).toBeLessThanOrEqual(img.height + 1e-9);
          }
        }
      } finally {
        await session.release();
      }
    });
  }
});
