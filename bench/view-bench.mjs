#!/usr/bin/env node
/**
 * tsvision view benchmark (headless Debian chromium through playwright-core):
 *  (a) the pipeline side of the live view: the person video (768x432) decoded, then `jpegenc quality=85 ! gdppay`,
 *      against the same decode without them (the baseline): ms per frame the JPEG costs the pipeline, and the
 *      bytes per frame (and Mbit/s at 30 fps) the live view carries;
 *  (b) the live page: 300 frames, 640x360 at 30 fps (videotestsrc is-live pattern=ball, a hook's moving box,
 *      tstrack, tsexport, JPEG over tcpserversink) to `tsvision view --live` and the page: frames shown per second
 *      against the 30 the pipeline sends (the baseline), how long a frame waited for its JSON line and how long the
 *      page took to show it (decode, draw, overlay), median and 95th percentile;
 *  (c) a recorded run's seek: the time from asking for frame N (the frame field) until its line is drawn on the
 *      presented frame, against a plain `video.currentTime = t` until `seeked` on the same page (the baseline),
 *      median over 20 frames.
 *
 *   node bench/view-bench.mjs
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { machine } from '../scripts/lib/bench.mjs';
import { ROOT, SHARED, gstEnv, gstLaunch, readJsonl } from '../scripts/lib/gst.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvision-view-bench-'));
const VIDEO = path.join(SHARED, 'media', 'one-by-one-person-detection.mp4');
const HOOK = path.join(ROOT, 'test', 'fixtures', 'hooks', 'box-sweep.ts');
const quantile = (values, q) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))] : NaN;
};
const median = (values) => quantile(values, 0.5);
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function startView(args) {
  const child = spawn('node', [path.join(ROOT, 'bin', 'tsvision.mjs'), 'view', ...args, '--port', '0'], { env: gstEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
  });
}

console.log(`\ntsvision view, ${machine}`);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
  // (a)
  const FRAMES = 300;
  const decode = ['filesrc', `location=${VIDEO}`, '!', 'decodebin', '!', 'identity', `eos-after=${FRAMES}`, '!', 'videoconvert', '!'];
  const gdp = path.join(dir, 'frames.gdp');
  let base = Infinity, jpeg = Infinity;
  for (let i = 0; i < 3; i++) {
    base = Math.min(base, (await gstLaunch([...decode, 'fakesink'])).seconds);
    jpeg = Math.min(jpeg, (await gstLaunch([...decode, 'jpegenc', 'quality=85', '!', 'gdppay', '!', 'filesink', `location=${gdp}`])).seconds);
  }
  const bytes = statSync(gdp).size / FRAMES;
  console.log(`(a) JPEG for the live view, 768x432, ${FRAMES} frames, best of 3:`);
  console.log(`    decode only (baseline)          ${((base / FRAMES) * 1000).toFixed(2)} ms/frame`);
  console.log(`    + jpegenc quality=85 ! gdppay   ${((jpeg / FRAMES) * 1000).toFixed(2)} ms/frame: the JPEG costs ${(((jpeg - base) / FRAMES) * 1000).toFixed(2)} ms/frame`);
  console.log(`    ${(bytes / 1024).toFixed(1)} KiB/frame: ${((bytes * 8 * 30) / 1e6).toFixed(1)} Mbit/s at 30 fps`);

  // (b)
  const port = await freePort();
  const jsonl = path.join(dir, 'live.jsonl');
  const view = await startView(['--live', `127.0.0.1:${port}`, '--jsonl', jsonl]);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(view.url);
  const pipeline = spawn(
    'gst-launch-1.0',
    ['videotestsrc', 'is-live=true', 'pattern=ball', `num-buffers=${FRAMES}`, '!', 'video/x-raw,width=640,height=360,framerate=30/1', '!',
      'tsdetect', `module=${HOOK}`, 'module-args={"speed":2}', '!', 'tstrack', '!', 'tsexport', `location=${jsonl}`, '!',
      'videoconvert', '!', 'jpegenc', 'quality=85', '!', 'gdppay', '!', 'tcpserversink', 'host=127.0.0.1', `port=${port}`],
    { env: gstEnv(), stdio: 'ignore' },
  );
  await page.waitForFunction(() => window.tsvView.framesShown > 0, null, { timeout: 30_000 });
  const t0 = Date.now();
  const shown0 = await page.evaluate(() => window.tsvView.framesShown);
  await new Promise((r) => setTimeout(r, 6000));
  const live = await page.evaluate(() => ({ shown: window.tsvView.framesShown, wait: window.tsvView.liveStats.waitMs, draw: window.tsvView.liveStats.drawMs }));
  const seconds = (Date.now() - t0) / 1000;
  await new Promise((r) => pipeline.on('close', r));
  const sent = readJsonl(jsonl).length;
  console.log(`(b) live page, 640x360 at 30 fps (${sent} frames sent):`);
  console.log(`    frames shown ${((live.shown - shown0) / seconds).toFixed(1)}/s against the pipeline's 30/s (baseline)`);
  console.log(`    waited for the line: median ${median(live.wait).toFixed(1)} ms, p95 ${quantile(live.wait, 0.95).toFixed(1)} ms; decoding and drawing a frame: median ${median(live.draw).toFixed(1)} ms, p95 ${quantile(live.draw, 0.95).toFixed(1)} ms`);
  view.child.kill('SIGINT');
  await page.close();

  // (c)
  const video = path.join(dir, 'run.mp4');
  const r = await gstLaunch(['videotestsrc', 'num-buffers=300', 'pattern=ball', '!', 'video/x-raw,width=640,height=360,framerate=30/1', '!',
    'tsdetect', `module=${HOOK}`, 'module-args={"speed":2}', '!', 'tstrack', '!', 'tsexport', `location=${path.join(dir, 'run.jsonl')}`, '!',
    'videoconvert', '!', 'x264enc', 'speed-preset=veryfast', 'tune=zerolatency', '!', 'mp4mux', '!', 'filesink', `location=${video}`]);
  if (r.code !== 0) throw new Error(r.output);
  const rec = await startView([video]);
  const p2 = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await p2.goto(rec.url);
  await p2.waitForFunction(() => window.tsvView.shown, null, { timeout: 15_000 });
  const frames = Array.from({ length: 20 }, (_, k) => (k * 137) % 290 + 5);
  const plain = [], drawn = [];
  for (const n of frames) {
    plain.push(await p2.evaluate((f) => new Promise((resolve) => {
      const v = document.querySelector('video');
      const t = performance.now();
      v.addEventListener('seeked', () => resolve(performance.now() - t), { once: true });
      v.currentTime = (f + 0.5) / 30;
    }), (n + 150) % 290));
    drawn.push(await p2.evaluate((f) => new Promise((resolve) => {
      const field = document.getElementById('frame-field');
      const t = performance.now();
      const check = () => (window.tsvView.shown?.frame === f ? resolve(performance.now() - t) : requestAnimationFrame(check));
      field.value = String(f);
      field.dispatchEvent(new Event('change'));
      check();
    }), n));
  }
  console.log('(c) recorded seek, 640x360 H.264, 20 frames:');
  console.log(`    video.currentTime until seeked (baseline)   median ${median(plain).toFixed(1)} ms`);
  console.log(`    frame field until its line is drawn          median ${median(drawn).toFixed(1)} ms`);
  rec.child.kill('SIGINT');
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
