/**
 * The HTTP server of `tsvision view` (node:http, on 127.0.0.1 unless told otherwise).
 *
 * Recorded run:   GET /            the page (view/page.mjs)
 *                 GET /video       the video file, with HTTP range requests (206) so that <video> can seek
 *                 GET /lines.jsonl the JSON Lines file as it is now
 * Live pipeline:  GET /            the page
 *                 GET /live        one long response, application/octet-stream, of records
 *                                  [type u8][length u32 BE][payload]: 1 = a frame (pts as float64 BE, ns, NaN
 *                                  when none; then the JPEG), 2 = a JSON line (UTF-8), 3 = status (JSON),
 *                                  4 = the JSON Lines file started again, or a new run was appended to it (a
 *                                  line of `frame` 0 after a later one): the lines so far are another run's
 *
 * Live frames come from the pipeline's `jpegenc ! gdppay ! tcpserversink`: the server connects to it (and again
 * when it goes away), reads the GDP packets (view/gdp.mjs) and passes each JPEG on with its pts. The lines come
 * from tailing tsexport's `location` file (view/tail.mjs). A browser that cannot keep up misses frames, never lines.
 */
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { GDP_BUFFER, GDP_CAPS, GdpReader, capsSize } from './gdp.mjs';
import { renderPage } from './page.mjs';
import { tailLines } from './tail.mjs';

const VIDEO_TYPES = { '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.webm': 'video/webm', '.mkv': 'video/x-matroska', '.mov': 'video/quicktime' };
const RECENT_LINES = 600;

function sendFile(req, res, file, type) {
  const size = statSync(file).size;
  const headers = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache' };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (req.headers.range && range && (range[1] || range[2])) {
    let start = range[1] ? Number(range[1]) : size - Number(range[2]);
    let end = range[1] && range[2] ? Number(range[2]) : size - 1;
    start = Math.max(0, start);
    end = Math.min(end, size - 1);
    if (start > end || start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
    if (req.method === 'HEAD') return void res.end();
    return send(file, start, end, res);
  }
  res.writeHead(200, { ...headers, 'Content-Length': size });
  if (req.method === 'HEAD' || size === 0) return void res.end();
  // Up to the size announced: a file still growing (the JSON Lines while the pipeline writes) must not send more.
  send(file, 0, size - 1, res);
}

/**
 * Bytes start..end of a file to the response. pipeline() closes the file when the client goes away (a <video>
 * cancels its range request at every seek) and ends a response whose file cannot be read (removed meanwhile).
 */
function send(file, start, end, res) {
  pipeline(createReadStream(file, { start, end }), res, () => {});
}

function record(type, payload) {
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** The live side: the pipeline's GDP/JPEG stream and the tailed JSON Lines, fanned out to every browser. */
class LiveFeed {
  constructor({ source, jsonl, log }) {
    this.source = source;
    this.log = log;
    this.clients = new Set();
    this.recent = [];
    this.status = { connected: false, source: `${source.host}:${source.port}`, error: null, width: null, height: null };
    this.latestFrame = null;
    this.lastFrame = -1; // the frame number of the last line
    this.closed = false;
    this.tail = tailLines(jsonl, (line) => this.line(line), { onReset: () => this.reset() });
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const socket = net.connect(this.source.port, this.source.host);
    this.socket = socket;
    const reader = new GdpReader((p) => this.packet(p));
    socket.on('connect', () => this.setStatus({ connected: true }));
    socket.on('data', (chunk) => {
      try {
        reader.push(chunk);
      } catch (e) {
        this.problem(e.message);
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.status.connected && !this.status.error) this.log(`live: ${this.status.source} closed; waiting for it to come back`);
      this.setStatus({ connected: false });
      if (!this.closed) this.retry = setTimeout(() => this.connect(), 250);
    });
  }

  /** A stream the page cannot show: said once (on the console and the page) until a good stream comes. */
  problem(message) {
    if (this.status.error === message) return;
    this.log(`live: ${this.status.source}: ${message}`);
    this.setStatus({ error: message });
  }

  packet({ type, pts, payload }) {
    if (type === GDP_CAPS) {
      const size = capsSize(payload);
      const media = payload.toString('utf8').split(/[,;\0]/)[0];
      if (media !== 'image/jpeg') return this.problem(`sends ${media}, not image/jpeg: put jpegenc before gdppay`);
      if (this.status.error || !this.status.width) this.log(`live: reading JPEG frames from ${this.status.source}`);
      this.setStatus({ error: null, ...(size && { width: size.width, height: size.height }) });
      return;
    }
    if (type !== GDP_BUFFER || this.status.error) return;
    const head = Buffer.alloc(8);
    head.writeDoubleBE(pts ?? NaN, 0);
    const rec = record(1, Buffer.concat([head, payload]));
    this.latestFrame = rec;
    for (const client of this.clients) {
      if (client.writableNeedDrain) continue; // this browser is behind: it skips frames
      client.write(rec);
    }
  }

  line(text) {
    // frame 0 after a later frame: a new run appended to the file (tsexport append=true, as tsvision run advises)
    const frame = Number(/"frame":(\d+)/.exec(text)?.[1]);
    if (frame === 0 && this.lastFrame > 0) this.reset();
    if (Number.isFinite(frame)) this.lastFrame = frame;
    this.recent.push(text);
    if (this.recent.length > RECENT_LINES) this.recent.splice(0, this.recent.length - RECENT_LINES);
    const rec = record(2, Buffer.from(text));
    for (const client of this.clients) client.write(rec);
  }

  /** The file was truncated or a new run appended to it: the lines so far are another run's. */
  reset() {
    this.recent = [];
    this.lastFrame = -1;
    const rec = record(4, Buffer.alloc(0));
    for (const client of this.clients) client.write(rec);
  }

  /** Updates the status and tells the pages, when it changed (a pipeline that is not there is retried 4 times a second). */
  setStatus(change) {
    if (Object.entries(change).every(([k, v]) => this.status[k] === v)) return;
    Object.assign(this.status, change);
    const rec = record(3, Buffer.from(JSON.stringify(this.status)));
    for (const client of this.clients) client.write(rec);
  }

  attach(req, res) {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.write(record(3, Buffer.from(JSON.stringify(this.status))));
    for (const text of this.recent) res.write(record(2, Buffer.from(text)));
    if (this.latestFrame) res.write(this.latestFrame);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('error', drop);
  }

  close() {
    this.closed = true;
    clearTimeout(this.retry);
    this.tail.stop();
    this.socket?.destroy();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}

/**
 * Starts the server. options: { host, port (0: a free one), title, rules (readRules' result or null), log,
 * recorded: { video, jsonl } | live: { source: { host, port }, jsonl } }. Resolves with { url, port, close() }.
 */
export async function startViewServer(options) {
  const { host = '127.0.0.1', port = 0, rules = null, log = () => {} } = options;
  const live = options.live ? new LiveFeed({ ...options.live, log }) : null;
  const recorded = options.recorded;
  const config = live
    ? { mode: 'live', title: options.title ?? 'tsvision view (live)', stream: '/live', rules }
    : { mode: 'recorded', title: options.title ?? `tsvision view: ${path.basename(recorded.video)}`, video: '/video', lines: '/lines.jsonl', rules };
  const page = await renderPage(config);

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    let url;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request\n');
    }
    try {
      if (url.pathname === '/' || url.pathname === '/index.html') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
        return void res.end(req.method === 'HEAD' ? undefined : page);
      }
      if (recorded && url.pathname === '/video') {
        return sendFile(req, res, recorded.video, VIDEO_TYPES[path.extname(recorded.video).toLowerCase()] ?? 'application/octet-stream');
      }
      if (recorded && url.pathname === '/lines.jsonl') return sendFile(req, res, recorded.jsonl, 'application/x-ndjson; charset=utf-8');
      if (live && url.pathname === '/live') return live.attach(req, res);
      if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${e.message}\n`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address().port;
  return {
    port: bound,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`,
    close: () =>
      new Promise((resolve) => {
        live?.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
