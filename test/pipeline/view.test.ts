/**
 * tsvision view in headless Chromium (Debian's chromium, driven by playwright-core): a recorded run made here by
 * a real pipeline (a box moving 4 px a frame on a black picture, tracked, exported, burned into the H.264 video by
 * tsoverlay), then a live pipeline (JPEG frames over gdppay/tcpserversink, JSON Lines followed as they grow).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourElsewhere, columnBrightness, edgesDrawn, hexRgb, launchChromium, screenshot, startView, type ViewServer } from '../helpers/browser';
import { HOOKS, freePort, gstEnv, gstLaunch, readJsonl, run, shellWords, tempDir, ROOT, type JsonlFrame } from '../helpers/gst';

const FRAMES = 90;
const SPEED = 4;
const PERIOD = 120;
/** Where test/fixtures/hooks/box-sweep.ts puts the box's left edge on frame f. */
const boxX = (f: number) => 10 + SPEED * (f % PERIOD);
const SOURCE = 'videotestsrc pattern=black ! video/x-raw,width=640,height=360,framerate=30/1';
const DETECT = `tsdetect module=${path.join(HOOKS, 'box-sweep.ts')} 'module-args={"speed":${SPEED},"period":${PERIOD}}' ! tstrack`;

const dir = tempDir('tsvision-view-');
let browser: Browser;
const servers: ViewServer[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new page on `url`; waits (unless told not to) until it shows a frame. */
async function openPage(url: string, waitForFrame = true): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  if (!waitForFrame) return page;
  await page.waitForFunction(() => (window as any).tsvView?.shown, null, { timeout: 15_000 }).catch((e) => {
    throw new Error(`${e.message}\npage errors: ${errors.join('; ')}`);
  });
  return page;
}

/** After Pause on a live page: waits until no frame is being shown any more (one may have been on its way). */
async function settle(page: Page) {
  let last = -1;
  for (;;) {
    const n = await page.evaluate(() => (window as any).tsvView.framesShown as number);
    if (n === last) return;
    last = n;
    await page.waitForTimeout(250);
  }
}

const shown = (page: Page) => page.evaluate(() => (window as any).tsvView.shown as { index: number; frame: number | null; pts: number | null });
const colour = (page: Page, o: JsonlFrame['objects'][number]) => page.evaluate((obj) => (window as any).tsvView.colourOf(obj) as string, o).then(hexRgb);

// H.264 in MP4 (what npm run demo writes), VP8 in WebM (its fallback without x264enc), and a WebM of a stream that
// starts at pts 5 s (webmmux keeps the stream's timestamps: the video's first frame is not at media time 0).
const RECORDINGS = [
  { name: 'H.264, MP4', ext: 'mp4', offset: 0, encode: 'x264enc speed-preset=veryfast tune=zerolatency ! video/x-h264,profile=high ! mp4mux' },
  { name: 'VP8, WebM', ext: 'webm', offset: 0, encode: 'vp8enc deadline=1 cpu-used=8 ! webmmux' },
  { name: 'VP8, WebM, from pts 5 s', ext: 'webm', offset: 5e9, encode: 'vp8enc deadline=1 cpu-used=8 ! webmmux' },
];

describe.each(RECORDINGS)('tsvision view: a recorded run ($name)', ({ ext, offset, encode }) => {
  let frames: JsonlFrame[];
  let page: Page;
  const video = path.join(dir, `run-${ext}-${offset}.${ext}`);
  const jsonl = path.join(dir, `run-${ext}-${offset}.jsonl`);

  beforeAll(async () => {
    // the person with keypoints here; tsoverlay burns in the boxes, not the keypoints (the page's own are checked)
    const r = await gstLaunch(
      `${SOURCE.replace('videotestsrc', `videotestsrc num-buffers=${FRAMES} timestamp-offset=${offset}`)} ! ${DETECT.replace('}\'', ',"keypoints":true}\'')} ! ` +
        `tsexport location=${jsonl} ! tsoverlay draw-keypoints=false ! videoconvert ! ${encode} ! filesink location=${video}`,
    );
    expect(r.code, r.output).toBe(0);
    frames = readJsonl(jsonl);
    expect(frames).toHaveLength(FRAMES);
    expect(frames[0].pts).toBe(offset);
    const server = await startView([video]); // the JSON Lines: run-X.jsonl next to run-X.mp4
    servers.push(server);
    page = await openPage(server.url);
  });

  it('loads: the screen is the frame size, 1:1, with the first frame\'s box drawn', async () => {
    expect(await page.locator('#status').textContent()).toMatch(new RegExp(`^${FRAMES} frames, [\\d.]+ s, 1 tracks`));
    const box = await page.locator('#screen').boundingBox();
    expect([box!.width, box!.height]).toEqual([640, 360]);
    expect((await shown(page)).frame).toBe(0);
  });

  it('plays: currentTime advances and the frames shown follow', async () => {
    const start = await page.evaluate(() => document.querySelector('video')!.currentTime);
    await page.click('#play');
    await page.waitForFunction((t) => document.querySelector('video')!.currentTime > t + 0.5, start, { timeout: 10_000 });
    await page.click('#play'); // pause
    const s = await shown(page);
    expect(s.frame).toBeGreaterThan(10);
    expect(await page.locator('#tracks tbody tr').count()).toBe(1);
    expect(await page.locator('#tracks tbody').textContent()).toContain('#1');
  });

  it('scrubbing to frame N shows N\'s box where the JSON line puts it, and not another frame\'s; the video is at frame N', async () => {
    for (const n of [60, 20]) {
      await page.fill('#frame-field', String(n));
      await page.press('#frame-field', 'Enter');
      await page.waitForFunction((f) => (window as any).tsvView.shown?.frame === f, n, { timeout: 10_000 });
      const other = frames[n === 60 ? 20 : 60].objects[0].box; // 160 px away
      const object = frames[n].objects[0];
      expect(object.box.x).toBe(boxX(n));
      const c = await colour(page, object);
      const shot = await screenshot(page);
      expect(edgesDrawn(shot, object.box, c)).toEqual({ left: true, right: true, bottom: true });
      expect(edgesDrawn(shot, other, c)).toEqual({ left: false, right: false, bottom: false });
      expect(colourElsewhere(shot, [object.box], c)).toBe(0);
      expect(await page.inputValue('#scrub')).toBe(String(n));
    }
  });

  it('the boxes layer toggle hides the boxes (and brings them back); under them, the burned-in box of frame N', async () => {
    const n = 40;
    await page.fill('#frame-field', String(n));
    await page.press('#frame-field', 'Enter');
    await page.waitForFunction((f) => (window as any).tsvView.shown?.frame === f, n, { timeout: 10_000 });
    const box = frames[n].objects[0].box;
    const c = await colour(page, frames[n].objects[0]);
    expect(edgesDrawn(await screenshot(page), box, c).left).toBe(true);

    await page.uncheck('#layers input[data-layer="boxes"]');
    const hidden = await screenshot(page);
    expect(edgesDrawn(hidden, box, c)).toEqual({ left: false, right: false, bottom: false });
    // The video itself (tsoverlay drew each frame's box into it): its box is at frame N's place, not N-1's or N+1's
    // (4 px either side), so the frame presented is the frame whose line is drawn.
    const y0 = Math.round(box.y + 20), y1 = Math.round(box.y + box.height - 10);
    const at = (x: number) => columnBrightness(hidden, x, y0, y1);
    const here = Math.max(at(box.x), at(box.x + 1));
    expect(here, 'the burned-in left edge of frame N').toBeGreaterThan(80);
    for (const dx of [-SPEED, SPEED]) expect(Math.max(at(box.x + dx), at(box.x + dx + 1)), `at ${dx} px`).toBeLessThan(here / 3);

    await page.check('#layers input[data-layer="boxes"]');
    expect(edgesDrawn(await screenshot(page), box, c)).toEqual({ left: true, right: true, bottom: true });

    // the label, drawn on a tag of the box's colour above it, goes with the labels and track ids layers
    const tag = (shot: Awaited<ReturnType<typeof screenshot>>) => shot.at(Math.round(box.x) + 1, Math.round(box.y) - 9);
    expect(tag(await screenshot(page))).toEqual(c);
    await page.uncheck('#layers input[data-layer="labels"]');
    expect(tag(await screenshot(page)), 'the track id alone still has its tag').toEqual(c);
    await page.uncheck('#layers input[data-layer="tracks"]');
    expect(tag(await screenshot(page))).not.toEqual(c);
    await page.check('#layers input[data-layer="labels"]');
    await page.check('#layers input[data-layer="tracks"]');
  });

  it('keypoints: the confident ones drawn as dots (the layer toggles them), the others not', async () => {
    const n = 30;
    await page.fill('#frame-field', String(n));
    await page.press('#frame-field', 'Enter');
    await page.waitForFunction((f) => (window as any).tsvView.shown?.frame === f, n, { timeout: 10_000 });
    const object = frames[n].objects[0] as JsonlFrame['objects'][number] & { keypoints: { name: string; x: number; y: number; confidence: number }[] };
    expect(object.keypoints.map((k) => k.name)).toEqual(['nose', 'left_eye']);
    const [nose, eye] = object.keypoints;
    const c = await colour(page, object);
    const shot = await screenshot(page);
    expect(shot.at(Math.round(nose.x), Math.round(nose.y))).toEqual(c);
    expect(shot.at(Math.round(eye.x), Math.round(eye.y))).not.toEqual(c); // confidence 0.2: not drawn
    await page.uncheck('#layers input[data-layer="keypoints"]');
    expect((await screenshot(page)).at(Math.round(nose.x), Math.round(nose.y))).not.toEqual(c);
    await page.check('#layers input[data-layer="keypoints"]');
  });

  it('the chart has the counts over time', async () => {
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart').textContent()).toContain('tracked');
  });
});

describe('tsvision view: oriented boxes', () => {
  it('are drawn as their rotated rectangle, not the box around it', async () => {
    const video = path.join(dir, 'obb.mp4');
    const jsonl = path.join(dir, 'obb.jsonl');
    const r = await gstLaunch(
      `${SOURCE.replace('videotestsrc', 'videotestsrc num-buffers=10')} ! tsdetect module=${path.join(HOOKS, 'obb-rotation.ts')} ! ` +
        `tsexport location=${jsonl} ! videoconvert ! x264enc speed-preset=veryfast tune=zerolatency ! mp4mux ! filesink location=${video}`,
    );
    expect(r.code, r.output).toBe(0);
    const object = readJsonl(jsonl)[0].objects[0] as JsonlFrame['objects'][number] & { rotation: { corners: [number, number][] } };
    const server = await startView([video]);
    servers.push(server);
    const page = await openPage(server.url);
    const c = await colour(page, object);
    const shot = await screenshot(page);
    const near = (x: number, y: number) => {
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (shot.at(Math.round(x) + dx, Math.round(y) + dy).every((v, i) => Math.abs(v - c[i]) <= 3)) return true;
      return false;
    };
    const corners = object.rotation.corners;
    for (let i = 0; i < 4; i++) {
      const [a, b] = [corners[i], corners[(i + 1) % 4]];
      for (const t of [0.3, 0.5, 0.7]) expect(near(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])), `edge ${i} at ${t}`).toBe(true);
    }
    expect(edgesDrawn(shot, object.box, c)).toEqual({ left: false, right: false, bottom: false });
    await page.close();
  });
});

describe('tsvision view --live', () => {
  it('shows the live frames with the boxes of their own JSON lines', async () => {
    const port = await freePort();
    const jsonl = path.join(dir, 'live.jsonl');
    // An earlier run's lines, at the same pts but with their box elsewhere: the view reads them, then the
    // pipeline's tsexport truncates the file, and the page must draw from the new run's lines only.
    const stale = Array.from({ length: 600 }, (_, k) => JSON.stringify({
      frame: k, pts: Math.floor((k * 1e9) / 30), time: '2026-01-01T00:00:00.000Z', source: null, width: 640, height: 360,
      objects: [{ box: { x: 500, y: 250, width: 40, height: 80 }, label: 'car', class_id: 2, confidence: 0.5, track_id: 1, classifications: [] }],
    }));
    writeFileSync(jsonl, stale.join('\n') + '\n');
    const server = await startView(['--live', `127.0.0.1:${port}`, '--jsonl', jsonl]);
    servers.push(server);
    const page = await openPage(server.url, false);
    await page.waitForFunction(() => (window as any).tsvView.timeline.lines.length === 600, null, { timeout: 10_000 });
    // The annotated stream (tsoverlay) so that the test sees which frame the browser shows; the page draws over it.
    const pipeline = spawn(
      'gst-launch-1.0',
      shellWords(
        `${SOURCE.replace('videotestsrc', 'videotestsrc is-live=true num-buffers=600')} ! ${DETECT} ! tsexport location=${jsonl} ! tsoverlay ! ` +
          `videoconvert ! jpegenc quality=90 ! gdppay ! tcpserversink host=127.0.0.1 port=${port}`,
      ),
      { env: gstEnv(), stdio: 'ignore' },
    );
    children.push(pipeline);
    await page.waitForFunction(() => (window as any).tsvView.framesShown > 20 && (window as any).tsvView.shown.index >= 0, null, { timeout: 30_000 });
    expect(await page.locator('#status').textContent()).toBe(`live from 127.0.0.1:${port}`);
    await page.click('#play'); // pause: the frame stays
    await settle(page);
    const s = await shown(page);
    const line = await page.evaluate((i) => (window as any).tsvView.timeline.lines[i] as JsonlFrame, s.index);
    expect(line.pts).toBe(s.pts);
    const object = line.objects[0];
    expect(object.box.x).toBe(boxX(line.frame));
    expect(await page.evaluate(() => (window as any).tsvView.timeline.lines.filter((l: JsonlFrame) => l.objects[0]?.label === 'car').length)).toBe(0);
    const c = await colour(page, object);
    const shot = await screenshot(page);
    expect(edgesDrawn(shot, object.box, c)).toEqual({ left: true, right: true, bottom: true });
    expect(colourElsewhere(shot, [object.box], c)).toBe(0);
    // the frame under it is that line's frame: its burned-in box is where the line's box is
    await page.uncheck('#layers input[data-layer="boxes"]');
    const hidden = await screenshot(page);
    const y0 = Math.round(object.box.y + 20), y1 = Math.round(object.box.y + object.box.height - 10);
    const at = (x: number) => Math.max(columnBrightness(hidden, x, y0, y1), columnBrightness(hidden, x + 1, y0, y1));
    expect(at(object.box.x)).toBeGreaterThan(80);
    for (const dx of [-SPEED, SPEED]) expect(at(object.box.x + dx)).toBeLessThan(at(object.box.x) / 3);
    pipeline.kill('SIGINT');
    // Ctrl-C stops the view, its page still connected (stop() kills it after 5 s: the code would be null)
    expect(await server.stop()).toBe(0);
  });

  it('a new run appended to the JSON Lines replaces the earlier one on the page, and so does a reconnection', async () => {
    const { startViewServer } = await import(pathToFileURL(path.join(ROOT, 'view', 'server.mjs')).href);
    const jsonl = path.join(dir, 'appended.jsonl');
    const lines = (run: number, from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => JSON.stringify({ frame: from + k, pts: (from + k) * 40e6, run, width: 64, height: 48, objects: [] }) + '\n').join('');
    const runs = (page: Page) => page.evaluate(() => (window as any).tsvView.timeline.lines.map((l: { run: number; frame: number }) => `${l.run}:${l.frame}`) as string[]);
    writeFileSync(jsonl, lines(1, 0, 3));
    const live = { source: { host: '127.0.0.1', port: await freePort() }, jsonl }; // no pipeline there: lines only
    let server = await startViewServer({ port: 0, live });
    const page = await openPage(server.url, false);
    try {
      await page.waitForFunction(() => (window as any).tsvView.timeline.lines.length === 3, null, { timeout: 10_000 });
      appendFileSync(jsonl, lines(2, 0, 2)); // the pipeline restarted with tsexport append=true: frames from 0 again
      await page.waitForFunction(() => (window as any).tsvView.timeline.lines.some((l: { run: number; frame: number }) => l.run === 2 && l.frame === 1), null, { timeout: 10_000 });
      expect(await runs(page)).toEqual(['2:0', '2:1']);
      // the server goes and comes back: the page reconnects and gets the recent lines again, which replace its own
      const port = server.port;
      await server.close();
      server = await startViewServer({ port, live });
      appendFileSync(jsonl, lines(2, 2, 3));
      await page.waitForFunction(() => (window as any).tsvView.timeline.lines.some((l: { frame: number }) => l.frame === 2), null, { timeout: 10_000 });
      expect(await runs(page)).toEqual(['2:0', '2:1', '2:2']);
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('examples/live-view.sh: the pipeline and the view in one script; the door line, zone and box drawn; it exits at EOS', async () => {
    const videoPort = await freePort();
    const script = spawn('bash', [path.join(ROOT, 'examples', 'live-view.sh')], {
      env: gstEnv({
        OUT_DIR: tempDir('tsvision-live-view-'),
        PORT: '0',
        VIDEO_PORT: String(videoPort),
        SOURCE: `${SOURCE.replace('videotestsrc', 'videotestsrc is-live=true num-buffers=150')}`,
        DETECTOR: DETECT.replace(' ! tstrack', '').replace(/'/g, ''),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a Ctrl-C reaches the view and the pipeline
    });
    children.push(script);
    let out = '';
    const exited = new Promise<number | null>((resolve) => script.on('close', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address printed:\n${out}`)), 20_000);
      const onData = (d: Buffer) => {
        out += d;
        const m = /tsvision view: (http:\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      script.stdout!.on('data', onData);
      script.stderr!.on('data', onData);
    });
    const page = await openPage(url);
    await page.waitForFunction(() => (window as any).tsvView.framesShown > 10 && (window as any).tsvView.shown.index >= 0, null, { timeout: 20_000 });
    await page.click('#play'); // pause
    await settle(page);
    const s = await shown(page);
    const line = await page.evaluate((i) => (window as any).tsvView.timeline.lines[i] as JsonlFrame & { counts?: unknown }, s.index);
    expect(line.counts, 'tsanalytics counts in the lines').toBeDefined();
    const shot = await screenshot(page);
    expect(edgesDrawn(shot, line.objects[0].box, await colour(page, line.objects[0])).left).toBe(true);
    // examples/rules/door.json: the door line at x = 0.75 of the width, drawn white, from 2% to 98% of the height
    const doorX = 0.75 * 640;
    const white = Array.from({ length: 9 }, (_, k) => shot.at(doorX, Math.round(360 * (0.1 + 0.08 * k)))).filter((p) => p.every((v) => v > 240));
    expect(white.length).toBeGreaterThanOrEqual(8);
    await page.uncheck('#layers input[data-layer="analytics"]');
    const off = await screenshot(page);
    expect(Array.from({ length: 9 }, (_, k) => off.at(doorX, Math.round(360 * (0.1 + 0.08 * k)))).filter((p) => p.every((v) => v > 240))).toHaveLength(0);
    expect(await page.locator('#chart').textContent()).toContain('door in');
    expect(await page.locator('#chart').textContent()).toContain('room occupancy');
    // the source ends after 150 frames (5 s): the pipeline stops at EOS and the script with it, the view too
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
    expect(code, out).toBe(0);
  });

  it('a stream that is not gdppay\'s JPEG: said once, on the console and the page, not a crash', async () => {
    // a TCP server that sends text, and a pipeline that sends raw video through gdppay
    const garbage = net.createServer((socket) => socket.end('this is not GDP at all, just some text of enough length to fill a header'));
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (garbage.address() as net.AddressInfo).port;
      const server = await startView(['--live', `127.0.0.1:${port}`, '--jsonl', path.join(dir, 'none.jsonl')]);
      servers.push(server);
      const page = await openPage(server.url, false);
      await page.waitForFunction(() => /not a GDP 1\.0 stream/.test(document.getElementById('status')!.textContent!), null, { timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 1500)); // ~6 reconnections
      expect(server.output().match(/not a GDP 1\.0 stream[^\n]*send it through gdppay/g)).toHaveLength(1);
      expect(server.child.exitCode).toBeNull();
    } finally {
      garbage.close();
    }
    const rawPort = await freePort();
    const raw = await startView(['--live', `127.0.0.1:${rawPort}`, '--jsonl', path.join(dir, 'none.jsonl')]);
    servers.push(raw);
    const pipeline = spawn('gst-launch-1.0', shellWords(`videotestsrc is-live=true num-buffers=100 ! video/x-raw,width=64,height=48 ! gdppay ! tcpserversink host=127.0.0.1 port=${rawPort}`), { env: gstEnv(), stdio: 'ignore' });
    children.push(pipeline);
    const page = await openPage(raw.url, false);
    await page.waitForFunction(() => /sends video\/x-raw, not image\/jpeg: put jpegenc before gdppay/.test(document.getElementById('status')!.textContent!), null, { timeout: 15_000 });
    expect(await page.evaluate(() => (window as any).tsvView.framesShown)).toBe(0);
    pipeline.kill('SIGINT');
  });

  it('bad arguments: clear messages, exit status 2', async () => {
    const tsv = path.join(ROOT, 'bin', 'tsvision.mjs');
    const missing = await run('node', [tsv, 'view', path.join(dir, 'nothing.mp4')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('video not found');
    const live = await run('node', [tsv, 'view', '--live', 'nowhere']);
    expect(live.code).toBe(2);
    expect(live.stderr).toContain('--live must be HOST:PORT');
    const rules = await run('node', [tsv, 'view', '--live', '127.0.0.1:1', '--jsonl', 'x.jsonl', '--rules', path.join(dir, 'no-rules.json')]);
    expect(rules.code).toBe(2);
    expect(rules.stderr).toContain('--rules');
  });
});
