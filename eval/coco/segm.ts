/**
 * COCO instance segmentation evaluation reproducing pycocotools' `COCOeval(cocoGt, cocoDt, 'segm')` on the box
 * evaluator's matching, accumulation and summary (metrics.ts), with what differs for masks:
 *
 * - similarity is mask IoU (`maskUtils.iou`, rle.ts rleIou): crowd ground truth scores intersection over the
 *   detection's area;
 * - ground truth masks are `annToRLE`: polygons rasterised as frPyObjects does and merged, crowd RLEs (uncompressed
 *   counts) taken as they are; the area ranges use the annotation's `area`;
 * - detections are loaded like `COCO.loadRes` with segmentation: area = mask area, bbox = the mask's extent;
 * - parameters and summary as for boxes (maxDets 1/10/100, areas all/small/medium/large).
 */
import { defaultParams, evaluateCells, summarizeEvaluation } from './metrics';
import type { CocoAnnotation, CocoDataset, CocoEvalParams, CocoEvalResult, EvalDt, EvalGt, LoadedDetection } from './metrics';
import { rleArea, rleIou, rleToBbox, segmentationToRle, type CocoSegmentation, type Rle } from './rle';

/** One result as in a COCO segm results file. */
export interface CocoSegmDetection {
  image_id: number;
  category_id: number;
  segmentation: { size: readonly [number, number] | readonly number[]; counts: string };
  score: number;
}

/** COCOeval(gt, dets, 'segm') → evaluate → accumulate → summarize. */
export function evaluateSegm(gt: CocoDataset, detections: readonly CocoSegmDetection[], overrides: Partial<CocoEvalParams> = {}): CocoEvalResult {
  const size = new Map<number, readonly [number, number]>();
  for (const im of gt.images) {
    if (!(im.height && im.width)) throw new Error(`image ${im.id} has no width and height: segm evaluation needs them`);
    size.set(im.id, [im.height, im.width]);
  }
  // Masks by evaluator id: annotation ids for the ground truth, 1-based result positions for detections (as
  // evaluateCells numbers them).
  const gtMask = new Map<number, { rle: Rle; box: [number, number, number, number] }>();
  for (const a of gt.annotations) {
    const s = size.get(a.image_id);
    const segm = (a as CocoAnnotation & { segmentation?: CocoSegmentation }).segmentation;
    if (!s || !segm) continue;
    const rle = segmentationToRle(segm, s[0], s[1]);
    gtMask.set(a.id, { rle, box: rleToBbox(rle) });
  }
  const dtMask: { rle: Rle; box: [number, number, number, number] }[] = [];
  const loaded: LoadedDetection[] = detections.map((d) => {
    const rle = segmentationToRle(d.segmentation, d.segmentation.size[0], d.segmentation.size[1]);
    const s = size.get(d.image_id);
    if (s && (rle.h !== s[0] || rle.w !== s[1])) throw new Error(`detection on image ${d.image_id}: mask size ${rle.h}x${rle.w}, the image is ${s[0]}x${s[1]}`);
    const box = rleToBbox(rle);
    dtMask.push({ rle, box });
    return { image_id: d.image_id, category_id: d.category_id, bbox: box, area: rleArea(rle), score: d.score };
  });
  const similarity = (dts: readonly EvalDt[], gts: readonly EvalGt[]): number[][] =>
    dts.map((d) => {
      const dm = dtMask[d.id - 1];
      return gts.map((g) => {
        const gm = gtMask.get(g.id);
        return gm ? rleIou(dm.rle, gm.rle, g.iscrowd, dm.box, gm.box) : 0;
      });
    });
  return summarizeEvaluation(gt, evaluateCells(gt, loaded, { ...defaultParams(), ...overrides }, similarity));
}
