/**
 * Test helper for the browser view (tsvision view, out/demo.html): Debian's chromium driven by playwright-core
 * (no browser download), `tsvision view` started on a free port, screenshots read back as pixels, and the
 * checks of a box drawn on the overlay canvas.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, gstEnv } from './gst';

interface PngSync {
  PNG: { sync: { read(buffer: Buffer): { width: number; height: number; data: Buffer } } };
}
const { PNG } = createRequire(import.meta.url)('pngjs') as PngSync;

export const CHROMIUM = '/usr/bin/chromium';

/** Headless chromium; --no-sandbox because the tests run as root. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'] });
}

export interface ViewServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** `node bin/tsvision.mjs view ARGS… --port 0`; resolves once it prints its address. */
export function startView(args: string[], timeoutMs = 20_000): Promise<ViewServer> {
  const child = spawn('node', [path.join(ROOT, 'bin', 'tsvision.mjs'), 'view', ...args, '--port', '0'], { env: gstEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tsvision view printed no address in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const m = /tsvision view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, output: () => out, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`tsvision view exited (${code}) before printing its address:\n${out}`));
    });
  });
}

export interface Shot {
  width: number;
  height: number;
  /** [r, g, b] at (x, y) */
  at(x: number, y: number): [number, number, number];
}

/** A screenshot of the element `selector` (the #screen: the frame with the overlay), as pixels. */
export async function screenshot(page: Page, selector = '#screen'): Promise<Shot> {
  const png = PNG.sync.read(await page.locator(selector).screenshot());
  return {
    width: png.width,
    height: png.height,
    at: (x, y) => {
      const i = (y * png.width + x) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    },
  };
}

export function hexRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

const near = (a: number[], b: number[], tolerance: number) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance);

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Which edges of `box` are drawn in `colour` on the shot: the page strokes each edge 2 px wide on the rounded
 * coordinate (the pixel columns/rows either side of it); 9 points along each edge, away from the corners and the
 * label above the box, must all have the colour.
 */
export function edgesDrawn(shot: Shot, box: Box, colour: [number, number, number], tolerance = 3) {
  const x0 = Math.round(box.x), y0 = Math.round(box.y);
  const x1 = Math.round(box.x + box.width), y1 = Math.round(box.y + box.height);
  const along = (from: number, to: number) => Array.from({ length: 9 }, (_, k) => Math.round(from + ((k + 1) / 10) * (to - from)));
  const column = (x: number) => along(y0, y1).every((y) => near(shot.at(x, y), colour, tolerance));
  const row = (y: number) => along(x0, x1).every((x) => near(shot.at(x, y), colour, tolerance));
  return {
    left: column(x0 - 1) && column(x0),
    right: column(x1 - 1) && column(x1),
    bottom: row(y1 - 1) && row(y1),
  };
}

/** Pixels of `colour` on the shot outside `boxes` (each grown by 3 px) and the 18-px label strip above each. */
export function colourElsewhere(shot: Shot, boxes: Box[], colour: [number, number, number], tolerance = 3): number {
  const inside = (x: number, y: number) =>
    boxes.some(
      (b) =>
        (x >= b.x - 3 && x <= b.x + b.width + 3 && y >= b.y - 3 && y <= b.y + b.height + 3) ||
        (x >= b.x - 3 && x <= b.x + Math.max(b.width, 160) && y >= b.y - 21 && y < b.y),
    );
  let n = 0;
  for (let y = 0; y < shot.height; y++) {
    for (let x = 0; x < shot.width; x++) if (!inside(x, y) && near(shot.at(x, y), colour, tolerance)) n++;
  }
  return n;
}

/** Mean brightness (0..255) of the pixel column x over rows y0..y1 (the burned-in box of an annotated video). */
export function columnBrightness(shot: Shot, x: number, y0: number, y1: number): number {
  let sum = 0;
  for (let y = y0; y <= y1; y++) {
    const [r, g, b] = shot.at(x, y);
    sum += (r + g + b) / 3;
  }
  return sum / (y1 - y0 + 1);
}
