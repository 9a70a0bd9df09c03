/**
 * The segm evaluator (eval/coco/segm.ts, pycocotools' COCOeval 'segm' semantics) and its RLE library (rle.ts,
 * maskApi.c's algorithms): compressed strings worked out by hand, polygon rasterisation, mask IoU against a
 * brute-force count on bitmaps, and the ground truth of ../shared/coco/instances.json submitted as results scoring 1.0.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateSegm, type CocoSegmDetection } from '../../eval/coco/segm';
import type { CocoAnnotation, CocoCategory } from '../../eval/coco/metrics';
import {
  rleArea,
  rleDecode,
  rleEncode,
  rleFrPoly,
  rleFromString,
  rleIou,
  rleMerge,
  rleToBbox,
  rleToString,
  segmentationToRle,
  type CocoSegmentation,
} from '../../eval/coco/rle';

const GT_FILE = new URL('../../../shared/coco/instances.json', import.meta.url).pathname;
interface SegmDataset {
  images: { id: number; width: number; height: number }[];
  annotations: (CocoAnnotation & { segmentation: CocoSegmentation })[];
  categories: CocoCategory[];
}
const loadGt = (): SegmDataset => JSON.parse(readFileSync(GT_FILE, 'utf8')) as SegmDataset;

function gtAsResults(gt: SegmDataset): CocoSegmDetection[] {
  const size = new Map(gt.images.map((im) => [im.id, im]));
  return gt.annotations.map((a) => {
    const im = size.get(a.image_id)!;
    const rle = segmentationToRle(a.segmentation, im.height, im.width);
    return { image_id: a.image_id, category_id: a.category_id, segmentation: { size: [rle.h, rle.w], counts: rleToString(rle.counts) }, score: 1 };
  });
}

describe('COCO RLE', () => {
  it('compresses counts as pycocotools does (hand-computed strings) and reads them back', () => {
    // "414": runs 4, 1, 4. From the fourth count on each is the difference to the count two before: [13, 2, 4, 3,
    // 3, 4, 31] → 13, 2, 4, 1, -1, 1, 28 → '=', '2', '4', '1', 'O' (-1: 31), '1', 'l0' (28 needs a second group).
    const cases: [number[], string][] = [
      [[4, 1, 4], '414'],
      [[13, 2, 4, 3, 3, 4, 31], '=241O1l0'],
      [[0, 9], '09'],
      // 1000 = 0b11111_01000: 8 (more follows) → 8|0x20 → 'X'; 31 has 0x10 set but 31 >> 5 = 0 ≠ -1, so 31|0x20 →
      // 'o' and a last group 0 → '0'.
      [[1000], 'Xo0'],
    ];
    for (const [counts, s] of cases) {
      expect(rleToString(counts)).toBe(s);
      expect(Array.from(rleFromString(s, 1, counts.reduce((a, v) => a + v, 0)).counts)).toEqual(counts);
    }
  });

  it('encodes and decodes column-major bitmaps; area and bbox', () => {
    // 3 rows x 4 columns, column-major: column 1 rows 1-2 and column 2 row 0.
    const bits = [0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0];
    const r = rleEncode(bits, 3, 4);
    expect(Array.from(r.counts)).toEqual([4, 3, 5]);
    expect(Array.from(rleDecode(r))).toEqual(bits);
    expect(rleArea(r)).toBe(3);
    // The run crosses from column 1 to column 2: the box spans both columns and all rows they cover.
    expect(rleToBbox(r)).toEqual([1, 0, 2, 3]);
  });

  it('rasterises a polygon as frPyObjects does: an integer square covers exactly its pixels', () => {
    const r = rleFrPoly([10, 10, 20, 10, 20, 20, 10, 20], 30, 30);
    expect(rleArea(r)).toBe(100);
    expect(rleToBbox(r)).toEqual([10, 10, 10, 10]);
    // Two polygons of one object are merged (union).
    const both = segmentationToRle([[10, 10, 20, 10, 20, 20, 10, 20], [15, 15, 25, 15, 25, 25, 15, 25]], 30, 30);
    expect(rleArea(both)).toBe(175);
    expect(rleArea(rleMerge([rleFrPoly([10, 10, 20, 10, 20, 20, 10, 20], 30, 30), rleFrPoly([15, 15, 25, 15, 25, 25, 15, 25], 30, 30)], true))).toBe(25);
  });

  it('mask IoU equals a brute-force count on the bitmaps; a crowd ground truth divides by the detection area', () => {
    const gt = loadGt();
    const im = gt.images[0];
    const anns = gt.annotations.filter((a) => a.image_id === im.id);
    const rles = anns.map((a) => segmentationToRle(a.segmentation, im.height, im.width));
    let checked = 0;
    for (let i = 0; i < rles.length; i++) {
      for (let j = 0; j < rles.length; j++) {
        const a = rleDecode(rles[i]);
        const b = rleDecode(rles[j]);
        let inter = 0;
        let union = 0;
        let areaA = 0;
        for (let k = 0; k < a.length; k++) {
          inter += a[k] & b[k];
          union += a[k] | b[k];
          areaA += a[k];
        }
        expect(rleIou(rles[i], rles[j], false)).toBeCloseTo(inter === 0 ? 0 : inter / union, 12);
        expect(rleIou(rles[i], rles[j], true)).toBeCloseTo(inter === 0 ? 0 : inter / areaA, 12);
        if (inter > 0) checked++;
      }
    }
    expect(checked).toBeGreaterThan(rles.length);
  });
});

describe('evaluateSegm', () => {
  it('scores the ground truth submitted as results 1.0 (polygons and crowd RLEs; every AP, AR at 100 detections)', () => {
    const gt = loadGt();
    expect(gt.annotations.some((a) => a.iscrowd)).toBe(true);
    const r = evaluateSegm(gt, gtAsResults(gt));
    const { ar1, ar10, ...rest } = r.stats;
    for (const [k, v] of Object.entries(rest)) expect(v, k).toBeCloseTo(1, 12);
    // AR at 1 and 10 detections an image cannot reach 1 on images with more objects.
    expect(ar1).toBeLessThan(ar10);
    expect(r.params.maxDets).toEqual([1, 10, 100]);
  });

  it('drops below 1 when the masks move (boxes alone would not tell), or a false positive ranks first', () => {
    const gt = loadGt();
    const size = new Map(gt.images.map((im) => [im.id, im]));
    // Every mask shifted 4 px right (columns), as a mask: the IoU falls most for thin objects.
    const moved = gtAsResults(gt).map((d) => {
      const im = size.get(d.image_id)!;
      const bits = rleDecode(rleFromString(d.segmentation.counts, im.height, im.width));
      const out = new Uint8Array(bits.length);
      out.set(bits.subarray(0, bits.length - 4 * im.height), 4 * im.height);
      return { ...d, segmentation: { size: d.segmentation.size, counts: rleToString(rleEncode(out, im.height, im.width).counts) } };
    });
    const r = evaluateSegm(gt, moved);
    expect(r.stats.ap).toBeLessThan(0.95);
    expect(r.stats.ap50).toBeGreaterThan(r.stats.ap75);
    const results = gtAsResults(gt);
    const first = results[0];
    const im = size.get(first.image_id)!;
    const far = new Uint8Array(im.width * im.height);
    far.fill(1, 0, 5 * im.height); // the first 5 columns
    const fp = { ...first, score: 2, segmentation: { size: [im.height, im.width], counts: rleToString(rleEncode(far, im.height, im.width).counts) } };
    const r2 = evaluateSegm(gt, [fp, ...results]);
    expect(r2.stats.ap).toBeLessThan(1);
    expect(r2.stats.ar100).toBeCloseTo(1, 12);
  });
});
