/**
 * tsexport's outputs besides the file, in real gst-launch-1.0 pipelines: per-frame bus messages
 * (gst-launch -m prints them) and MQTT publishing against a real mosquitto broker that each test
 * starts on 127.0.0.1 (a free port, a generated config), with mosquitto_sub as the subscriber.
 * Objects come from a tsdetect hook (test/fixtures/hooks/track-moving.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOOKS, freePort, gstLaunch, readJsonl, tempDir, type RunResult } from '../helpers/gst';

const DETECT = `tsdetect module=${HOOKS}/track-moving.ts module-args='{"static":true}'`;
const SOURCE = (frames: number, live = false) =>
  `videotestsrc num-buffers=${frames}${live ? ' is-live=true' : ''} ! video/x-raw,width=320,height=240,framerate=30/1`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
}

/** Undoes GStreamer's string serialisation (gst_value_serialize: \ before specials, \ooo octal). */
function gstUnescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      if (s[i] === '\\') i++;
      bytes.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

interface BusResult {
  frame: number;
  pts: number;
  runningTime: number;
  objectCount: number;
  json: string;
}

/** `tsexport` element messages printed by gst-launch -m. */
function busResults(output: string): BusResult[] {
  const re =
    /: tsexport, frame=\(guint64\)(\d+), pts=\(guint64\)(\d+), running-time=\(guint64\)(\d+), object-count=\(uint\)(\d+), json=\(string\)"((?:[^"\\]|\\.)*)";/g;
  return [...output.matchAll(re)].map((m) => ({
    frame: Number(m[1]),
    pts: Number(m[2]),
    runningTime: Number(m[3]),
    objectCount: Number(m[4]),
    json: gstUnescape(m[5]),
  }));
}

// ---- a real broker and subscriber -------------------------------------------------------------

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

class Broker {
  private child: ChildProcess | null = null;
  log = '';
  readonly conf: string;

  /** persistence: the broker saves its sessions (and the QoS 1 messages queued for them) at
   * shutdown and restores them at start, so a persistent subscriber loses nothing to a restart. */
  constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(
      this.conf,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence true',
        `persistence_location ${dir}/`,
        // As root the broker would switch to the `mosquitto` user, which cannot write the temp dir.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    const child = spawn('mosquitto', ['-c', this.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    this.child = child;
    for (const t0 = Date.now(); !(await canConnect(this.port)); await sleep(25)) {
      if (child.exitCode !== null || Date.now() - t0 > 5000) throw new Error(`mosquitto did not start:\n${this.log}`);
    }
  }

  /** A crash while the connections stay up: SIGSTOP (it reads and acknowledges nothing more, so
   * the publisher's unacknowledged results pile up), then SIGKILL (what it held in memory since its
   * last save is gone; results it acknowledged were already passed on to the online subscriber). */
  async crash(frozenMs: number): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGSTOP');
    await sleep(frozenMs);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM: a clean shutdown, which writes the persistence file. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

/** mosquitto_sub -q 1 (with a persistent session when `id` is given), collecting the payloads. */
class Subscriber {
  readonly messages: string[] = [];
  private buffer = '';
  readonly child: ChildProcess;

  constructor(port: number, topic: string, id?: string) {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic];
    if (id) args.push('-c', '-i', id);
    this.child = spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(this.child);
    this.child.stdout!.on('data', (d) => {
      this.buffer += d;
      const parts = this.buffer.split('\n');
      this.buffer = parts.pop()!;
      this.messages.push(...parts);
    });
  }

  private probes = 0;

  /** Waits until the subscriber is connected, subscribed and has received what the broker queued
   * for it before now: publishes a new probe (until one gets through) and waits for it. */
  async ready(port: number, topic: string, timeoutMs = 5000): Promise<void> {
    const probe = `probe-${++this.probes}`;
    for (let t0 = Date.now(), sent = 0; !this.messages.includes(probe); await sleep(50)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`mosquitto_sub did not get ${probe}`);
      if (Date.now() - sent > 500) {
        sent = Date.now();
        spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', probe]);
      }
    }
  }

  /** Waits until the subscriber has every result tsexport has produced so far (the lines of its
   * file): then the broker holds nothing back for it. */
  async caughtUp(file: string, timeoutMs = 5000): Promise<void> {
    for (const t0 = Date.now(); ; await sleep(10)) {
      const produced = lines(file).length;
      const frames = this.results().map((m) => (JSON.parse(m) as { frame: number }).frame);
      if (produced > 0 && frames.includes(produced - 1)) return;
      if (Date.now() - t0 > timeoutMs) throw new Error(`mosquitto_sub did not catch up (${produced} produced)`);
    }
  }

  /** The results received (probes left out). */
  results(): string[] {
    return this.messages.filter((m) => m.startsWith('{'));
  }

  async waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
    for (const t0 = Date.now(); !pred() && Date.now() - t0 < timeoutMs; ) await sleep(50);
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

/**
 * Checks a subscriber's message sequence against the file the same tsexport wrote: every frame
 * arrives, each one equal to its file line, in order. QoS 1 is at-least-once: after a reconnection
 * the results the broker had not acknowledged are sent again, so a repeat of an earlier frame is
 * allowed; a frame further on than the next one (a gap, i.e. a reordering) is not.
 */
function expectDeliveredInOrder(received: string[], fileLines: string[]): { duplicates: number } {
  let next = 0;
  let duplicates = 0;
  for (const m of received) {
    const frame = (JSON.parse(m) as { frame: number }).frame;
    expect(m, `frame ${frame}`).toBe(fileLines[frame]);
    if (frame === next) next++;
    else if (frame < next) duplicates++;
    else throw new Error(`frame ${frame} arrived before frame ${next} (got ${received.length} messages)`);
  }
  expect(next, `frames delivered (of ${fileLines.length})`).toBe(fileLines.length);
  return { duplicates };
}

function expectClean(r: RunResult): void {
  expect(r.timedOut, `pipeline hung:\n${r.output}`).toBe(false);
  expect(r.signal, `crashed:\n${r.output}`).toBeNull();
  expect(r.code, r.output).toBe(0);
}

// ---- tests ------------------------------------------------------------------------------------

describe('tsexport bus messages', () => {
  it('posts one tsexport message per frame with the same JSON line as the file (post-messages=true)', async () => {
    const out = path.join(tempDir(), 'bus.jsonl');
    const r = await gstLaunch(`${SOURCE(12)} ! ${DETECT} ! tsexport location=${out} post-messages=true ! fakesink`, {
      flags: ['-m'],
      timeoutMs: 30_000,
    });
    expectClean(r);
    const fileLines = lines(out);
    const frames = readJsonl(out);
    const messages = busResults(r.output);
    expect(messages).toHaveLength(12);
    expect(messages.map((m) => m.json)).toEqual(fileLines);
    messages.forEach((m, i) => {
      expect(m.frame).toBe(i);
      expect(m.pts).toBe(frames[i].pts);
      expect(m.runningTime).toBe(frames[i].pts); // a plain stream: running time = pts
      expect(m.objectCount).toBe(frames[i].objects.length);
      expect(m.objectCount).toBe(2); // the moving person and the still car
    });
  });

  it('posts none by default', async () => {
    const r = await gstLaunch(`${SOURCE(3)} ! ${DETECT} ! tsexport ! fakesink`, { flags: ['-m'], timeoutMs: 30_000 });
    expectClean(r);
    expect(busResults(r.output)).toEqual([]);
    expect(r.output).not.toMatch(/: tsexport, frame=/);
  });
});

describe('tsexport MQTT publishing (a real mosquitto broker)', () => {
  it('delivers every frame\'s JSON line, in order, to a subscriber', async () => {
    const dir = tempDir();
    const port = await freePort();
    const broker = new Broker(dir, port);
    await broker.start();
    const topic = 'tsvision/test/b';
    const sub = new Subscriber(port, topic);
    await sub.ready(port, topic);
    const out = path.join(dir, 'b.jsonl');
    const frames = 60;
    const r = await gstLaunch(
      `${SOURCE(frames)} ! ${DETECT} ! tsexport location=${out} mqtt-address=127.0.0.1:${port} mqtt-topic=${topic} ! fakesink`,
      { timeoutMs: 30_000 },
    );
    expectClean(r);
    expect(r.output).not.toMatch(/WARNING: .*tsexport0/);
    const fileLines = lines(out);
    expect(fileLines).toHaveLength(frames);
    await sub.waitFor(() => sub.results().length >= frames, 5000);
    // No connection was lost: exactly the file's lines, once each, in order.
    expect(sub.results()).toEqual(fileLines);
    sub.stop();
    await broker.stop();
  });

  it('queues while the broker is down at start, restarts and crashes, then delivers everything in order; never blocks', async () => {
    const dir = tempDir();
    const port = await freePort();
    const broker = new Broker(dir, port);
    const topic = 'tsvision/test/c';
    // A persistent subscriber session (clean session off, QoS 1), created while the broker is up:
    // the broker keeps the subscription and the messages queued for it across its restarts.
    await broker.start();
    const sub = new Subscriber(port, topic, `tsexport-test-sub-${port}`);
    await sub.ready(port, topic);
    await broker.stop();

    const out = path.join(dir, 'c.jsonl');
    const frames = 210; // 7 s at 30 fps (a live source)
    const pipeline = gstLaunch(
      `${SOURCE(frames, true)} ! ${DETECT} ! tsexport location=${out} mqtt-address=mqtt://127.0.0.1:${port} mqtt-topic=${topic} ! fakesink`,
      { timeoutMs: 30_000 },
    );
    await sleep(1000); // down at start
    await broker.start();
    await sub.ready(port, topic); // the subscriber is back and has all so far
    await broker.stop(); // a clean restart
    await sleep(300);
    await broker.start();
    await sub.ready(port, topic);
    // A broker crash loses what it acknowledged but still held in memory (e.g. messages queued
    // behind its in-flight window to a subscriber busy with a backlog): only crash it once the
    // subscriber is up to date, so that every result tsexport saw acknowledged has reached it.
    await sub.caughtUp(out);
    await broker.crash(500); // a crash: ~15 results sent and never acknowledged
    await sleep(300);
    await broker.start();
    const r = await pipeline;
    expectClean(r);
    // Never blocked: the live source's 7 s, plus start-up and the (bounded) flush at stop.
    expect(r.elapsedMs, r.output).toBeLessThan((frames / 30) * 1000 + 2500);
    expect(r.output).toMatch(/WARNING: .*tsexport0: Cannot connect to the MQTT broker 127\.0\.0\.1:\d+ \(property mqtt-address\)/);
    const lost = [...r.output.matchAll(/WARNING: .*tsexport0: Lost the connection to the MQTT broker .*; (\d+) unacknowledged results will be sent again/g)];
    expect(lost, r.output).toHaveLength(2);
    // Sent again after a reconnection: only the unacknowledged ones, at most a window (16).
    for (const m of lost) expect(Number(m[1])).toBeLessThanOrEqual(16);
    expect(Number(lost[1][1]), 'results held unacknowledged by the frozen broker').toBeGreaterThanOrEqual(5);
    // The broker's return is an info message (gst-launch prints its debug text, which carries it).
    expect(r.output).toMatch(/INFO:\n.*\n?Connected to the MQTT broker 127\.0\.0\.1:\d+; sending \d+ queued results/);
    expect(r.output).toMatch(/INFO:\n.*\n?Reconnected to the MQTT broker 127\.0\.0\.1:\d+; sending \d+ queued results/);
    expect(r.output).not.toMatch(/Dropping the oldest results/);

    const fileLines = lines(out);
    expect(fileLines).toHaveLength(frames);
    const distinct = () => new Set(sub.results()).size;
    await sub.waitFor(() => distinct() >= frames, 8000);
    const { duplicates } = expectDeliveredInOrder(sub.results(), fileLines);
    // At-least-once: repeats come from tsexport's resent unacknowledged results (checked above)
    // and from the broker, which after a restart redelivers what its persistence file still lists
    // as unacknowledged by the subscriber (after the crash: as of the last clean shutdown).
    expect(duplicates).toBeLessThan(frames);
    sub.stop();
    await broker.stop();
  });

  it('drops the oldest results beyond mqtt-queue-size when the broker never comes, warns, and exits promptly', async () => {
    const port = await freePort(); // nothing listens there
    const r = await gstLaunch(
      `${SOURCE(60)} ! ${DETECT} ! tsexport mqtt-address=127.0.0.1:${port} mqtt-queue-size=10 ! fakesink`,
      { timeoutMs: 30_000 },
    );
    expectClean(r);
    expect(r.output).toMatch(/WARNING: .*Cannot connect to the MQTT broker/);
    expect(r.output).toMatch(/WARNING: .*Dropping the oldest results: the MQTT broker 127\.0\.0\.1:\d+ is unreachable and mqtt-queue-size \(10\) is reached; \d+ results dropped so far/);
    expect(r.elapsedMs).toBeLessThan(5000);
  });

  it('rejects a bad mqtt-address with an error naming the property', async () => {
    for (const address of ['mqtt://host:notaport', 'ftp://host:21', 'mqtts://host:0', '127.0.0.1:0']) {
      const r = await gstLaunch(`${SOURCE(2)} ! tsexport mqtt-address=${address} ! fakesink`, { timeoutMs: 30_000 });
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toContain(`Invalid mqtt-address "${address}"`);
    }
  });
});
