/**
 * The keypoint evaluator (eval/coco/keypoints.ts, pycocotools' COCOeval 'keypoints' semantics): the ground truth
 * of ../shared/coco/person_keypoints.json submitted as results scores 1.0, OKS by hand, and what it ignores.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COCO_KEYPOINT_SIGMAS, evaluateKeypoints, oks } from '../../eval/coco/keypoints';
import type { CocoKeypointDataset, CocoKeypointDetection } from '../../eval/coco/keypoints';

const GT_FILE = new URL('../../../shared/coco/person_keypoints.json', import.meta.url).pathname;
const loadGt = (): CocoKeypointDataset => JSON.parse(readFileSync(GT_FILE, 'utf8')) as CocoKeypointDataset;

/** The ground truth as results: every person with labelled keypoints, score 1 (what a perfect model returns). */
function gtAsResults(gt: CocoKeypointDataset): CocoKeypointDetection[] {
  return gt.annotations
    .filter((a) => !a.iscrowd && a.num_keypoints > 0)
    .map((a) => ({ image_id: a.image_id, category_id: a.category_id, keypoints: a.keypoints, score: 1 }));
}

describe('evaluateKeypoints', () => {
  it('scores the ground truth submitted as results 1.0 (AP, AP50, AP75, APm, APl and every AR)', () => {
    const gt = loadGt();
    const results = gtAsResults(gt);
    expect(results.length).toBeGreaterThan(50);
    const r = evaluateKeypoints(gt, results);
    for (const v of r.statsArray) expect(v).toBeCloseTo(1, 12);
    expect(r.params.maxDets).toEqual([20]);
  });

  it('drops below 1 when the results move: keypoints 10% of the box off, or a false positive ranked first', () => {
    const gt = loadGt();
    const moved = gtAsResults(gt).map((d) => {
      const a = gt.annotations.find((x) => x.image_id === d.image_id && x.keypoints === d.keypoints)!;
      return { ...d, keypoints: d.keypoints.map((v, i) => (i % 3 === 0 ? v + 0.1 * a.bbox[2] : v)) };
    });
    const r = evaluateKeypoints(gt, moved);
    expect(r.stats.ap).toBeLessThan(0.9);
    expect(r.stats.ap50).toBeGreaterThan(r.stats.ap75);
    // A confident result far from anyone on the first image comes before every true one: AP < 1, AR still 1.
    const results = gtAsResults(gt);
    const first = gt.images[0].id;
    const fp = { image_id: first, category_id: 1, keypoints: Array.from({ length: 51 }, (_, i) => (i % 3 === 2 ? 1 : 5 + (i % 2))), score: 2 };
    const withFp = evaluateKeypoints(gt, [fp, ...results]);
    expect(withFp.stats.ap).toBeLessThan(1);
    expect(withFp.stats.ar).toBeCloseTo(1, 12);
  });

  it('computes OKS as pycocotools: labelled points only, exp(-d²/(2·area·(2σ)²)) averaged', () => {
    const keypoints = Array.from({ length: 17 }, (_, k) => [100 + k, 200, k < 2 ? 2 : 0]).flat(); // nose, left_eye labelled
    const gt = { id: 1, bbox: [90, 190, 40, 80], area: 1600, iscrowd: false, ignore: false, keypoints };
    const dk = keypoints.slice();
    dk[0] += 3; // nose 3 px right
    dk[4] += 4; // left_eye 4 px down
    const [[v]] = oks([{ id: 1, bbox: [0, 0, 1, 1], area: 1, score: 1, keypoints: dk }], [gt]);
    const e = (d2: number, s: number) => Math.exp(-d2 / (2 * s) ** 2 / (1600 + Number.EPSILON) / 2);
    expect(v).toBeCloseTo((e(9, COCO_KEYPOINT_SIGMAS[0]) + e(16, COCO_KEYPOINT_SIGMAS[1])) / 2, 12);
  });

  it('ignores people without labelled keypoints (num_keypoints 0) and crowds: results on them count for nothing', () => {
    const gt = loadGt();
    const ignored = gt.annotations.filter((a) => a.num_keypoints === 0 || a.iscrowd);
    expect(ignored.length).toBeGreaterThan(0);
    const r = evaluateKeypoints(gt, gtAsResults(gt));
    const all = r.evaluated.cells[0][0][0];
    expect(all.numGt).toBe(gt.annotations.length - ignored.length);
  });
});
