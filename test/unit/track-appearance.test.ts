/** tstrack's appearance: embeddings on the detections keep (or refuse) identities that motion alone cannot. */
import { describe, expect, it } from 'vitest';
import type { Detection } from 'tsvision';
import { createTracker, type TrackerKind } from '../../elements/track/index';

/** A deterministic unit vector near `base` (noise 0: base itself); a new random direction without base. */
function embedding(seed: number, base?: Float32Array, noise = 0.3): Float32Array {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296 - 0.5;
  const v = new Float32Array(128);
  for (let i = 0; i < v.length; i++) v[i] = (base ? base[i] : 0) + (base ? noise : 1) * rnd() * (base ? 0.2 : 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function person(x: number, e?: Float32Array): Detection {
  return { box: { x, y: 100, width: 40, height: 100 }, label: 'person', classId: 0, confidence: 0.9, classifications: e ? [{ attribute: 'reid', label: '', classId: -1, confidence: 1, embedding: e }] : [] };
}

/**
 * A person walks right 2 px a frame for 20 frames, is hidden for 30, and comes back 60 px LEFT of where it was
 * last seen (it turned round behind the occluder): its boxes overlap neither the last one nor the prediction.
 */
function occlusion(kind: TrackerKind, back: (f: number) => Float32Array | undefined, appearance: 'auto' | 'off' = 'auto') {
  const t = createTracker(kind, { appearance });
  const self = embedding(1);
  let before: number | null = null, after: number | null = null;
  for (let f = 0; f < 60; f++) {
    let dets: Detection[] = [];
    if (f < 20) dets = [person(100 + 2 * f, embedding(100 + f, self))];
    else if (f >= 50) dets = [person(138 - 60 + (f - 50), back(f))];
    const out = t.update(dets, f);
    if (f === 19) before = out.ids[0];
    if (f === 59) after = out.ids[0];
  }
  return { before, after, self };
}

describe('appearance', () => {
  const self = embedding(1);
  it('keeps the id through a 30-frame full occlusion when the embedding matches, not when it is another person', () => {
    const same = occlusion('bytetrack', (f) => embedding(500 + f, self));
    expect(same.before).not.toBeNull();
    expect(same.after).toBe(same.before);
    const other = embedding(999);
    const stranger = occlusion('bytetrack', (f) => embedding(700 + f, other));
    expect(stranger.after).not.toBeNull();
    expect(stranger.after).not.toBe(stranger.before);
    // Motion alone cannot: the same person without (or with ignored) embeddings gets a new id.
    expect(occlusion('bytetrack', () => undefined).after).not.toBe(same.before);
    expect(occlusion('bytetrack', (f) => embedding(500 + f, self), 'off').after).not.toBe(same.before);
  });

  it('a lost track is not taken by an overlapping object that looks like someone else', () => {
    const run = (appearance: 'auto' | 'off') => {
      const t = createTracker('bytetrack', { appearance });
      const a = embedding(11), b = embedding(12);
      let first: number | null = null, last: number | null = null;
      for (let f = 0; f < 30; f++) {
        // Person A stands for 10 frames, is gone for 5; then person B stands exactly there.
        const dets = f < 10 ? [person(200, embedding(20 + f, a))] : f >= 15 ? [person(200, embedding(40 + f, b))] : [];
        const out = t.update(dets, f);
        if (f === 9) first = out.ids[0];
        if (f === 29) last = out.ids[0];
      }
      return { first, last };
    };
    const looked = run('auto');
    expect(looked.first).not.toBeNull();
    expect(looked.last).not.toBeNull();
    expect(looked.last).not.toBe(looked.first);
    // By motion alone B inherits A's id.
    const motion = run('off');
    expect(motion.last).toBe(motion.first);
  });

  for (const kind of ['bytetrack', 'sort', 'iou'] as const) {
    it(`${kind}: appearance=auto without embeddings tracks exactly as appearance=off`, () => {
      let s = 7;
      const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
      const objs = Array.from({ length: 12 }, (_, i) => ({ x: 40 * i, y: 30 * (i % 5), vx: 4 * rnd() - 2, vy: 2 * rnd() - 1 }));
      const auto = createTracker(kind, { appearance: 'auto' }), off = createTracker(kind, { appearance: 'off' });
      for (let f = 0; f < 200; f++) {
        const dets: Detection[] = objs.flatMap((o) => {
          o.x += o.vx;
          o.y += o.vy;
          if (rnd() < 0.15) return []; // missed
          return [{ box: { x: o.x + rnd(), y: o.y + rnd(), width: 30 + rnd() * 4, height: 70 + rnd() * 6 }, label: 'person', classId: 0, confidence: 0.3 + 0.7 * rnd() }];
        });
        const a = auto.update(dets, f), b = off.update(dets, f);
        expect(a.ids).toEqual(b.ids);
        expect(a.trackBoxes).toEqual(b.trackBoxes);
      }
    });
  }
});
