import { describe, expect, it } from 'vitest';
import {
  ReclassifyCache,
  clipToFrame,
  isDistribution,
  l2Normalize,
  resolveActivation,
  scoreClasses,
  selectRegions,
  softmax,
  type ScoreOptions,
} from '../../elements/classify/index.js';

const LABELS = ['cat', 'dog', 'bird', 'fish'];
const options = (over: Partial<ScoreOptions> = {}): ScoreOptions => ({
  activation: 'auto',
  multiLabel: false,
  topK: 1,
  threshold: 0,
  labels: LABELS,
  attribute: 'species',
  ...over,
});

describe('classification scores', () => {
  it('applies softmax to logits and keeps the best class', () => {
    const logits = [1, 3, 0.5, -2];
    const [best] = scoreClasses(logits, options());
    const p = softmax(logits);
    expect(best).toEqual({ attribute: 'species', label: 'dog', classId: 1, confidence: p[1] });
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[1]).toBeCloseTo(Math.exp(3) / [1, 3, 0.5, -2].reduce((a, v) => a + Math.exp(v), 0), 12);
  });

  it('leaves probabilities alone (auto) and applies what is set', () => {
    const probs = [0.1, 0.2, 0.6, 0.1];
    expect(isDistribution(probs)).toBe(true);
    expect(resolveActivation(probs, 'auto', false)).toBe('none');
    expect(scoreClasses(probs, options())[0]).toMatchObject({ label: 'bird', confidence: 0.6 });
    expect(resolveActivation([0.5, 0.6], 'auto', false)).toBe('softmax'); // in 0..1 but not a distribution
    expect(scoreClasses(probs, options({ activation: 'softmax' }))[0].confidence).toBeCloseTo(softmax(probs)[2], 12);
    // softmax is shift-invariant and stable for huge logits
    expect(scoreClasses([1000, 1001, 0, 0], options())[0]).toMatchObject({ classId: 1 });
    expect(scoreClasses([1000, 1001, 0, 0], options())[0].confidence).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });

  it('top-k returns the best classes in order; threshold drops unlikely ones', () => {
    const logits = [2, 1, 3, 0];
    const top3 = scoreClasses(logits, options({ topK: 3 }));
    expect(top3.map((c) => c.label)).toEqual(['bird', 'cat', 'dog']);
    expect(top3[0].confidence).toBeGreaterThan(top3[1].confidence);
    const all = scoreClasses(logits, options({ topK: 0 }));
    expect(all).toHaveLength(4);
    const confident = scoreClasses(logits, options({ topK: 0, threshold: 0.2 }));
    expect(confident.map((c) => c.label)).toEqual(['bird', 'cat']);
    expect(scoreClasses(logits, options({ threshold: 0.99 }))).toEqual([]);
  });

  it('multi-label: sigmoid per class, every class above threshold', () => {
    const logits = [2, -3, 0.5, 4];
    expect(resolveActivation(logits, 'auto', true)).toBe('sigmoid');
    const out = scoreClasses(logits, options({ multiLabel: true, topK: 0, threshold: 0.6 }));
    expect(out.map((c) => c.label)).toEqual(['fish', 'cat', 'bird']);
    expect(out[0].confidence).toBeCloseTo(1 / (1 + Math.exp(-4)), 12);
    // probabilities already (all in 0..1) are kept as they are
    expect(resolveActivation([0.9, 0.8, 0.1, 0.7], 'auto', true)).toBe('none');
    expect(scoreClasses([0.9, 0.8, 0.1, 0.7], options({ multiLabel: true, topK: 2, threshold: 0.5 })).map((c) => c.label)).toEqual(['cat', 'dog']);
  });

  it('labels a class without a label by its id', () => {
    expect(scoreClasses([0, 0, 0, 0, 9], options())[0]).toMatchObject({ classId: 4, label: '4' });
  });

  it('L2-normalises embeddings (zero stays zero)', () => {
    const e = l2Normalize([3, 4]);
    expect(Array.from(e)).toEqual([0.6, 0.8].map(Math.fround));
    expect(Array.from(l2Normalize([0, 0]))).toEqual([0, 0]);
  });
});

describe('region selection', () => {
  const filter = { objectClass: new Set<string>(), minWidth: 0, minHeight: 0 };

  it('clips regions partly outside the frame; drops empty and non-finite ones', () => {
    expect(clipToFrame({ x: -10, y: 20, width: 50, height: 500 }, 100, 200)).toEqual({ x: 0, y: 20, width: 40, height: 180 });
    expect(clipToFrame({ x: 10, y: 10, width: 0, height: 30 }, 100, 100)).toBeNull();
    expect(clipToFrame({ x: 120, y: 10, width: 30, height: 30 }, 100, 100)).toBeNull();
    expect(clipToFrame({ x: 10, y: 10, width: 0.2, height: 30 }, 100, 100)).toBeNull(); // rounds to nothing
    expect(clipToFrame({ x: Number.NaN, y: 10, width: 10, height: 30 }, 100, 100)).toBeNull();
  });

  it('keeps wanted labels at least min-width x min-height, never predicted boxes', () => {
    const objects = [
      { box: { x: 0, y: 0, width: 50, height: 50 }, label: 'dog' },
      { box: { x: 0, y: 0, width: 50, height: 50 }, label: 'person' },
      { box: { x: 0, y: 0, width: 10, height: 50 }, label: 'dog' },
      { box: { x: 90, y: 0, width: 50, height: 50 }, label: 'dog' }, // 10 px left after clipping
      { box: { x: 0, y: 0, width: 50, height: 50 }, label: 'dog', trackId: 3, predicted: true },
      { box: { x: 0, y: 0, width: 0, height: 50 }, label: 'dog' },
    ];
    expect(selectRegions(objects, 100, 100, filter).map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(selectRegions(objects, 100, 100, { ...filter, objectClass: new Set(['dog']) }).map((r) => r.index)).toEqual([0, 2, 3]);
    expect(selectRegions(objects, 100, 100, { ...filter, minWidth: 20, minHeight: 20 }).map((r) => r.index)).toEqual([0, 1]);
  });
});

describe('reclassify cache', () => {
  it('reuses a track result for interval - 1 frames, then asks again', () => {
    const cache = new ReclassifyCache<string>(3, 300);
    expect(cache.lookup(7, 0)).toBeUndefined();
    cache.store(7, 0, 'red');
    expect(cache.lookup(7, 1)).toBe('red');
    expect(cache.lookup(7, 2)).toBe('red');
    expect(cache.lookup(7, 3)).toBeUndefined();
    cache.store(7, 3, 'blue');
    expect(cache.lookup(7, 5)).toBe('blue');
    expect(cache.lookup(8, 5)).toBeUndefined();
  });

  it('interval 1 classifies every frame; interval 0 once per track', () => {
    const every = new ReclassifyCache<string>(1, 300);
    every.store(1, 0, 'a');
    expect(every.lookup(1, 1)).toBeUndefined();
    expect(every.peek(1, 1)).toBe('a'); // predicted boxes still get the last result
    const once = new ReclassifyCache<string>(0, 300);
    once.store(1, 0, 'a');
    expect(once.lookup(1, 10_000)).toBe('a');
  });

  it('forgets tracks that are no longer seen, and only those', () => {
    const cache = new ReclassifyCache<string>(0, 30);
    cache.store(1, 0, 'a');
    cache.store(2, 0, 'b');
    for (let f = 1; f <= 40; f++) {
      cache.lookup(1, f); // track 1 stays on screen
      cache.sweep(f);
    }
    expect(cache.size).toBe(1);
    expect(cache.lookup(1, 41)).toBe('a');
    expect(cache.lookup(2, 41)).toBeUndefined();
    cache.forget(1);
    expect(cache.size).toBe(0);
  });
});
