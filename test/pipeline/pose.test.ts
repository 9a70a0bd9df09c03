/**
 * Pose keypoints end to end in real gst-launch-1.0 pipelines: yolo11n-pose on photos with people (the decoder
 * chosen from the model description), keypoints from a postprocess() hook through the ROI metas to tsexport
 * (both schemas), and tstrack keeping them on the tracked objects.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOKS, MODELS, YOLOX, gstLaunch, imageSource, readJsonl, tempDir, type JsonlObject } from '../helpers/gst';

const POSE = path.join(MODELS, 'yolo11n-pose_w8a32_derived.onnx');
const COCO_KEYPOINTS = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'];

interface Kp {
  name: string;
  x: number;
  y: number;
  confidence: number;
}
type PoseObject = JsonlObject & { keypoints?: Kp[] };

async function launch(pipeline: string): Promise<string> {
  const r = await gstLaunch(pipeline, { timeoutMs: 90_000 });
  expect(r.timedOut, 'pipeline hung').toBe(false);
  expect(r.signal, `crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).toBe(0);
  return r.output;
}

async function poseOn(image: string, exportProps = ''): Promise<{ objects: PoseObject[]; file: string }> {
  const file = path.join(tempDir(), 'pose.jsonl');
  await launch(`${imageSource(image, 'RGB', 1)} ! tsdetect model=${POSE} ! tsexport location=${file} ${exportProps} ! fakesink`);
  const frames = readJsonl(file);
  expect(frames).toHaveLength(1);
  return { objects: frames[0].objects as PoseObject[], file };
}

const point = (o: PoseObject, name: string) => o.keypoints!.find((k) => k.name === name)!;

describe('yolo11n-pose in tsdetect', () => {
  it('bus.jpg: every person has the 17 COCO keypoints, the visible ones inside the box, heads above shoulders above hips above ankles', async () => {
    const { objects } = await poseOn('bus.jpg');
    const people = objects.filter((o) => o.label === 'person');
    expect(people.length).toBeGreaterThanOrEqual(3); // the three pedestrians in front of the bus
    for (const p of people) {
      expect(p.keypoints!.map((k) => k.name)).toEqual(COCO_KEYPOINTS);
      const visible = p.keypoints!.filter((k) => k.confidence > 0.5);
      expect(visible.length).toBeGreaterThanOrEqual(8);
      // Joints lie in the person's box (a tenth of its size of slack: arms and feet reach its edge).
      const mx = 0.1 * p.box.width;
      const my = 0.1 * p.box.height;
      for (const k of visible) {
        expect(k.x, k.name).toBeGreaterThanOrEqual(p.box.x - mx);
        expect(k.x, k.name).toBeLessThanOrEqual(p.box.x + p.box.width + mx);
        expect(k.y, k.name).toBeGreaterThanOrEqual(p.box.y - my);
        expect(k.y, k.name).toBeLessThanOrEqual(p.box.y + p.box.height + my);
      }
      const y = (name: string) => point(p, name).y;
      expect(y('left_shoulder')).toBeLessThan(y('left_hip'));
      expect(y('left_hip')).toBeLessThan(y('left_ankle'));
      expect(y('right_shoulder')).toBeLessThan(y('right_hip'));
    }
    // The two people fully in view: nose seen, above the ankles, ankles near the box bottom.
    const full = people.filter((p) => point(p, 'nose').confidence > 0.9 && point(p, 'left_ankle').confidence > 0.9);
    expect(full.length).toBeGreaterThanOrEqual(2);
    for (const p of full) {
      expect(point(p, 'nose').y).toBeLessThan(point(p, 'left_ankle').y - 0.6 * p.box.height);
      expect(point(p, 'left_ankle').y).toBeGreaterThan(p.box.y + 0.8 * p.box.height);
    }
  });

  it('zidane.jpg: two people, faces seen (nose and eyes), the face in the upper part of the box', async () => {
    const { objects } = await poseOn('zidane.jpg');
    const people = objects.filter((o) => o.label === 'person' && o.confidence > 0.6);
    expect(people).toHaveLength(2);
    for (const p of people) {
      for (const name of ['nose', 'right_eye']) expect(point(p, name).confidence).toBeGreaterThan(0.9);
      expect(point(p, 'nose').y).toBeLessThan(p.box.y + 0.4 * p.box.height);
      expect(point(p, 'right_eye').y).toBeLessThan(point(p, 'nose').y);
    }
  });

  it('format=dlstreamer writes the keypoints tensor gvametaconvert writes for gvadetect pose models', async () => {
    const { file } = await poseOn('zidane.jpg', 'format=dlstreamer');
    const line = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]);
    const o = line.objects[0];
    const t = o.tensors.find((x: { name: string }) => x.name === 'keypoints');
    expect(t).toMatchObject({ format: 'keypoints', precision: 'FP32', dims: [17, 2] });
    expect(t.data).toHaveLength(34);
    expect(t.confidence).toHaveLength(17);
    expect(t.point_names).toEqual(COCO_KEYPOINTS);
    expect(t.point_connections).toHaveLength(2 * 19); // COCO's skeleton
    // Relative to the box: the nose lies inside it.
    expect(t.data[0]).toBeGreaterThan(0);
    expect(t.data[0]).toBeLessThan(1);
  });
});

describe('decoder=pose on a model that is not one', () => {
  it('fails at start with an error naming the decoder property and the keypoints (no crash, no hang)', async () => {
    const r = await gstLaunch(`${imageSource('bus.jpg', 'RGB', 1)} ! tsdetect model=${path.join(MODELS, 'yolov8n_int8_dynamic.onnx')} decoder=pose ! fakesink`, {
      timeoutMs: 90_000,
    });
    expect(r.timedOut).toBe(false);
    expect(r.signal, r.output).toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/yolov8-pose.*84 channels.*keypoints.*\(property decoder\)/s);
  });
});

describe('keypoints from a postprocess() hook', () => {
  const hookDetect = `tsdetect model=${YOLOX} module=${HOOKS}/pose-keypoints.ts`;
  const source = (frames: number) => `videotestsrc num-buffers=${frames} ! video/x-raw,width=640,height=480`;

  it('reach tsexport in frame pixels (a point outside the box too); objects without keypoints have none', async () => {
    const file = path.join(tempDir(), 'hook.jsonl');
    await launch(`${source(3)} ! ${hookDetect} ! tsexport location=${file} ! fakesink`);
    const frames = readJsonl(file);
    expect(frames).toHaveLength(3);
    frames.forEach((f, i) => {
      const person = f.objects.find((o) => o.label === 'person') as PoseObject;
      const ball = f.objects.find((o) => o.label === 'ball') as PoseObject;
      expect(ball.keypoints).toBeUndefined();
      const kp = person.keypoints!;
      expect(kp.map((k) => k.name)).toEqual(['head', 'left_hand', 'right_foot']);
      const want = [
        [200 + 2 * i, 80, 0.9],
        [110 + 2 * i, 200.25, 0.6],
        [320 + 2 * i, 340, 0.3],
      ];
      kp.forEach((k, j) => {
        expect(k.x).toBeCloseTo(want[j][0], 3);
        expect(k.y).toBeCloseTo(want[j][1], 3);
        expect(k.confidence).toBeCloseTo(want[j][2], 5);
      });
    });
  });

  it('reach the hooks of a later element in frame.detections, with their skeleton (C++ back to JavaScript)', async () => {
    const file = path.join(tempDir(), 'echo.jsonl');
    await launch(`${source(2)} ! ${hookDetect} ! tsdetect module=${HOOKS}/echo-keypoints.ts ! tsexport location=${file} ! fakesink`);
    const frames = readJsonl(file);
    expect(frames).toHaveLength(2);
    frames.forEach((f, i) => {
      const echo = f.objects.filter((o) => o.label === 'echo') as PoseObject[];
      expect(echo).toHaveLength(1); // the ball has no keypoints: no echo
      expect(echo[0].keypoints!.map((k) => k.name)).toEqual(['head:0-1/0-2', 'left_hand:0-1/0-2', 'right_foot:0-1/0-2']);
      expect(echo[0].keypoints![2].x).toBeCloseTo(320 + 2 * i, 3);
      expect(echo[0].keypoints![2].y).toBeCloseTo(390, 3);
      expect(echo[0].keypoints![1].confidence).toBeCloseTo(0.6, 5);
    });
  });

  it('tstrack keeps them on the tracked objects, with the ids it writes onto the same metas', async () => {
    const file = path.join(tempDir(), 'track.jsonl');
    await launch(`${source(6)} ! ${hookDetect} ! tstrack ! tsexport location=${file} ! fakesink`);
    const frames = readJsonl(file);
    expect(frames).toHaveLength(6);
    const last = frames[5].objects.find((o) => o.label === 'person') as PoseObject;
    expect(last.track_id).not.toBeNull();
    expect(last.keypoints!.map((k) => k.name)).toEqual(['head', 'left_hand', 'right_foot']);
    expect(last.keypoints![0].x).toBeCloseTo(210, 3);
    const tracked = frames.flatMap((f) => f.objects).filter((o) => o.track_id !== null && o.label === 'person') as PoseObject[];
    expect(tracked.length).toBeGreaterThanOrEqual(4);
    for (const o of tracked) expect(o.keypoints).toHaveLength(3);
  });
});

describe('tsoverlay skeletons', () => {
  // A person (class 0: palette colour 0, pure hue 0) with three keypoints: A and B seen, C below the default
  // keypoint-threshold 0.5; skeleton A-B and A-C. Drawn alone (no box, no label) on black.
  const W = 320;
  const H = 240;
  const RED = [255, 38, 38];
  const objects = [
    {
      box: { x: 60, y: 60, width: 200, height: 170 },
      label: 'person',
      classId: 0,
      confidence: 0.9,
      keypoints: [
        { name: 'a', x: 100, y: 100, confidence: 0.9 },
        { name: 'b', x: 200, y: 100, confidence: 0.8 },
        { name: 'c', x: 100, y: 200, confidence: 0.3 },
      ],
      skeleton: [
        [0, 1],
        [0, 2],
      ],
    },
  ];

  async function draw(overlayProps: string): Promise<(x: number, y: number) => number[]> {
    const file = path.join(tempDir(), 'frame.rgb');
    await launch(
      `videotestsrc pattern=black num-buffers=1 ! video/x-raw,format=RGB,width=${W},height=${H} ! ` +
        `tsdetect module=${HOOKS}/overlay-objects.ts module-args='${JSON.stringify({ objects })}' ! ` +
        `tsoverlay draw-boxes=false draw-labels=false draw-confidence=false thickness=2 ${overlayProps} ! filesink location=${file}`,
    );
    const data = readFileSync(file);
    expect(data.length).toBe(W * H * 3);
    return (x, y) => Array.from(data.subarray(3 * (y * W + x), 3 * (y * W + x) + 3));
  }

  it('draws the seen points and the lines between them in the object colour, nothing of the unseen point', async () => {
    const px = await draw('');
    expect(px(100, 96)).toEqual(RED); // A's dot (radius 5), off the line
    expect(px(200, 104)).toEqual(RED); // B's dot
    expect(px(150, 100)).toEqual(RED); // the A-B line
    expect(px(100, 150)).toEqual([0, 0, 0]); // A-C: C is not seen
    expect(px(100, 200)).toEqual([0, 0, 0]); // C itself
    expect(px(150, 120)).toEqual([0, 0, 0]); // nothing else
  });

  it('keypoint-threshold lowers what counts as seen; draw-keypoints=false draws none', async () => {
    const low = await draw('keypoint-threshold=0.2');
    expect(low(100, 150)).toEqual(RED);
    expect(low(100, 200)).toEqual(RED);
    const off = await draw('draw-keypoints=false');
    for (const [x, y] of [
      [100, 96],
      [150, 100],
      [200, 104],
    ])
      expect(off(x, y)).toEqual([0, 0, 0]);
  });
});
