/**
 * tsdetect inference-region=roi-list attach-to-region=true: a pose model behind a person detector gives each
 * detected person its keypoints (no new objects), in real gst-launch-1.0 pipelines on a photo with people;
 * without attach-to-region the pose detections stay new objects, as before.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COCO_LABELS, MODELS, YOLOX, gstLaunch, imageSource, readJsonl, tempDir, type JsonlObject } from '../helpers/gst';

const POSE = path.join(MODELS, 'yolo11n-pose_w8a32_derived.onnx');
type PoseObject = JsonlObject & { keypoints?: { name: string; x: number; y: number; confidence: number }[] };

const PEOPLE = `tsdetect model=${YOLOX} labels-file=${COCO_LABELS} object-class=person`;

async function objectsOf(stages: string): Promise<PoseObject[]> {
  const file = path.join(tempDir(), 'out.jsonl');
  const r = await gstLaunch(`${imageSource('zidane.jpg', 'RGB', 1)} ! ${stages} ! tsexport location=${file} ! fakesink`, { timeoutMs: 120_000 });
  expect(r.timedOut, 'pipeline hung').toBe(false);
  expect(r.signal, `crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).toBe(0);
  const frames = readJsonl(file);
  expect(frames).toHaveLength(1);
  return frames[0].objects as PoseObject[];
}

describe('tsdetect attach-to-region (person detector → pose model)', () => {
  it("gives each person the keypoints of the pose found in its region: the detector's objects, no new ones", async () => {
    const people = await objectsOf(PEOPLE);
    expect(people.length).toBeGreaterThanOrEqual(2);
    const attached = await objectsOf(`${PEOPLE} ! tsdetect model=${POSE} inference-region=roi-list attach-to-region=true`);
    expect(attached).toHaveLength(people.length);
    attached.forEach((o, i) => {
      // The same object (box, label, confidence of the person detector)...
      expect(o.label).toBe('person');
      expect(o.confidence).toBeCloseTo(people[i].confidence, 5);
      for (const k of ['x', 'y', 'width', 'height'] as const) expect(o.box[k]).toBeCloseTo(people[i].box[k], 1);
      // ...with 17 keypoints, those seen inside its box (a tenth of its size of slack).
      expect(o.keypoints, `person ${i}`).toHaveLength(17);
      const seen = o.keypoints!.filter((k) => k.confidence > 0.5);
      expect(seen.length, `person ${i} keypoints seen`).toBeGreaterThanOrEqual(5);
      for (const k of seen) {
        expect(k.x, k.name).toBeGreaterThanOrEqual(o.box.x - 0.1 * o.box.width);
        expect(k.x, k.name).toBeLessThanOrEqual(o.box.x + 1.1 * o.box.width);
        expect(k.y, k.name).toBeGreaterThanOrEqual(o.box.y - 0.1 * o.box.height);
        expect(k.y, k.name).toBeLessThanOrEqual(o.box.y + 1.1 * o.box.height);
      }
      // The face in the upper half of the box (both men face the camera).
      const nose = o.keypoints!.find((k) => k.name === 'nose')!;
      expect(nose.confidence).toBeGreaterThan(0.5);
      expect(nose.y).toBeLessThan(o.box.y + 0.5 * o.box.height);
    });
    // Two people, two different poses.
    expect(attached[0].keypoints![0].x).not.toBeCloseTo(attached[1].keypoints![0].x, 0);
  });

  it('without attach-to-region the pose detections are new objects beside the people (as before)', async () => {
    const people = await objectsOf(PEOPLE);
    const added = await objectsOf(`${PEOPLE} ! tsdetect model=${POSE} inference-region=roi-list`);
    expect(added.length).toBeGreaterThan(people.length);
    added.slice(0, people.length).forEach((o) => expect(o.keypoints).toBeUndefined());
    added.slice(people.length).forEach((o) => expect(o.keypoints).toHaveLength(17));
  });
});
