/**
 * The camera goes away for 10 s and comes back: examples/rtsp-to-rtmp.sh with RESTART=1 (`tsvision run`, cli/run.mjs)
 * waits for the camera's port and restarts the pipeline; the stream resumes within 5 s of the camera's return (the
 * issue's bound; the time measured is printed), tracks start fresh (a new run: frame 0, track ids from 1), the JSON Lines keep the
 * first run's lines (append=true) and every line on disk is whole, and the outage is reported on stderr and as
 * events. Real servers: the camera (build/tsvision-rtsp-server) on a fixed free port, killed and started again on
 * it, and nginx-rtmp receiving the annotated stream (a player reads it again after the recovery). And the media
 * server restarting: rtmp2sink fails, the pipeline waits for the server and publishes again. And a connection that goes
 * silent without closing (a pulled cable: a TCP proxy between camera and pipeline stops forwarding and refuses new
 * connections, then lets new ones through again): rtspsrc only waits, `tsvision run --stall` restarts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT, gstEnv, readJsonl, run, tempDir, type JsonlFrame } from '../helpers/gst';
import { freePort, startCamera, startNginxRtmp, type Server } from '../../scripts/lib/streaming.mjs';

const servers: Server[] = [];
let supervisor: ChildProcess | null = null;

afterAll(async () => {
  supervisor?.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Complete lines of a file being written (a line still being written is left out). */
function lines(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Starts the supervisor (this file's `supervisor`): `command args`, its stderr kept (`stderr`), `exited` its exit
 * status.
 */
function supervise(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  supervisor = child;
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** examples/rtsp-to-rtmp.sh camera → nginx under `tsvision run` (RESTART=1), its objects and events in a new folder. */
function superviseRtspToRtmp(cameraUrl: string, nginxUrl: string) {
  const dir = tempDir('tsvision-recovery-');
  const jsonl = path.join(dir, 'objects.jsonl');
  const events = path.join(dir, 'events.jsonl');
  const supervised = supervise('bash', [path.join(ROOT, 'examples', 'rtsp-to-rtmp.sh'), cameraUrl, `${nginxUrl}/cam`],
    gstEnv({ RESTART: '1', JSONL: jsonl, EVENTS: events, LATENCY: '100' }));
  return { dir, jsonl, events, supervised };
}

it('tsvision run: the camera away for 10 s, the stream resumes within 5 s of its return, tracks start fresh, whole lines on disk', async () => {
  const nginx = await startNginxRtmp();
  servers.push(nginx);
  const port = await freePort();
  const camera = await startCamera({ port, start: 8, env: gstEnv() });
  servers.push(camera);

  const { dir, jsonl, events, supervised } = superviseRtspToRtmp(camera.url, nginx.url);
  const exited = supervised.exited;

  await until('the first frames', () => lines(jsonl).length >= 15, 30_000);
  camera.child.kill('SIGKILL'); // the camera goes away, without a word to its clients
  await camera.stop();
  await sleep(1500);
  const duringOutage = lines(jsonl).length;
  await sleep(8500);
  expect(lines(jsonl).length, 'no frames while the camera is away').toBe(duringOutage);

  const back = await startCamera({ port, start: 8, env: gstEnv() }); // the same address again
  servers.push(back);
  const returned = Date.now();
  const runs = () => lines(jsonl).filter((l) => (JSON.parse(l) as JsonlFrame).frame === 0).length;
  await until('frames after the camera returned', () => runs() === 2, 15_000);
  const recoveryMs = Date.now() - returned;
  console.log(`recovery: frames again ${recoveryMs} ms after the camera returned (10 s outage)`);
  expect(recoveryMs).toBeLessThan(5000);
  await until('the recovery report', () => supervised.stderr.includes('pipeline running again'), 10_000);
  await until('a few frames of the new run', () => lines(jsonl).length >= duringOutage + 10, 15_000);
  // The annotated stream is live at the media server again: a player gets frames from it.
  const player = await run('gst-launch-1.0', ['rtmp2src', `location=${nginx.url}/cam`, '!', 'flvdemux', '!', 'h264parse', '!', 'avdec_h264', '!',
    'identity', 'eos-after=5', '!', 'tsexport', `location=${path.join(dir, 'player.jsonl')}`, '!', 'fakesink'], { timeoutMs: 30_000 });
  expect(player.code, player.output).toBe(0);
  expect(readJsonl(path.join(dir, 'player.jsonl')).length).toBeGreaterThanOrEqual(4);

  supervisor!.kill('SIGINT');
  const stopped = Date.now();
  expect(await exited).toBe(0);
  expect(Date.now() - stopped, 'prompt exit on interrupt').toBeLessThan(10_000);
  supervisor = null;

  // Every line on disk parses (readJsonl throws on a partial one); two runs, each counting its frames from 0.
  const frames = readJsonl(jsonl);
  const starts = frames.flatMap((f, i) => (f.frame === 0 ? [i] : []));
  expect(starts).toEqual([0, duringOutage]);
  const [first, second] = [frames.slice(0, duringOutage), frames.slice(duringOutage)];
  for (const run of [first, second]) expect(run.map((f) => f.frame)).toEqual([...run.keys()]);
  // Tracks start fresh: the person standing in the picture is track 1 in both runs.
  const ids = (run: JsonlFrame[]) => new Set(run.flatMap((f) => f.objects.filter((o) => o.label === 'person' && o.track_id !== null).map((o) => o.track_id)));
  expect(ids(first).has(1)).toBe(true);
  expect(ids(second).has(1)).toBe(true);

  // The outage, reported: on stderr, and as events.
  // rtspsrc: a warning and EOS when it reads the connection's end ("The server closed the connection"), an error when
  // the connection is reset ("Could not receive message"); both are "Could not read from resource".
  expect(supervised.stderr).toMatch(/tsvision run: pipeline stopped after [\d.]+ s: (WARNING|ERROR): from element \S+rtspsrc0: Could not read from resource/);
  expect(supervised.stderr).toMatch(/tsvision run: pipeline running again \(run \d+\), [\d.]+ s after it failed/);
  const ev = readJsonl(events) as unknown as { event: string; run: number; down_s?: number; error?: string; outages?: number }[];
  expect(ev[0].event).toBe('started');
  // One failure: while the camera is away nothing is started (no model loads), the supervisor waits for its port.
  const failed = ev.filter((e) => e.event === 'failed');
  expect(failed).toHaveLength(1);
  expect(failed[0].error).toMatch(/rtspsrc0: Could not read from resource/);
  expect(supervised.stderr).toContain(`tsvision run: waiting for 127.0.0.1:${port} to accept connections`);
  expect(ev.filter((e) => e.event === 'started')).toHaveLength(2);
  const recovered = ev.filter((e) => e.event === 'recovered');
  expect(recovered).toHaveLength(1);
  expect(recovered[0].down_s).toBeGreaterThan(8); // from the failure (noticed as the camera went) to the new start
  expect(recovered[0].down_s).toBeLessThan(10 + 5 + 1);
  expect(ev[ev.length - 1]).toMatchObject({ event: 'stopped', exit: 0, outages: 1 });
});

it('tsvision run: the media server restarts (3 s away), the pipeline publishes to it again', async () => {
  let nginx = await startNginxRtmp();
  servers.push(nginx);
  const camera = await startCamera({ start: 8, env: gstEnv() });
  servers.push(camera);
  const { dir, jsonl, events, supervised } = superviseRtspToRtmp(camera.url, nginx.url);
  const exited = supervised.exited;

  await until('the first frames', () => lines(jsonl).length >= 10, 30_000);
  await nginx.stop(); // SIGTERM: nginx closes its connections
  await sleep(3000);
  nginx = await startNginxRtmp({ port: nginx.port });
  servers.push(nginx);
  const returned = Date.now();
  await until('frames after the server returned', () => lines(jsonl).filter((l) => (JSON.parse(l) as JsonlFrame).frame === 0).length === 2, 15_000);
  console.log(`recovery: frames again ${Date.now() - returned} ms after the media server returned (3 s outage)`);
  const player = await run('gst-launch-1.0', ['rtmp2src', `location=${nginx.url}/cam`, '!', 'flvdemux', '!', 'h264parse', '!', 'avdec_h264', '!',
    'identity', 'eos-after=5', '!', 'tsexport', `location=${path.join(dir, 'player.jsonl')}`, '!', 'fakesink'], { timeoutMs: 30_000 });
  expect(player.code, player.output).toBe(0);
  expect(readJsonl(path.join(dir, 'player.jsonl')).length).toBeGreaterThanOrEqual(4);

  supervisor!.kill('SIGINT');
  expect(await exited).toBe(0);
  supervisor = null;
  expect(supervised.stderr).toMatch(/tsvision run: pipeline stopped after [\d.]+ s: ERROR: from element \S+rtmp2sink0: Connection error/);
  expect(supervised.stderr).toContain(`tsvision run: waiting for 127.0.0.1:${nginx.port} to accept connections`);
  readJsonl(jsonl); // whole lines
  const ev = readJsonl(events) as unknown as { event: string }[];
  expect(ev.filter((e) => e.event === 'failed')).toHaveLength(1);
  expect(ev.filter((e) => e.event === 'recovered')).toHaveLength(1);
});

/**
 * A TCP proxy to `target` on 127.0.0.1: `cut()` pulls the cable — open connections stay open but carry nothing any
 * more, in either direction, and new ones are refused; `mend()` lets new connections through again (the old ones stay
 * dead, like a camera's session after it rebooted).
 */
async function cableProxy(port: number, target: number) {
  const live: net.Socket[] = [];
  const all: net.Socket[] = [];
  let server: net.Server | null = null;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect({ host: '127.0.0.1', port: target });
        live.push(client, upstream);
        all.push(client, upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        const end = () => (client.destroy(), upstream.destroy());
        client.on('error', end);
        upstream.on('error', end);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await listen();
  return {
    cut() {
      for (const s of live) {
        s.unpipe();
        s.pause();
      }
      live.length = 0;
      server!.close(); // new connections refused at once; the open ones are left hanging (close() would wait for them)
    },
    mend: listen,
    stop() {
      for (const s of all) s.destroy();
      server?.close();
    },
  };
}

it('tsvision run --stall: a connection that goes silent without closing is restarted once the camera is reachable again', async () => {
  const camera = await startCamera({ start: 8, env: gstEnv() });
  servers.push(camera);
  const cameraPort = Number(new URL(camera.url).port);
  const port = await freePort();
  const proxy = await cableProxy(port, cameraPort);
  servers.push({ stop: async () => proxy.stop() } as unknown as Server);
  const url = new URL(camera.url);
  url.port = String(port);

  const dir = tempDir('tsvision-stall-');
  const jsonl = path.join(dir, 'frames.jsonl');
  const events = path.join(dir, 'events.jsonl');
  const supervised = supervise(
    'node',
    [path.join(ROOT, 'bin', 'tsvision.mjs'), 'run', '--stall', '2', '--events', events, '--',
      'rtspsrc', `location=${url.href}`, 'latency=100', 'protocols=tcp', '!', 'rtph264depay', '!', 'h264parse', '!', 'avdec_h264', '!',
      'tsexport', `location=${jsonl}`, 'append=true', '!', 'fakesink'],
    gstEnv(),
  );
  const exited = supervised.exited;

  await until('the first frames', () => lines(jsonl).length >= 15, 30_000);
  proxy.cut();
  await sleep(1000);
  const duringOutage = lines(jsonl).length;
  await sleep(5000);
  expect(lines(jsonl).length, 'no frames while the cable is out').toBe(duringOutage);
  // Noticed by the watchdog, not by rtspsrc: the run was stopped for its silence, the supervisor now waits for the port.
  expect(supervised.stderr).toMatch(/tsvision run: no new output for 2 s \(.*frames\.jsonl\): stopping run 1/);
  expect(supervised.stderr).toContain(`tsvision run: waiting for 127.0.0.1:${port} to accept connections`);

  await proxy.mend();
  const mended = Date.now();
  const runs = () => lines(jsonl).filter((l) => (JSON.parse(l) as JsonlFrame).frame === 0).length;
  await until('frames after the cable is back', () => runs() === 2, 15_000);
  console.log(`recovery: frames again ${Date.now() - mended} ms after the connection could be made again (stalled, not closed)`);
  expect(Date.now() - mended).toBeLessThan(5000);
  await until('the recovery report', () => supervised.stderr.includes('pipeline running again'), 10_000);

  supervisor!.kill('SIGINT');
  expect(await exited).toBe(0);
  supervisor = null;
  readJsonl(jsonl); // every line whole
  const ev = readJsonl(events) as unknown as { event: string; error?: string }[];
  const failed = ev.filter((e) => e.event === 'failed');
  expect(failed).toHaveLength(1);
  expect(failed[0].error).toBe('stalled: no new output for 2 s');
  expect(ev.filter((e) => e.event === 'recovered')).toHaveLength(1);
});
