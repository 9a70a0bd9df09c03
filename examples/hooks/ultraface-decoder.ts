/**
 * A custom decoder in TypeScript: UltraFace (version-RFB-320) face detection decoded by a
 * postprocess() hook instead of the built-in SSD decoder.
 *
 *   gst-launch-1.0 … ! tsdetect model=ultraface_version-RFB-320.onnx decoder=ultraface \
 *     module=examples/hooks/ultraface-decoder.ts module-args='{"threshold":0.7}' ! …
 *
 * Outputs: `scores` [1,N,2] (softmax: background, face) and `boxes` [1,N,4] (x1,y1,x2,y2 normalised
 * to the model input).
 */
import { nms, toDetections, type DetectHook, type RawDetection } from 'tsvision';

const hook: DetectHook = {
  postprocess(outputs, frame, ctx) {
    const threshold = Number(ctx.args.threshold ?? 0.7);
    const iouThreshold = Number(ctx.args.iouThreshold ?? 0.45);
    const scores = outputs.scores.data as Float32Array;
    const boxes = outputs.boxes.data as Float32Array;
    const t = ctx.transform;
    if (!t) throw new Error('postprocess() needs the model input transform');
    const candidates: RawDetection[] = [];
    for (let i = 0; i < scores.length / 2; i++) {
      const score = scores[2 * i + 1];
      if (score < threshold) continue;
      candidates.push({
        x1: boxes[4 * i] * t.inputWidth,
        y1: boxes[4 * i + 1] * t.inputHeight,
        x2: boxes[4 * i + 2] * t.inputWidth,
        y2: boxes[4 * i + 3] * t.inputHeight,
        score,
        classId: 0,
      });
    }
    return toDetections(nms(candidates, iouThreshold), t, frame.width, frame.height, ['face']);
  },
};
export default hook;
