/**
 * COCO accuracy of the real pipeline: 40 val2017 images (different sizes, one stream) through
 * multifilesrc ! jpegdec ! videoconvert ! tsdetect (yolox_nano_416) ! tsexport, scored with eval/coco/metrics.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCocoEval } from '../../eval/coco/pipeline.js';
import { COCO_LABELS, ROOT, SHARED, YOLOX } from '../helpers/gst';

const COCO_DIR = path.join(SHARED, 'coco');

describe('COCO evaluation of tsdetect', () => {
  it('yolox_nano_416 on the 40 COCO images: AP >= 0.27, AP50 >= 0.45 (threshold 0.01, iou-threshold 0.45)', async () => {
    const r = await runCocoEval({
      model: YOLOX,
      labelsFile: COCO_LABELS,
      threshold: 0.01,
      iouThreshold: 0.45,
      root: ROOT,
      cocoDir: COCO_DIR,
      env: { GST_REGISTRY: path.join(ROOT, 'build', 'test-registry.bin') },
      timeoutMs: 60_000,
    });
    // One frame per image, in order, at the image's own size (the caps change from frame to frame).
    expect(r.frames).toHaveLength(40);
    expect(new Set(r.frames.map((f) => `${f.width}x${f.height}`)).size).toBeGreaterThan(5);
    expect(r.mapping.unmatched).toEqual([]);
    const { ap, ap50 } = r.eval.stats;
    expect(ap, `AP ${ap.toFixed(4)}, AP50 ${ap50.toFixed(4)}`).toBeGreaterThanOrEqual(0.27);
    expect(ap50, `AP ${ap.toFixed(4)}, AP50 ${ap50.toFixed(4)}`).toBeGreaterThanOrEqual(0.45);
  });
});
