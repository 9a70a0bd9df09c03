import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapLabelsToCategories } from '../../eval/coco/categories.js';
import {
  bboxIou,
  defaultParams,
  evaluateBbox,
  evaluateImage,
  formatSummary,
  linspace,
  type CocoAnnotation,
  type CocoDataset,
  type CocoDetection,
  type EvalGt,
} from '../../eval/coco/metrics.js';
import { framesToDetections, parseJsonl } from '../../eval/coco/pipeline.js';

const COCO = '/work/shared/coco/instances.json';
const LABELS = '/work/shared/models/coco_classes.txt';
const loadCoco = (): CocoDataset => JSON.parse(readFileSync(COCO, 'utf8')) as CocoDataset;

/** A small dataset: images 1..n, categories 1 (cat) and 2 (dog). */
function dataset(annotations: Omit<CocoAnnotation, 'id'>[], images = 1): CocoDataset {
  return {
    images: Array.from({ length: images }, (_, i) => ({ id: i + 1, width: 640, height: 480 })),
    categories: [
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ],
    annotations: annotations.map((a, i) => ({ id: i + 1, ...a })),
  };
}

const box = (x: number, y: number, w: number, h: number): [number, number, number, number] => [x, y, w, h];
const det = (image_id: number, category_id: number, bbox: number[], score: number): CocoDetection => ({ image_id, category_id, bbox, score });

describe('parameters and IoU (pycocotools conventions)', () => {
  it('IoU and recall thresholds are numpy.linspace bit for bit', () => {
    const p = defaultParams();
    expect(p.iouThrs).toHaveLength(10);
    expect(p.iouThrs[8]).toBe(0.8999999999999999); // numpy gives the same value
    expect(p.iouThrs.indexOf(0.75)).toBe(5);
    expect(p.recThrs).toHaveLength(101);
    expect(p.recThrs[57]).toBe(0.5700000000000001);
    expect(linspace(0, 1, 101)[100]).toBe(1);
  });

  it('box IoU has no +1, and against crowd ground truth divides by the detection area', () => {
    const ious = bboxIou([box(0, 0, 10, 10), box(5, 0, 10, 10), box(20, 20, 5, 5)], [box(0, 0, 10, 10), box(0, 0, 100, 100)], [false, true]);
    expect(ious[0][0]).toBe(1);
    expect(ious[1][0]).toBeCloseTo(50 / 150, 12);
    expect(ious[0][1]).toBe(1); // 100 / det area 100 (not / 10000)
    expect(ious[1][1]).toBe(1);
    expect(ious[2][0]).toBe(0);
    expect(ious[2][1]).toBe(1);
  });
});

// Precision is tp / (tp + fp + ε) as in pycocotools (np.spacing(1)), so a perfect AP is 1 − 1e-16: compare APs with toBeCloseTo.
describe('evaluateBbox: hand-made cases with known answers', () => {
  it('perfect detections give AP = AR = 1', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(10, 10, 100, 80), area: 8000 },
      { image_id: 1, category_id: 2, bbox: box(200, 50, 60, 60), area: 3600 },
    ]);
    const r = evaluateBbox(gt, [det(1, 1, [10, 10, 100, 80], 0.9), det(1, 2, [200, 50, 60, 60], 0.8)]);
    expect(r.stats.ap).toBeCloseTo(1, 12);
    expect(r.stats.ap50).toBeCloseTo(1, 12);
    expect(r.stats.ap75).toBeCloseTo(1, 12);
    expect(r.stats.ar100).toBe(1);
    expect(r.stats.apMedium).toBeCloseTo(1, 12);
    expect(r.stats.apSmall).toBe(-1); // no small ground truth: excluded, not 0
    expect(r.stats.apLarge).toBe(-1);
    for (const c of r.perCategory) expect(c.ap).toBeCloseTo(1, 12);
  });

  it('a missed ground truth halves recall: AR 0.5, AP = 51/101 (precision 1 up to recall 0.50)', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(10, 10, 50, 50) },
      { image_id: 1, category_id: 1, bbox: box(300, 10, 50, 50) },
    ]);
    const r = evaluateBbox(gt, [det(1, 1, [10, 10, 50, 50], 0.9)]);
    expect(r.stats.ar100).toBe(0.5);
    expect(r.stats.ap).toBeCloseTo(51 / 101, 12);
    expect(r.stats.ap50).toBeCloseTo(51 / 101, 12);
  });

  it('a duplicate detection is a false positive', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(10, 10, 50, 50) },
      { image_id: 1, category_id: 1, bbox: box(300, 10, 50, 50) },
    ]);
    // TP (0.9), duplicate FP (0.8), TP (0.7): precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
    const r = evaluateBbox(gt, [det(1, 1, [10, 10, 50, 50], 0.9), det(1, 1, [11, 10, 50, 50], 0.8), det(1, 1, [300, 10, 50, 50], 0.7)]);
    expect(r.stats.ap50).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
    expect(r.stats.ar100).toBe(1);
    const e = evaluateImage(
      [
        { id: 1, bbox: box(10, 10, 50, 50), area: 2500, iscrowd: false, ignore: false },
        { id: 2, bbox: box(300, 10, 50, 50), area: 2500, iscrowd: false, ignore: false },
      ],
      [
        { id: 7, bbox: box(10, 10, 50, 50), area: 2500, score: 0.9 },
        { id: 8, bbox: box(11, 10, 50, 50), area: 2500, score: 0.8 },
      ],
      [0, 1e10],
      100,
      [0.5],
    );
    expect(e?.dtMatches[0]).toEqual([1, 0]);
    expect(e?.gtMatches[0]).toEqual([7, 0]);
  });

  it('score ordering: a false positive ranked first costs precision, ranked last costs nothing', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(10, 10, 50, 50) },
      { image_id: 1, category_id: 1, bbox: box(300, 10, 50, 50) },
    ]);
    const tp = [det(1, 1, [10, 10, 50, 50], 0.8), det(1, 1, [300, 10, 50, 50], 0.7)];
    const fpFirst = evaluateBbox(gt, [det(1, 1, [500, 300, 40, 40], 0.9), ...tp]);
    const fpLast = evaluateBbox(gt, [det(1, 1, [500, 300, 40, 40], 0.1), ...tp]);
    expect(fpFirst.stats.ap).toBeCloseTo(2 / 3, 12);
    expect(fpLast.stats.ap).toBeCloseTo(1, 12);
    // Input order does not matter, only scores do.
    expect(evaluateBbox(gt, [...tp].reverse().concat(det(1, 1, [500, 300, 40, 40], 0.9))).stats.ap).toBeCloseTo(2 / 3, 12);
  });

  it('equal scores keep input order (numpy mergesort): FP-then-TP differs from TP-then-FP', () => {
    const gt = dataset([{ image_id: 1, category_id: 1, bbox: box(10, 10, 50, 50) }]);
    const fp = det(1, 1, [500, 300, 40, 40], 0.5);
    const tp = det(1, 1, [10, 10, 50, 50], 0.5);
    expect(evaluateBbox(gt, [fp, tp]).stats.ap).toBeCloseTo(0.5, 12);
    expect(evaluateBbox(gt, [tp, fp]).stats.ap).toBeCloseTo(1, 12);
  });

  it('IoU thresholds: a box at IoU 0.62 counts at 0.50, 0.55, 0.60 only', () => {
    const gt = dataset([{ image_id: 1, category_id: 1, bbox: box(0, 0, 10, 10) }]);
    const r = evaluateBbox(gt, [det(1, 1, [0, 0, 10, 6.2], 0.9)]);
    expect(r.stats.ap50).toBeCloseTo(1, 12);
    expect(r.stats.ap75).toBe(0);
    expect(r.stats.ap).toBeCloseTo(0.3, 12);
    expect(r.stats.ar100).toBeCloseTo(0.3, 12);
  });

  it('crowd ground truth: detections on it are ignored (any number of them), it is not counted as an object', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(0, 0, 200, 200), area: 30000, iscrowd: 1 },
      { image_id: 1, category_id: 1, bbox: box(400, 300, 50, 50), area: 2500 },
    ]);
    const onCrowd = [det(1, 1, [10, 10, 30, 30], 0.95), det(1, 1, [100, 100, 40, 40], 0.9), det(1, 1, [50, 20, 60, 60], 0.85)];
    const r = evaluateBbox(gt, [...onCrowd, det(1, 1, [400, 300, 50, 50], 0.5)]);
    expect(r.stats.ap).toBeCloseTo(1, 12); // without crowd handling the three would be FPs ranked first
    expect(r.stats.ar100).toBe(1); // recall over the one non-crowd object
    expect(r.perCategory[0].numGt).toBe(1);
    // The same annotation as a regular object: the small boxes (IoU vs a 200x200 box < 0.5) are FPs and it is missed.
    const plain = dataset([
      { image_id: 1, category_id: 1, bbox: box(0, 0, 200, 200), area: 30000, iscrowd: 0 },
      { image_id: 1, category_id: 1, bbox: box(400, 300, 50, 50), area: 2500 },
    ]);
    const r2 = evaluateBbox(plain, [...onCrowd, det(1, 1, [400, 300, 50, 50], 0.5)]);
    expect(r2.stats.ar100).toBe(0.5);
    expect(r2.stats.ap).toBeCloseTo((51 * 0.25) / 101, 12);
  });

  it('a detection prefers a regular match over a better crowd match; a category with only crowd ground truth is excluded', () => {
    const gts: EvalGt[] = [
      { id: 10, bbox: box(0, 0, 100, 100), area: 10000, iscrowd: true, ignore: true },
      { id: 11, bbox: box(0, 0, 60, 100), area: 6000, iscrowd: false, ignore: false },
    ];
    // IoU with the regular box 2/3, with the crowd box 1.0 (intersection / detection area).
    const e = evaluateImage(gts, [{ id: 1, bbox: box(0, 0, 40, 100), area: 4000, score: 0.9 }], [0, 1e10], 100, [0.5, 0.7]);
    expect(e?.gtIds).toEqual([11, 10]); // ignored sorted last
    expect(e?.dtMatches.map((row) => row[0])).toEqual([11, 10]); // at 0.7 the regular one is too far: crowd
    expect(e?.dtIgnore.map((row) => row[0])).toEqual([false, true]);

    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(0, 0, 50, 50) },
      { image_id: 1, category_id: 2, bbox: box(100, 100, 50, 50), iscrowd: 1 },
    ]);
    const r = evaluateBbox(gt, [det(1, 1, [0, 0, 50, 50], 0.9), det(1, 2, [300, 300, 20, 20], 0.99)]);
    expect(r.stats.ap).toBeCloseTo(1, 12);
    expect(r.perCategory[1].ap).toBe(-1);
  });

  it('categories without ground truth are excluded: their detections are not false positives anywhere', () => {
    const gt = dataset([{ image_id: 1, category_id: 1, bbox: box(10, 10, 50, 50) }]);
    const r = evaluateBbox(gt, [det(1, 1, [10, 10, 50, 50], 0.5), det(1, 2, [10, 10, 50, 50], 0.99), det(1, 2, [200, 10, 50, 50], 0.98)]);
    expect(r.stats.ap).toBeCloseTo(1, 12);
    expect(r.perCategory.find((c) => c.categoryId === 2)?.ap).toBe(-1);
    // A detection of a category the ground truth does not list at all is dropped (pycocotools' getAnnIds filter).
    expect(evaluateBbox(gt, [det(1, 1, [10, 10, 50, 50], 0.5), det(1, 99, [0, 0, 5, 5], 1)]).numDetections).toBe(1);
  });

  it('ties in the matching: of two unmatched ground truths with the same IoU the later one is taken', () => {
    const gts: EvalGt[] = [
      { id: 1, bbox: box(0, 0, 10, 10), area: 100, iscrowd: false, ignore: false },
      { id: 2, bbox: box(0, 0, 10, 10), area: 100, iscrowd: false, ignore: false },
    ];
    const e = evaluateImage(gts, [{ id: 5, bbox: box(0, 0, 10, 10), area: 100, score: 1 }], [0, 1e10], 100, [0.5]);
    expect(e?.dtMatches[0]).toEqual([2]);
  });

  it('area ranges use the annotation area; unmatched detections outside the range are ignored', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(0, 0, 20, 20), area: 400 }, // small
      { image_id: 1, category_id: 1, bbox: box(100, 100, 200, 200), area: 30000 }, // large by area field
    ]);
    const r = evaluateBbox(gt, [det(1, 1, [0, 0, 20, 20], 0.9), det(1, 1, [400, 300, 100, 100], 0.95)]);
    expect(r.stats.apSmall).toBeCloseTo(1, 12); // the large unmatched FP is outside 'small': ignored there
    expect(r.stats.apMedium).toBe(-1);
    expect(r.stats.apLarge).toBe(0);
    expect(r.stats.arSmall).toBe(1);
    expect(r.stats.arLarge).toBe(0);
  });

  it('maxDets: AR@1 counts only the best detection of each image and category', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(0, 0, 50, 50) },
      { image_id: 1, category_id: 1, bbox: box(100, 0, 50, 50) },
    ]);
    const r = evaluateBbox(gt, [det(1, 1, [0, 0, 50, 50], 0.9), det(1, 1, [100, 0, 50, 50], 0.8)]);
    expect(r.stats.ar1).toBe(0.5);
    expect(r.stats.ar10).toBe(1);
    expect(r.stats.ar100).toBe(1);
  });

  it('ignore field: overwritten by iscrowd like pycocotools unless useIgnoreField', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: box(0, 0, 50, 50) },
      { image_id: 1, category_id: 1, bbox: box(100, 0, 50, 50), ignore: 1 },
    ]);
    const dets = [det(1, 1, [0, 0, 50, 50], 0.9)];
    expect(evaluateBbox(gt, dets).stats.ar100).toBe(0.5);
    expect(evaluateBbox(gt, dets, { useIgnoreField: true }).stats.ar100).toBe(1);
  });

  it('pools images: detections of all images are ranked together', () => {
    const gt = dataset(
      [
        { image_id: 1, category_id: 1, bbox: box(0, 0, 50, 50) },
        { image_id: 2, category_id: 1, bbox: box(0, 0, 50, 50) },
      ],
      2,
    );
    // image 2's FP (0.9) outranks image 1's TP (0.8).
    const r = evaluateBbox(gt, [det(1, 1, [0, 0, 50, 50], 0.8), det(2, 1, [300, 300, 50, 50], 0.9), det(2, 1, [0, 0, 50, 50], 0.7)]);
    expect(r.stats.ap).toBeCloseTo(2 / 3, 12);
  });

  it('rejects detections for images outside the ground truth and non-finite values', () => {
    const gt = dataset([{ image_id: 1, category_id: 1, bbox: box(0, 0, 50, 50) }]);
    expect(() => evaluateBbox(gt, [det(7, 1, [0, 0, 5, 5], 1)])).toThrow(/image 7/);
    expect(() => evaluateBbox(gt, [det(1, 1, [0, 0, 5, 5], Number.NaN)])).toThrow(/score/);
    expect(() => evaluateBbox(gt, [det(1, 1, [0, 0, 5], 1)])).toThrow(/bbox/);
  });

  it('formatSummary prints the twelve pycocotools lines', () => {
    const gt = dataset([{ image_id: 1, category_id: 1, bbox: box(0, 0, 50, 50) }]);
    const lines = formatSummary(evaluateBbox(gt, [det(1, 1, [0, 0, 50, 50], 1)])).split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000');
    expect(lines[3]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000');
    expect(lines[6]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 1.000');
  });
});

/** Deterministic imperfect detections from the ground truth (shifted, rescaled, missed, relabelled, duplicated, FPs). */
function perturbed(gt: CocoDataset): CocoDetection[] {
  const cats = gt.categories.map((c) => c.id);
  const dets: CocoDetection[] = [];
  gt.annotations.forEach((a, i) => {
    if (a.iscrowd) return;
    if (i % 5 === 4) return;
    const [x, y, w, h] = a.bbox;
    const dx = ((i % 7) - 3) * 0.04 * w;
    const dy = ((i % 5) - 2) * 0.05 * h;
    const sw = 1 + ((i % 3) - 1) * 0.08;
    const cat = i % 11 === 10 ? cats[(cats.indexOf(a.category_id) + 1) % cats.length] : a.category_id;
    dets.push({ image_id: a.image_id, category_id: cat, bbox: [x + dx, y + dy, w * sw, h], score: ((i * 37) % 100) / 100 });
    if (i % 4 === 0) dets.push({ image_id: a.image_id, category_id: cat, bbox: [x + dx * 2, y, w, h * 0.9], score: ((i * 53) % 100) / 100 });
  });
  gt.images.forEach((im, j) =>
    dets.push({ image_id: im.id, category_id: cats[(j * 13) % cats.length], bbox: [j * 3, j * 2, 40 + j, 30 + j], score: ((j * 29) % 100) / 100 }),
  );
  return dets;
}

describe('evaluateBbox on ../shared/coco/instances.json', () => {
  it('the ground truth fed back as detections (score 1) scores AP = AR = 1', () => {
    const gt = loadCoco();
    expect(gt.images).toHaveLength(40);
    const dets = gt.annotations.filter((a) => !a.iscrowd).map((a) => det(a.image_id, a.category_id, [...a.bbox], 1));
    const r = evaluateBbox(gt, dets);
    // AR@1 and AR@10 are below 1 by construction (images with more objects of a category than that).
    const { ar1, ar10, ...rest } = r.stats;
    for (const [k, v] of Object.entries(rest)) expect(v, k).toBeCloseTo(1, 12);
    expect(ar1).toBeLessThan(ar10);
    expect(ar10).toBeLessThan(1);
    for (const c of r.perCategory) {
      if (c.numGt === 0) expect(c.ap, c.name).toBe(-1);
      else expect(c.ap, c.name).toBeCloseTo(1, 12);
    }
  });

  it('reproduces pycocotools COCOeval on imperfect detections (golden values from the pycocotools code)', () => {
    const gt = loadCoco();
    const dets = perturbed(gt);
    expect(dets).toHaveLength(387);
    // COCOeval(gt, gt.loadRes(dets), 'bbox').evaluate/accumulate/summarize → stats (numpy 2.4; bbox IoU as maskApi.c).
    const golden = [
      0.3884453882829078, 0.613614976416361, 0.4378857894366242, 0.5100226415611562, 0.3541075762811211, 0.3985620803459656,
      0.3581854752084829, 0.48201177663704037, 0.483597611675237, 0.5390341880341881, 0.4246230158730158, 0.46087975243147655,
    ];
    const r = evaluateBbox(gt, dets);
    r.statsArray.forEach((v, i) => expect(v, `stats[${i}]`).toBeCloseTo(golden[i], 12));
  });

  it('coco_classes.txt maps one-to-one onto the 80 categories by name (VOC spellings renamed)', () => {
    const gt = loadCoco();
    const labels = readFileSync(LABELS, 'utf8').trim().split('\n');
    const m = mapLabelsToCategories(labels, gt.categories);
    expect(m.unmatched).toEqual([]);
    expect(m.missing).toEqual([]);
    expect(new Set(m.categoryIdByClass).size).toBe(80);
    expect(m.renamed.map((r) => `${r.label}>${r.category}`).sort()).toEqual(
      ['aeroplane>airplane', 'diningtable>dining table', 'motorbike>motorcycle', 'pottedplant>potted plant', 'sofa>couch', 'tvmonitor>tv'].sort(),
    );
    expect(m.categoryIdByClass[0]).toBe(1); // person
    expect(m.categoryIdByClass[79]).toBe(90); // toothbrush
  });
});

describe('pipeline output → COCO detections', () => {
  const images = [
    { id: 42, width: 640, height: 480, file_name: 'a.jpg' },
    { id: 7, width: 500, height: 333, file_name: 'b.jpg' },
  ];
  const frames = parseJsonl(
    '{"frame":0,"pts":0,"width":640,"height":480,"objects":[{"box":{"x":1,"y":2,"width":3,"height":4},"label":"person","class_id":0,"confidence":0.5,"track_id":null,"classifications":[]}]}\n' +
      '{"frame":1,"pts":1,"width":500,"height":333,"objects":[{"box":{"x":5,"y":6,"width":7,"height":8},"label":"x","class_id":2,"confidence":0.25,"track_id":null,"classifications":[]}]}\n',
  );

  it('frame f is image f; boxes pass through as [x, y, w, h]; unmapped classes are dropped', () => {
    expect(framesToDetections(frames, images, [1, 2, null])).toEqual([{ image_id: 42, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 }]);
  });

  it('a frame whose size differs from its image (wrong order, lost frame) is an error', () => {
    expect(() => framesToDetections(frames, [images[1], images[0]], [1, 2, 3])).toThrow(/frame 0 is 640x480/);
    expect(() => framesToDetections(frames.slice(0, 1), images, [1])).toThrow(/1 frames exported for 2 images/);
    expect(() => parseJsonl('{"frame":0')).toThrow(/incomplete/);
  });
});
