/**
 * The semantic segmentation evaluator (eval/coco/semantic.ts): the ground truth submitted as the prediction scores
 * IoU 1 for every class, known overlaps give their IoU, the background and COCO categories VOC lacks are not
 * scored, and "subject" images are those where the class covers >= 10% of the image.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROMINENT, scoreClass, scoreSemantic, type ExportedSegment, type SemanticDataset } from '../../eval/coco/semantic';
import { rleEncode, rleMerge, rleToString, segmentationToRle } from '../../eval/coco/rle';
import { SHARED } from '../helpers/gst';

const VOC = ['background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'];

/** A column-major h x w bitmap with the rectangle [x0, x1) x [y0, y1) set. */
function rect(h: number, w: number, x0: number, y0: number, x1: number, y1: number) {
  const bits = new Uint8Array(h * w);
  for (let x = x0; x < x1; x++) for (let y = y0; y < y1; y++) bits[x * h + y] = 1;
  return rleEncode(bits, h, w);
}

describe('semantic IoU', () => {
  it('of known rectangles, summed over images; the subject images are those the class covers >= 10% of', () => {
    expect(PROMINENT).toBe(0.1);
    // Image 1: gt 10x10, prediction the same shifted by 5 columns: I 50, U 150. Image 2: gt 2x2 (4% of 100),
    // no prediction: I 0, U 4. Image 3: neither. Image 4: a false positive of 6 pixels.
    const s = scoreClass([
      { imageId: 1, gt: rect(20, 20, 0, 0, 10, 10), dt: rect(20, 20, 5, 0, 15, 10) },
      { imageId: 2, gt: rect(10, 10, 0, 0, 2, 2), dt: null },
      { imageId: 3, gt: null, dt: null },
      { imageId: 4, gt: null, dt: rect(10, 10, 0, 0, 3, 2) },
    ]);
    expect(s.images).toBe(2);
    expect(s.intersection).toBe(50);
    expect(s.union).toBe(150 + 4 + 6);
    expect(s.iou).toBeCloseTo(50 / 160, 12);
    expect(s.meanImageIou).toBeCloseTo((1 / 3 + 0) / 2, 12);
    expect(s.perImage).toEqual([[1, 1 / 3], [2, 0], [4, 0]]);
    expect(s.prominentImages).toBe(1);
    expect(s.prominentIou).toBeCloseTo(1 / 3, 12);
  });

  it('the ground truth of ../shared/coco submitted as the class maps scores 1.0 for every VOC class it has', () => {
    const gt = JSON.parse(readFileSync(path.join(SHARED, 'coco', 'instances.json'), 'utf8')) as SemanticDataset;
    const byName = new Map<string, number>(gt.categories.map((c: { id: number; name: string }) => [c.name.replace(/\s+/g, ''), c.id]));
    const alias: Record<string, string> = { aeroplane: 'airplane', motorbike: 'motorcycle', sofa: 'couch', tvmonitor: 'tv' };
    const frames = gt.images.map((im) => {
      const segmentation: ExportedSegment[] = [];
      VOC.forEach((label, classId) => {
        const cat = byName.get(alias[label] ?? label);
        const anns = gt.annotations.filter((a) => a.image_id === im.id && a.category_id === cat);
        if (classId === 0 || anns.length === 0) return;
        const r = rleMerge(anns.map((a) => segmentationToRle(a.segmentation, im.height, im.width)));
        segmentation.push({ label, class_id: classId, mask: { size: [im.height, im.width], counts: rleToString(r.counts) } });
      });
      return { width: im.width, height: im.height, segmentation };
    });
    const r = scoreSemantic(gt, gt.images, frames, VOC);
    const present = r.classes.filter((c) => c.images > 0);
    expect(present.map((c) => c.label)).toEqual(expect.arrayContaining(['bus', 'person', 'car', 'dog']));
    for (const c of present) expect(c.iou, c.label).toBe(1);
    expect(r.miou).toBe(1);
    // The background is no class; sofa is COCO's couch.
    expect(r.classes.some((c) => c.label === 'background')).toBe(false);
    expect(r.classes.find((c) => c.label === 'sofa')?.categoryId).toBe(byName.get('couch'));
  });

  it('refuses frames that are not the images (count or size)', () => {
    const gt: SemanticDataset = { images: [{ id: 1, file_name: 'a.jpg', width: 4, height: 3 }], annotations: [], categories: [{ id: 1, name: 'person' }] };
    expect(() => scoreSemantic(gt, gt.images, [], VOC)).toThrow(/0 frames/);
    expect(() => scoreSemantic(gt, gt.images, [{ width: 3, height: 4 }], VOC)).toThrow(/3x4/);
  });
});
