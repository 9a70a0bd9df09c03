/**
 * The pieces of tsvision view's server, on real inputs: the GDP reader on what gdppay writes (whole and in small
 * chunks), the JSON Lines tail on a file appended to, truncated and replaced as tsexport does, and the HTTP range
 * requests a <video> seeks with.
 */
import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, gstLaunch, tempDir } from '../helpers/gst';

const load = (name: string) => import(pathToFileURL(path.join(ROOT, 'view', name)).href);
const dir = tempDir('tsvision-view-server-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Packet {
  type: number;
  pts: number | null;
  payload: Buffer;
}

describe('view/gdp.mjs', () => {
  it('reads the JPEG buffers, their pts and the caps out of gdppay\'s stream, however it is chunked', async () => {
    const file = path.join(dir, 'frames.gdp');
    const r = await gstLaunch(`videotestsrc num-buffers=5 ! video/x-raw,width=64,height=48,framerate=25/1 ! jpegenc ! gdppay ! filesink location=${file}`);
    expect(r.code, r.output).toBe(0);
    const { GdpReader, GDP_BUFFER, GDP_CAPS, capsSize } = await load('gdp.mjs');
    const data = readFileSync(file);
    for (const chunk of [data.length, 4096, 61, 7]) {
      const packets: Packet[] = [];
      const reader = new GdpReader((p: Packet) => packets.push({ ...p, payload: Buffer.from(p.payload) }));
      for (let i = 0; i < data.length; i += chunk) reader.push(data.subarray(i, i + chunk));
      const buffers = packets.filter((p) => p.type === GDP_BUFFER);
      expect(buffers.map((p) => p.pts)).toEqual([0, 40e6, 80e6, 120e6, 160e6]);
      for (const b of buffers) {
        expect(b.payload.subarray(0, 2).toString('hex')).toBe('ffd8'); // JPEG start of image
        expect(b.payload.subarray(-2).toString('hex')).toBe('ffd9'); // end of image
      }
      const caps = packets.find((p) => p.type === GDP_CAPS);
      expect(capsSize(caps!.payload)).toMatchObject({ width: 64, height: 48 });
      expect(capsSize(caps!.payload).caps).toMatch(/^image\/jpeg, /);
    }
  });

  it('a stream that is not GDP is an error that says to use gdppay', async () => {
    const { GdpReader } = await load('gdp.mjs');
    const reader = new GdpReader(() => {});
    expect(() => reader.push(Buffer.alloc(100, 'x'))).toThrow(/not a GDP 1\.0 stream.*gdppay/);
  });
});

describe('view/tail.mjs', () => {
  it('follows appended lines (a partial line once complete), and starts again when the file is truncated or replaced', async () => {
    const { tailLines } = await load('tail.mjs');
    const file = path.join(dir, 'lines.jsonl');
    const seen: string[] = [];
    const tail = tailLines(file, (l: string) => seen.push(l), { intervalMs: 1_000_000, onReset: () => seen.push('RESET') });
    try {
      tail.poll(); // no file yet
      writeFileSync(file, '{"frame":0}\n{"frame":1}\n{"fra');
      tail.poll();
      expect(seen).toEqual(['{"frame":0}', '{"frame":1}']);
      appendFileSync(file, 'me":2}\n');
      tail.poll();
      expect(seen.at(-1)).toBe('{"frame":2}');
      // the pipeline starts again: tsexport truncates the file and writes a shorter one
      writeFileSync(file, '{"frame":0,"run":2}\n');
      tail.poll();
      expect(seen.slice(-2)).toEqual(['RESET', '{"frame":0,"run":2}']);
      // ...or a new run that outgrew the old one between two polls (same length check fails; the start differs)
      writeFileSync(file, '{"frame":0,"run":3}\n{"frame":1,"run":3}\n');
      tail.poll();
      expect(seen.slice(-3)).toEqual(['RESET', '{"frame":0,"run":3}', '{"frame":1,"run":3}']);
      // ...or another file moved into place
      writeFileSync(`${file}.new`, '{"frame":0,"run":3}\n{"frame":1,"run":3}\n{"frame":2,"run":3}\n');
      renameSync(`${file}.new`, file);
      tail.poll();
      expect(seen.at(-4)).toBe('RESET');
      expect(seen.slice(-3)).toEqual(['{"frame":0,"run":3}', '{"frame":1,"run":3}', '{"frame":2,"run":3}']);
    } finally {
      tail.stop();
    }
  });
});

describe('view/server.mjs: a recorded run', () => {
  it('serves the page, the JSON Lines and the video with range requests', async () => {
    const { startViewServer } = await load('server.mjs');
    const video = path.join(dir, 'v.mp4');
    const jsonl = path.join(dir, 'v.jsonl');
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    writeFileSync(video, bytes);
    writeFileSync(jsonl, '{"frame":0,"pts":0,"width":64,"height":48,"objects":[]}\n');
    const server = await startViewServer({ port: 0, recorded: { video, jsonl } });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(server.url);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('"mode":"recorded"');
      expect(html).not.toMatch(/<script[^>]+src=/); // everything inlined: nothing loaded from elsewhere
      expect(await (await fetch(`${server.url}lines.jsonl`)).text()).toBe(readFileSync(jsonl, 'utf8'));

      const whole = await fetch(`${server.url}video`);
      expect([whole.status, whole.headers.get('accept-ranges'), whole.headers.get('content-type')]).toEqual([200, 'bytes', 'video/mp4']);
      expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
      const range = async (spec: string) => {
        const res = await fetch(`${server.url}video`, { headers: { Range: spec } });
        return { status: res.status, range: res.headers.get('content-range'), body: Buffer.from(await res.arrayBuffer()) };
      };
      const mid = await range('bytes=100-199');
      expect([mid.status, mid.range]).toEqual([206, 'bytes 100-199/1000']);
      expect(mid.body.equals(bytes.subarray(100, 200))).toBe(true);
      const open = await range('bytes=990-');
      expect([open.status, open.range, open.body.length]).toEqual([206, 'bytes 990-999/1000', 10]);
      const suffix = await range('bytes=-5');
      expect(suffix.body.equals(bytes.subarray(995))).toBe(true);
      expect((await range('bytes=2000-2100')).status).toBe(416);
      expect((await fetch(`${server.url}etc/passwd`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
