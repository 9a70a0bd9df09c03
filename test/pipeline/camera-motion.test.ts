/** tstrack's camera motion compensation: the estimator on known moves, and tracks that survive a pan. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_DIR, HOOKS, gstLaunch, readJsonl, run, tempDir } from '../helpers/gst';

const CHECK = path.join(BUILD_DIR, 'camera-motion-check');

interface Estimate {
  ok: boolean;
  a: number;
  b: number;
  tx: number;
  ty: number;
  expected: { a: number; b: number; tx: number; ty: number };
  inliers: number;
}

async function estimate(...args: (number | string)[]): Promise<Estimate> {
  const r = await run(CHECK, ['case', ...args.map(String)]);
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.output.trim().split('\n').pop()!) as Estimate;
}

describe('camera motion estimator (gst-plugin/camera-motion)', () => {
  it('finds translations, a rotation and a zoom of a textured scene to a tenth of a pixel', async () => {
    const cases: [number, number, number, number, number, number][] = [
      [640, 480, 0, 0, 0, 1],
      [640, 480, 12.5, 7.25, 0, 1],
      [1920, 1080, 30, -10, 0, 1],
      [1224, 370, -20, 3, 0, 1], // KITTI's wide frames
      [640, 480, 3, 2, 1.5, 1], // 1.5° rotation
      [640, 480, 0, 0, 0, 1.03], // 3% zoom
    ];
    for (const c of cases) {
      const m = await estimate(...c);
      expect(m.ok, JSON.stringify(c)).toBe(true);
      expect(Math.abs(m.tx - m.expected.tx), JSON.stringify(m)).toBeLessThan(0.1);
      expect(Math.abs(m.ty - m.expected.ty), JSON.stringify(m)).toBeLessThan(0.1);
      expect(Math.abs(m.a - m.expected.a), JSON.stringify(m)).toBeLessThan(1e-3);
      expect(Math.abs(m.b - m.expected.b), JSON.stringify(m)).toBeLessThan(1e-3);
    }
  });

  it('ignores an object that moves on its own', async () => {
    // The camera moves 6 px right; a third of the frame is an object moving 40 px on its own.
    const m = await estimate(640, 480, 6, 0, 0, 1, 40);
    expect(m.ok).toBe(true);
    expect(Math.abs(m.tx - 6)).toBeLessThan(0.1);
    expect(Math.abs(m.ty)).toBeLessThan(0.1);
  });
});

describe('tstrack motion-compensation', () => {
  // 20 static frames, then the picture pans 8 px per frame to the left; the detector misses frames 21–32, so
  // after the gap the objects are 96 px from where the tracks last saw them (their boxes are 60 px wide).
  const pan = (mode: string, out: string) =>
    `concat name=c ! tsdetect module=${path.join(HOOKS, 'pan-objects.ts')} ! tstrack motion-compensation=${mode} ! tsexport location=${out} ! fakesink ` +
    'videotestsrc num-buffers=20 pattern=gamut ! video/x-raw,format=I420,width=640,height=480,framerate=25/1 ! c. ' +
    'videotestsrc num-buffers=20 pattern=gamut horizontal-speed=8 ! video/x-raw,format=I420,width=640,height=480,framerate=25/1 ! c.';

  async function idsBeforeAndAfter(mode: string) {
    const out = path.join(tempDir(), `${mode}.jsonl`);
    const r = await gstLaunch(pan(mode, out));
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(out);
    expect(frames.map((f) => f.frame)).toEqual([...Array(40).keys()]);
    const ids = (i: number) => frames[i].objects.filter((o) => (o as { predicted?: boolean }).predicted !== true).map((o) => o.track_id);
    return { before: ids(20), after: ids(39) };
  }

  it('keeps the ids of objects the detector lost while the camera panned (sparse-flow), and loses them without (off)', async () => {
    const compensated = await idsBeforeAndAfter('sparse-flow');
    expect(compensated.before).toHaveLength(2);
    expect(compensated.before.every((id) => typeof id === 'number')).toBe(true);
    expect(compensated.after).toEqual(compensated.before);
    const fixed = await idsBeforeAndAfter('off');
    expect(fixed.before).toEqual(compensated.before);
    expect(fixed.after).toHaveLength(2);
    expect(fixed.after.some((id) => fixed.before.includes(id))).toBe(false);
  });
});
