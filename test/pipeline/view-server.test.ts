/**
 * The pieces of tsvision view's server, on real inputs: the GDP reader on what gdppay writes (whole and in small
 * chunks), the JSON Lines tail on a file appended to, truncated and replaced as tsexport does, and the HTTP range
 * requests a <video> seeks with.
 */
import { appendFileSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, gstLaunch, tempDir } from '../helpers/gst';

const load = (name: string) => import(pathToFileURL(path.join(ROOT, 'view', name)).href);
const dir = tempDir('tsvision-view-server-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** This process's open file descriptors on `file` (the server runs in it). */
function openFds(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

async function until(condition: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

/** A raw HTTP/1.1 exchange: what the server sends back for `request` until it closes; `onFirstData` may pause. */
function rawRequest(port: number, request: string, onFirstData?: (socket: net.Socket) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (d) => {
      if (chunks.length === 0) onFirstData?.(socket);
      chunks.push(d);
    });
    socket.setTimeout(10_000, () => socket.destroy()); // a server that never answers: what came so far
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** The records of a /live response as they come: { type, text }. */
function liveRecords(url: string) {
  const records: { type: number; text: string }[] = [];
  let buf = Buffer.alloc(0);
  const req = http.get(url, (res) =>
    res.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5 && buf.length - 5 >= buf.readUInt32BE(1)) {
        const length = buf.readUInt32BE(1);
        records.push({ type: buf[0], text: buf.subarray(5, 5 + length).toString() });
        buf = buf.subarray(5 + length);
      }
    }),
  );
  req.on('error', () => {});
  return { records, close: () => req.destroy() };
}

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

  it('a UTF-8 character split across two 64 KiB reads comes through intact', async () => {
    const { tailLines } = await load('tail.mjs');
    const file = path.join(dir, 'utf8.jsonl');
    const prefix = '{"label":"';
    const line = `${prefix}${'a'.repeat(65535 - prefix.length)}€ café"}`; // € at bytes 65535-65537: 1 byte in the first read
    writeFileSync(file, `${line}\n{"frame":1}\n`);
    const seen: string[] = [];
    const tail = tailLines(file, (l: string) => seen.push(l), { intervalMs: 1_000_000 });
    try {
      expect(seen).toEqual([line, '{"frame":1}']);
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

  it('a request it cannot parse is answered 400, and the server stays up', async () => {
    const { startViewServer } = await load('server.mjs');
    const video = path.join(dir, 'v400.mp4');
    writeFileSync(video, Buffer.alloc(100));
    const server = await startViewServer({ port: 0, recorded: { video, jsonl: path.join(dir, 'v.jsonl') } });
    try {
      const answer = await rawRequest(server.port, 'GET http://a:b:c/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      expect(answer.toString()).toMatch(/^HTTP\/1\.1 400 /);
      expect((await fetch(server.url)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('cancelled range requests (a <video> seeking) leave no file open', async () => {
    const { startViewServer } = await load('server.mjs');
    const video = path.join(dir, 'big.mp4');
    writeFileSync(video, Buffer.alloc(32 << 20, 1)); // far more than the socket buffers: the read is still going at the abort
    const server = await startViewServer({ port: 0, recorded: { video, jsonl: path.join(dir, 'v.jsonl') } });
    try {
      for (let i = 0; i < 5; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.get(`${server.url}video`, { headers: { Range: `bytes=${i * 1000}-` } }, (res) => {
            expect(res.statusCode).toBe(206);
            res.once('data', () => (req.destroy(), resolve()));
          });
          req.on('error', (e) => (req.destroyed ? resolve() : reject(e)));
        });
      }
      expect(await until(() => openFds(video) === 0), `${openFds(video)} descriptors still open on ${video}`).toBe(true);
      expect((await fetch(server.url)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a file that grows while it is sent: no more bytes than its Content-Length', async () => {
    const { startViewServer } = await load('server.mjs');
    const jsonl = path.join(dir, 'growing.jsonl');
    const line = `{"frame":0,"pts":0,"pad":"${'x'.repeat(200)}"}\n`;
    writeFileSync(jsonl, line.repeat(40_000)); // ~9 MB
    const server = await startViewServer({ port: 0, recorded: { video: path.join(dir, 'v.mp4'), jsonl } });
    try {
      const answer = await rawRequest(server.port, 'GET /lines.jsonl HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', (socket) => {
        // the headers are here, most of the file not yet read: the pipeline writes more meanwhile
        socket.pause();
        appendFileSync(jsonl, line.repeat(4000));
        setTimeout(() => socket.resume(), 100);
      });
      const headEnd = answer.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(answer.subarray(0, headEnd).toString())?.[1]);
      expect(length).toBe(line.length * 40_000);
      expect(answer.length - headEnd - 4).toBe(length);
    } finally {
      await server.close();
    }
  });
});

describe('view/server.mjs: live', () => {
  it('a second run appended to the JSON Lines (frame 0 again): the pages are told to reset, and a new page gets only that run', async () => {
    const { startViewServer } = await load('server.mjs');
    const jsonl = path.join(dir, 'live-append.jsonl');
    const lines = (run: number, n: number) => Array.from({ length: n }, (_, i) => `{"frame":${i},"pts":${i * 40e6},"run":${run},"objects":[]}\n`).join('');
    writeFileSync(jsonl, lines(1, 3));
    // no pipeline at the source port: the lines are served all the same
    const server = await startViewServer({ port: 0, live: { source: { host: '127.0.0.1', port: await freePort() }, jsonl } });
    const first = liveRecords(`${server.url}live`);
    let second: ReturnType<typeof liveRecords> | undefined;
    try {
      const lineRecords = (r: { type: number; text: string }[]) => r.filter((x) => x.type === 2 || x.type === 4).map((x) => (x.type === 4 ? 'RESET' : JSON.parse(x.text).run));
      expect(await until(() => lineRecords(first.records).length === 3)).toBe(true);
      appendFileSync(jsonl, lines(2, 2)); // tsexport append=true after a restart
      expect(await until(() => lineRecords(first.records).length === 6)).toBe(true);
      expect(lineRecords(first.records)).toEqual([1, 1, 1, 'RESET', 2, 2]);
      second = liveRecords(`${server.url}live`);
      expect(await until(() => lineRecords(second!.records).length === 2)).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(lineRecords(second.records)).toEqual([2, 2]);
    } finally {
      first.close();
      second?.close();
      await server.close();
    }
  });
});
