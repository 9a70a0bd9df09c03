/**
 * npm run demo (scripts/demo.mjs) on the first 150 frames of the person video: it must produce the video, the
 * JSON Lines and a PNG whose annotated frame shows the tracked person's box and label, and out/demo.html, the
 * browser view of the run, which (opened as a file in Debian's chromium) plays the video and draws the boxes.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { edgesDrawn, hexRgb, launchChromium, screenshot } from '../helpers/browser';
import { ROOT, gstLaunch, readJsonl, run, tempDir } from '../helpers/gst';
import { loadRgbImage } from '../helpers/images';

describe('npm run demo', () => {
  it('writes the annotated video, the results and a PNG with boxes, labels and track ids; prints a summary', async () => {
    const out = tempDir('tsvision-demo-');
    const r = await run('node', [path.join(ROOT, 'scripts', 'demo.mjs')], {
      env: { TSVISION_DEMO_OUT: out, TSVISION_DEMO_FRAMES: '150' },
      timeoutMs: 180_000,
    });
    expect(r.timedOut).toBe(false);
    expect(r.code, r.output).toBe(0);
    // progress while running, summary at the end
    expect(r.stdout).toMatch(/\r\s+[\d.]+ %\s+\d+ frames\s+[\d.]+ fps/);
    const summary = /(\d+) frames in [\d.]+ s: [\d.]+ fps[^\n]*\n(\d+) objects, (\d+) tracks:\n\s+person\s+(\d+)/.exec(r.stdout);
    expect(summary, r.stdout).not.toBeNull();
    const frames = readJsonl(path.join(out, 'demo.jsonl'));
    expect(Number(summary![1])).toBe(frames.length);
    expect(Number(summary![3])).toBeGreaterThanOrEqual(1);

    // the video decodes to as many frames as were analysed
    const video = path.join(out, existsSync(path.join(out, 'demo.mp4')) ? 'demo.mp4' : 'demo.webm');
    expect(statSync(video).size).toBeGreaterThan(10_000);
    const decoded = await gstLaunch(`filesrc location=${video} ! decodebin ! identity silent=false ! fakesink`, { flags: ['-v'] });
    expect(decoded.code, decoded.output).toBe(0);
    expect(decoded.output.match(/chain   \*{6}/g)?.length).toBe(frames.length);

    // the PNG is the frame the summary names, with the tracked person's box drawn on its edges
    const still = /frame:\s+\S+demo\.png \(frame (\d+), (\d+) objects\)/.exec(r.stdout);
    expect(still, r.stdout).not.toBeNull();
    const frame = frames[Number(still![1])];
    const person = frame.objects.find((o) => o.label === 'person' && o.track_id !== null);
    expect(person, JSON.stringify(frame)).toBeDefined();
    const png = loadRgbImage(path.join(out, 'demo.png'));
    expect([png.width, png.height]).toEqual([frame.width, frame.height]);
    const pixel = (x: number, y: number) => {
      const i = (y * png.width + x) * 3;
      return [png.data[i], png.data[i + 1], png.data[i + 2]].join(',');
    };
    /** The colour of the line through `points` (pixel coordinates) when it has a single one, else null. */
    const lineColour = (points: [number, number][]) => {
      const colours = new Set(points.map(([px, py]) => pixel(px, py)));
      return colours.size === 1 ? [...colours][0] : null;
    };
    const { x, y, width, height } = person!.box;
    const along = (from: number, length: number) => Array.from({ length: 13 }, (_, k) => Math.round(from + ((k + 1) / 14) * length));
    // each edge is drawn on (one of) the columns / rows at the box's rounded coordinate
    const edgeColour = (line: (offset: number) => [number, number][]) =>
      [-1, 0, 1].map((d) => lineColour(line(d))).find((c) => c !== null) ?? null;
    const left = edgeColour((d) => along(y, height).map((py) => [Math.round(x) + d, py]));
    const right = edgeColour((d) => along(y, height).map((py) => [Math.round(x + width) - 1 + d, py]));
    const bottom = edgeColour((d) => along(x, width).map((px) => [px, Math.round(y + height) - 1 + d]));
    expect(left, 'left edge drawn').not.toBeNull();
    expect([right, bottom]).toEqual([left, left]);
    expect(pixel(Math.round(x + width / 2), Math.round(y + height / 2))).not.toBe(left);

    // demo.html, opened from file://: the lines embedded, the video beside it; at the still's frame, the person's box
    const html = path.join(out, 'demo.html');
    expect(r.stdout).toMatch(/browser: \S+demo\.html \(open it\), or: node bin\/tsvision\.mjs view \S+demo\.(mp4|webm) \S+demo\.jsonl/);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(pathToFileURL(html).href);
      await page.waitForFunction(() => (window as any).tsvView?.shown, null, { timeout: 15_000 });
      expect(await page.locator('#status').textContent()).toMatch(new RegExp(`^${frames.length} frames`));
      await page.fill('#frame-field', String(frame.frame));
      await page.press('#frame-field', 'Enter');
      await page.waitForFunction((f) => (window as any).tsvView.shown?.frame === f, frame.frame, { timeout: 10_000 });
      const colour = hexRgb(await page.evaluate((o) => (window as any).tsvView.colourOf(o) as string, person!));
      expect(edgesDrawn(await screenshot(page), person!.box, colour)).toEqual({ left: true, right: true, bottom: true });
    } finally {
      await browser.close();
    }
  });

  it('TSVISION_DEMO_MODEL=pose: people with keypoints, skeletons in the video', async () => {
    const out = tempDir('tsvision-demo-pose-');
    const r = await run('node', [path.join(ROOT, 'scripts', 'demo.mjs')], {
      env: { TSVISION_DEMO_OUT: out, TSVISION_DEMO_FRAMES: '100', TSVISION_DEMO_MODEL: 'pose' },
      timeoutMs: 180_000,
    });
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(path.join(out, 'demo.jsonl')) as unknown as { objects: { label: string; keypoints?: { name: string; confidence: number }[] }[] }[];
    const people = frames.flatMap((f) => f.objects).filter((o) => o.label === 'person');
    // The first person walks in around frame 60.
    expect(people.length).toBeGreaterThan(10);
    for (const p of people) expect(p.keypoints?.map((k) => k.name)).toHaveLength(17);
    const withKeypoints = Number(/(\d+) objects with keypoints/.exec(r.stdout)?.[1]);
    expect(withKeypoints).toBe(people.length);
    expect(existsSync(path.join(out, existsSync(path.join(out, 'demo.mp4')) ? 'demo.mp4' : 'demo.webm'))).toBe(true);
  }, 200_000);

  it('TSVISION_DEMO_MODEL=seg: objects with masks, drawn in the video (a few frames: the seg model is the slowest)', async () => {
    const out = tempDir('tsvision-demo-seg-');
    const r = await run('node', [path.join(ROOT, 'scripts', 'demo.mjs')], {
      env: { TSVISION_DEMO_OUT: out, TSVISION_DEMO_FRAMES: '80', TSVISION_DEMO_MODEL: 'seg' },
      timeoutMs: 180_000,
    });
    expect(r.code, r.output).toBe(0);
    const frames = readJsonl(path.join(out, 'demo.jsonl')) as unknown as { objects: { label: string; mask?: { size: number[]; counts: string } }[] }[];
    const objects = frames.flatMap((f) => f.objects);
    // The first person walks in around frame 60.
    expect(objects.filter((o) => o.label === 'person').length).toBeGreaterThan(5);
    for (const o of objects) expect(o.mask?.size).toEqual([432, 768]);
    expect(Number(/(\d+) objects with masks/.exec(r.stdout)?.[1])).toBe(objects.length);
    expect(existsSync(path.join(out, existsSync(path.join(out, 'demo.mp4')) ? 'demo.mp4' : 'demo.webm'))).toBe(true);
  }, 200_000);
});
