/**
 * The pose decoder (YOLOv8/YOLO11-pose `[1, 4+C+3K, N]`): a synthetic tensor with known keypoints, the choice
 * of decoder from the model description, keypoints in frame pixels after the letterbox, keypoints following
 * their box through NMS, and the wire (keypoints as a separate array; objects without keypoints unchanged).
 */
import { describe, expect, it } from 'vitest';
import { DECODERS, nms, poseLayout, selectDecoder, toDetections, yolov8Decoder, yolov8PoseDecoder } from '../../elements/detect/index';
import type { TensorLike } from '../../elements/detect/index';
import { decodeObjects, encodeObjects } from '../../ts-runtime/src/wire';
import type { Detection } from '../../ts-runtime/api';

const K = 17;
const CH = 4 + 1 + 3 * K;

/** A `[1, 56, n]` output: candidate i = { cx, cy, w, h, score, keypoints (x, y, v) x 17 }. */
function poseTensor(cands: { box: [number, number, number, number]; score: number; kp: (k: number) => [number, number, number] }[], n = 8): TensorLike {
  const data = new Float32Array(CH * n);
  cands.forEach((c, i) => {
    c.box.forEach((v, r) => (data[r * n + i] = v));
    data[4 * n + i] = c.score;
    for (let k = 0; k < K; k++) {
      const [x, y, v] = c.kp(k);
      data[(5 + 3 * k) * n + i] = x;
      data[(6 + 3 * k) * n + i] = y;
      data[(7 + 3 * k) * n + i] = v;
    }
  });
  return { dims: [1, CH, n], data, type: 'float32' };
}

const NAMES = Array.from({ length: K }, (_, k) => `p${k}`);

describe('yolov8-pose decoder', () => {
  it('reads boxes, scores and 17 keypoints per candidate above the threshold', () => {
    const t = poseTensor([
      { box: [320, 320, 100, 200], score: 0.9, kp: (k) => [300 + k, 250 + 5 * k, k / 20] },
      { box: [100, 100, 50, 50], score: 0.2, kp: () => [0, 0, 0] },
    ]);
    const raw = yolov8PoseDecoder.decode({ output0: t }, { threshold: 0.5, numKeypoints: K, inputWidth: 640, inputHeight: 640 });
    expect(raw).toHaveLength(1);
    expect(raw[0]).toMatchObject({ x1: 270, y1: 220, x2: 370, y2: 420, classId: 0 });
    expect(raw[0].score).toBeCloseTo(0.9, 6);
    expect(raw[0].keypoints).toHaveLength(3 * K);
    expect(Array.from(raw[0].keypoints!.subarray(3 * 16, 3 * 17))).toEqual([316, 330, Math.fround(16 / 20)]);
  });

  it('takes K from the shape for a one-class head, and refuses shapes that do not fit', () => {
    expect(poseLayout(56)).toEqual({ classes: 1, keypoints: 17 });
    expect(poseLayout(56, 17)).toEqual({ classes: 1, keypoints: 17 });
    expect(poseLayout(4 + 2 + 3 * 5, 5)).toEqual({ classes: 2, keypoints: 5 });
    expect(() => poseLayout(57)).toThrow(/keypoints/);
    expect(() => poseLayout(56, 20)).toThrow(/20 keypoints/);
  });

  it('is chosen for a YOLOv8-layout output when the model description names keypoints, and by decoder=', () => {
    const outputs = [{ name: 'output0', dims: [1, 56, 8400] }];
    const input = { width: 640, height: 640 };
    expect(selectDecoder(outputs, 'auto', input, { keypoints: true })).toBe(yolov8PoseDecoder);
    expect(selectDecoder(outputs, 'auto', input)).toBe(yolov8Decoder);
    expect(selectDecoder(outputs, 'auto', undefined, { keypoints: true })).toBe(yolov8PoseDecoder);
    for (const name of ['yolov8-pose', 'yolo11-pose', 'pose', 'POSE']) expect(selectDecoder(outputs, name)).toBe(yolov8PoseDecoder);
    expect(DECODERS['yolov8-pose']).toBe(yolov8PoseDecoder);
  });

  it('maps keypoints to frame pixels through the letterbox, with names and skeleton; NMS keeps each box with its own', () => {
    // A 1280x720 frame letterboxed into 640x640: scale 0.5, pad y 140.
    const transform = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 140 };
    const t = poseTensor([
      { box: [320, 320, 100, 200], score: 0.8, kp: (k) => [300 + k, 250 + k, 0.5] },
      { box: [322, 322, 100, 200], score: 0.9, kp: (k) => [400 + k, 260 + k, 0.7] }, // overlaps: the better one wins
      { box: [100, 300, 40, 80], score: 0.6, kp: (k) => [90 + k, 280 + k, 0.4] },
    ]);
    const raw = yolov8PoseDecoder.decode({ output0: t }, { threshold: 0.5, numKeypoints: K, inputWidth: 640, inputHeight: 640 });
    const kept = nms(raw, 0.45);
    const skeleton: [number, number][] = [
      [0, 1],
      [15, 16],
    ];
    const dets = toDetections(kept, transform, 1280, 720, ['person'], { names: NAMES, skeleton });
    expect(dets).toHaveLength(2);
    expect(dets[0].confidence).toBeCloseTo(0.9, 6);
    expect(dets[0].keypoints![0]).toEqual({ name: 'p0', x: 800, y: 240, confidence: Math.fround(0.7) });
    expect(dets[0].keypoints![16]).toEqual({ name: 'p16', x: 832, y: 272, confidence: Math.fround(0.7) });
    expect(dets[1].keypoints![3]).toMatchObject({ name: 'p3', x: 186, y: 286 });
    expect(dets[0].skeleton).toEqual(skeleton);
    // Without names: kp<k>.
    expect(toDetections(kept, transform, 1280, 720, ['person'])[0].keypoints![5].name).toBe('kp5');
  });
});

describe('keypoints on the wire', () => {
  it('travel beside the objects numbers and come back equal; objects without keypoints have none', () => {
    const objects: Detection[] = [
      { box: { x: 1, y: 2, width: 3, height: 4 }, label: 'ball', classId: 32, confidence: 0.5 },
      {
        box: { x: 10, y: 20, width: 30, height: 40 },
        label: 'person',
        classId: 0,
        confidence: 0.9,
        keypoints: [
          { name: 'nose', x: 15.5, y: 22.25, confidence: 0.75 },
          { name: 'left_eye', x: 16, y: 21, confidence: 0.5 },
        ],
        skeleton: [[0, 1]],
      },
    ];
    const wire = encodeObjects(objects, false);
    expect(wire[3]).toHaveLength(1);
    expect(wire[3][0][0]).toBe(1);
    const back = decodeObjects(wire);
    expect(back[0].keypoints).toBeUndefined();
    expect(back[1].keypoints).toEqual(objects[1].keypoints);
    expect(back[1].skeleton).toEqual([[0, 1]]);
    expect(encodeObjects([objects[0]], false)[3]).toEqual([]);
  });
});
