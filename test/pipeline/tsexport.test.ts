/**
 * tsexport's outputs besides the file, in real gst-launch-1.0 pipelines: per-frame bus messages
 * (gst-launch -m prints them) and MQTT publishing against a real mosquitto broker that each test
 * starts on 127.0.0.1 (a free port, a generated config), with mosquitto_sub as the subscriber —
 * plain, and with TLS (a CA, server and client certificates generated with openssl in the test's
 * temp dir) and a password file (mosquitto_passwd). Then the schemas: the default one's `source`
 * and `time`, and format=dlstreamer checked field by field against the default format of the same
 * frames. Objects come from a tsdetect hook (test/fixtures/hooks/track-moving.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOOKS, MEDIA, MODELS, freePort, gstLaunch, readJsonl, tempDir, type RunResult } from '../helpers/gst';

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
   * shutdown and restores them at start, so a persistent subscriber loses nothing to a restart.
   * `settings`: the listener's and access settings (TLS files, password_file…). */
  constructor(
    readonly dir: string,
    readonly port: number,
    settings: string[] = ['allow_anonymous true'],
  ) {
    this.conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(
      this.conf,
      [
        `listener ${port} 127.0.0.1`,
        ...settings,
        'persistence true',
        `persistence_location ${dir}/`,
        // As root the broker would switch to the `mosquitto` user, which cannot write the temp dir.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        '',
      ].join('\n'),
    );
  }

  /** Connections made to the broker so far: accepted ("New connection from"; TLS and login may
   * then fail) or that failed in its TLS accept ("Client connection from … failed"). */
  connections(): number {
    return [...this.log.matchAll(/New connection from|Client connection from \S+ failed/g)].length;
  }

  async start(): Promise<void> {
    const child = spawn('mosquitto', ['-c', this.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    this.child = child;
    const logged = this.connections();
    for (const t0 = Date.now(); !(await canConnect(this.port)); await sleep(25)) {
      if (child.exitCode !== null || Date.now() - t0 > 5000) throw new Error(`mosquitto did not start:\n${this.log}`);
    }
    // The probe is a connection too: wait for its log line, so that connections() counts others.
    for (const t0 = Date.now(); this.connections() === logged && Date.now() - t0 < 2000; ) await sleep(10);
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

  /** `login`: mosquitto_sub/pub options for TLS and credentials (--cafile, -u, -P…). */
  constructor(port: number, topic: string, id?: string, private readonly login: string[] = []) {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, ...login];
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
        spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', probe, ...this.login]);
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

// ---- MQTT over TLS, with a password ----------------------------------------------------------

/** A CA, a server certificate for 127.0.0.1/localhost signed by it, a client certificate signed
 * by it, and a second ("other") CA with a client certificate of its own: what a broker or a
 * client that trusts only the first CA rejects. EC P-256 keys: generated in milliseconds. */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) => openssl('req', '-x509', ...key, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`);
  const signed = (name: string, cn: string, by: string, ext?: string) => {
    openssl('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    if (ext) writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${by}.crt`, '-CAkey', `${by}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...(ext ? ['-extfile', `${name}.ext`] : []));
  };
  ca('ca');
  ca('other-ca');
  signed('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  signed('elsewhere', 'broker.example', 'ca', 'subjectAltName=DNS:broker.example'); // right CA, wrong name
  signed('client', 'tsexport', 'ca');
  signed('rogue', 'tsexport', 'other-ca');
  const f = (name: string) => path.join(dir, name);
  return {
    ca: f('ca.crt'), otherCa: f('other-ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'),
    clientCert: f('client.crt'), clientKey: f('client.key'), rogueCert: f('rogue.crt'), rogueKey: f('rogue.key'),
    elsewhereCert: f('elsewhere.crt'), elsewhereKey: f('elsewhere.key'),
  };
}

type Certificates = ReturnType<typeof makeCertificates>;

/** Broker settings: TLS with the generated server certificate, and either a password file (user
 * alice, password s3cret) or, with `requireCertificate`, client certificates signed by the CA. */
function tlsSettings(dir: string, certs: Certificates, requireCertificate = false): string[] {
  const tls = [`cafile ${certs.ca}`, `certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`];
  if (requireCertificate) return [...tls, 'require_certificate true', 'allow_anonymous true'];
  const passwd = path.join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-c', '-b', passwd, 'alice', 's3cret']);
  return [...tls, 'allow_anonymous false', `password_file ${passwd}`];
}

/** Why the pipeline stopped: tsexport's error, printed by gst-launch-1.0. */
function tsexportError(r: RunResult): string {
  const m = r.output.match(/ERROR: from element [^\n]*tsexport0: ([^\n]*)/);
  return m ? m[1] : '';
}

describe('tsexport MQTT over TLS with a password (a real mosquitto broker)', () => {
  it('delivers every result over TLS (mqtts://, mqtt-ca-file) logged in with mqtt-username and mqtt-password-file', async () => {
    const dir = tempDir();
    const certs = makeCertificates(dir);
    const port = await freePort();
    const broker = new Broker(dir, port, tlsSettings(dir, certs));
    await broker.start();
    const topic = 'tsvision/test/tls';
    const sub = new Subscriber(port, topic, undefined, ['--cafile', certs.ca, '-u', 'alice', '-P', 's3cret']);
    await sub.ready(port, topic);
    const passwordFile = path.join(dir, 'password');
    writeFileSync(passwordFile, 's3cret\n'); // as `echo s3cret > file` writes it
    const out = path.join(dir, 'tls.jsonl');
    const frames = 60;
    const r = await gstLaunch(
      `${SOURCE(frames)} ! ${DETECT} ! tsexport location=${out} mqtt-address=mqtts://127.0.0.1:${port} mqtt-ca-file=${certs.ca} ` +
        `mqtt-username=alice mqtt-password-file=${passwordFile} mqtt-topic=${topic} ! fakesink`,
      { timeoutMs: 30_000 },
    );
    expectClean(r);
    expect(r.output).not.toMatch(/WARNING: .*tsexport0/);
    const fileLines = lines(out);
    expect(fileLines).toHaveLength(frames);
    await sub.waitFor(() => sub.results().length >= frames, 5000);
    expect(sub.results()).toEqual(fileLines);
    expect(broker.log).toMatch(/New client connected from 127\.0\.0\.1:\d+ as tsvision-tsexport0-[0-9a-f]{8} \(p2, c1, k10, u'alice'\)/);
    sub.stop();
    await broker.stop();
  });

  it('stops on a wrong password, missing credentials or an untrusted broker certificate: one error naming the property, one connection, whole lines', async () => {
    const dir = tempDir();
    const certs = makeCertificates(dir);
    const port = await freePort();
    const broker = new Broker(dir, port, tlsSettings(dir, certs));
    await broker.start();
    // A second broker whose certificate is signed by the CA but names another host.
    const elsewhereDir = tempDir();
    const elsewherePort = await freePort();
    const elsewhere = new Broker(elsewhereDir, elsewherePort, [`certfile ${certs.elsewhereCert}`, `keyfile ${certs.elsewhereKey}`, 'allow_anonymous true']);
    await elsewhere.start();
    const wrong = path.join(dir, 'wrong-password');
    writeFileSync(wrong, 'guess\n');
    const frames = 150; // 5 s live: time enough for retries, were there any
    const cases = [
      {
        login: `mqtt-ca-file=${certs.ca} mqtt-username=alice mqtt-password-file=${wrong}`,
        error: /^The MQTT broker 127\.0\.0\.1:\d+ refused the connection \(Connection Refused: not authori[sz]ed\): check mqtt-username \("alice"\) and mqtt-password or mqtt-password-file/,
      },
      {
        login: `mqtt-ca-file=${certs.ca}`,
        error: /^The MQTT broker 127\.0\.0\.1:\d+ refused the connection \(Connection Refused: not authori[sz]ed\): it requires credentials; set mqtt-username and mqtt-password or mqtt-password-file/,
      },
      {
        login: `mqtt-ca-file=${certs.otherCa} mqtt-username=alice mqtt-password=s3cret`,
        error: new RegExp(
          `^The certificate of the MQTT broker 127\\.0\\.0\\.1:\\d+ does not verify \\(self-signed certificate in certificate chain\\) against mqtt-ca-file "${certs.otherCa}": set mqtt-ca-file to the CA certificate that signed the broker's`,
        ),
      },
      {
        broker: elsewhere,
        login: `mqtt-ca-file=${certs.ca}`,
        error: new RegExp(
          `^The certificate of the MQTT broker 127\\.0\\.0\\.1:${elsewherePort} does not verify \\(it is not issued for 127\\.0\\.0\\.1\\) against mqtt-ca-file "${certs.ca}": .* and mqtt-address to a host name or address the certificate names`,
        ),
      },
    ];
    for (const c of cases) {
      const target = c.broker ?? broker;
      const before = target.connections();
      const out = path.join(dir, 'refused.jsonl');
      const r = await gstLaunch(
        `${SOURCE(frames, true)} ! ${DETECT} ! tsexport location=${out} mqtt-address=mqtts://127.0.0.1:${target.port} ${c.login} ! fakesink`,
        { timeoutMs: 30_000 },
      );
      expect(r.timedOut, r.output).toBe(false);
      expect(r.signal, r.output).toBeNull();
      expect(r.code, r.output).not.toBe(0);
      expect(tsexportError(r), r.output).toMatch(c.error);
      expect(tsexportError(r)).toMatch(/; not retrying: nothing more is published/);
      expect(r.output).not.toMatch(/Cannot (re)?connect to the MQTT broker/); // not taken for an outage
      await sleep(300); // the broker's log line of a retry (after 0.25 s), if there were one
      expect(target.connections() - before, target.log).toBe(1); // no retry
      const written = readJsonl(out); // throws on a partial line
      expect(written.length).toBeLessThan(frames); // the stream stopped
      written.forEach((f, i) => expect(f.frame).toBe(i));
    }
    await broker.stop();
    await elsewhere.stop();
  });

  it('presents mqtt-cert-file/mqtt-key-file to a broker that requires a client certificate; none, or one the broker does not trust, is an error naming mqtt-cert-file', async () => {
    const dir = tempDir();
    const certs = makeCertificates(dir);
    const port = await freePort();
    const broker = new Broker(dir, port, tlsSettings(dir, certs, true));
    await broker.start();
    const topic = 'tsvision/test/client-cert';
    const sub = new Subscriber(port, topic, undefined, ['--cafile', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey]);
    await sub.ready(port, topic);
    const out = path.join(dir, 'cert.jsonl');
    const address = `mqtt-address=127.0.0.1:${port} mqtt-ca-file=${certs.ca}`; // host:port + a CA file: TLS
    const ok = await gstLaunch(
      `${SOURCE(30)} ! ${DETECT} ! tsexport location=${out} ${address} mqtt-cert-file=${certs.clientCert} mqtt-key-file=${certs.clientKey} mqtt-topic=${topic} ! fakesink`,
      { timeoutMs: 30_000 },
    );
    expectClean(ok);
    await sub.waitFor(() => sub.results().length >= 30, 5000);
    expect(sub.results()).toEqual(lines(out));
    sub.stop();

    const cases = [
      { cert: '', error: /^The MQTT broker 127\.0\.0\.1:\d+ rejected the TLS connection without a client certificate \(tlsv13 alert certificate required\): set mqtt-cert-file and mqtt-key-file/ },
      {
        cert: `mqtt-cert-file=${certs.rogueCert} mqtt-key-file=${certs.rogueKey}`,
        error: new RegExp(`^The MQTT broker 127\\.0\\.0\\.1:\\d+ rejected the client certificate of mqtt-cert-file "${certs.rogueCert}" \\(tlsv1 alert unknown ca\\): use one signed by a CA the broker trusts`),
      },
    ];
    for (const c of cases) {
      const before = broker.connections();
      const r = await gstLaunch(`${SOURCE(150, true)} ! ${DETECT} ! tsexport location=${out} ${address} ${c.cert} ! fakesink`, { timeoutMs: 30_000 });
      expect(r.timedOut, r.output).toBe(false);
      expect(r.code, r.output).not.toBe(0);
      expect(tsexportError(r), r.output).toMatch(c.error);
      await sleep(300);
      expect(broker.connections() - before, broker.log).toBe(1);
      expect(readJsonl(out).length).toBeLessThan(150);
    }
    await broker.stop();
  });

  it('rejects unusable TLS and login settings at start, naming the property and the file', async () => {
    const dir = tempDir();
    const certs = makeCertificates(dir);
    const port = await freePort(); // nothing listens: the element must fail before connecting
    const missing = path.join(dir, 'missing.pem');
    const notPem = path.join(dir, 'not-pem.txt');
    writeFileSync(notPem, 'hello\n');
    const tls = `mqtt-address=mqtts://127.0.0.1:${port}`;
    const cases: [string, string][] = [
      [`${tls} mqtt-ca-file=${missing}`, `Cannot publish to MQTT: cannot read mqtt-ca-file "${missing}": No such file or directory`],
      [`${tls} mqtt-ca-file=${notPem}`, `Cannot publish to MQTT: mqtt-ca-file "${notPem}" holds no usable PEM certificate`],
      [`${tls} mqtt-ca-file=${certs.ca} mqtt-cert-file=${certs.clientCert} mqtt-key-file=${missing}`, `Cannot publish to MQTT: cannot read mqtt-key-file "${missing}": No such file or directory`],
      [`${tls} mqtt-ca-file=${certs.ca} mqtt-cert-file=${certs.clientCert} mqtt-key-file=${notPem}`, `Cannot publish to MQTT: mqtt-key-file "${notPem}" is not an unencrypted PEM private key`],
      [`${tls} mqtt-cert-file=${certs.clientCert} mqtt-key-file=${certs.rogueKey}`, `Cannot publish to MQTT: mqtt-key-file "${certs.rogueKey}" is not the key of mqtt-cert-file "${certs.clientCert}"`],
      [`${tls} mqtt-cert-file=${certs.clientCert}`, `Cannot publish to MQTT: mqtt-cert-file "${certs.clientCert}" is set without mqtt-key-file: set both`],
      [`mqtt-address=mqtt://127.0.0.1:${port} mqtt-ca-file=${certs.ca}`, 'Cannot publish to MQTT: mqtt-ca-file, mqtt-cert-file and mqtt-key-file are for TLS, and mqtt-address asks for plain TCP (mqtt://)'],
      [`${tls} mqtt-username=alice mqtt-password-file=${missing}`, `Cannot read mqtt-password-file "${missing}"`],
      [`${tls} mqtt-username=alice mqtt-password=x mqtt-password-file=${notPem}`, 'Both mqtt-password and mqtt-password-file are set'],
      [`${tls} mqtt-password=x`, 'Cannot publish to MQTT: a password is set without mqtt-username'],
    ];
    for (const [settings, error] of cases) {
      const r = await gstLaunch(`${SOURCE(2)} ! tsexport ${settings} ! fakesink`, { timeoutMs: 30_000 });
      expect(r.timedOut, r.output).toBe(false);
      expect(r.code, settings).not.toBe(0);
      expect(tsexportError(r), settings).toContain(error);
    }
  });
});

// ---- schemas ----------------------------------------------------------------------------------

const ISO_8601_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('tsexport schemas', () => {
  it('default schema: `source` is source-id, else the URI upstream answers, else null; `time` the wall clock in ISO 8601 UTC', async () => {
    const dir = tempDir();
    const image = path.join(MEDIA, 'bus.jpg');
    const fromFile = `filesrc location=${image} ! jpegdec ! videoconvert ! imagefreeze num-buffers=3 ! ${DETECT}`;
    const runs = [
      { pipeline: `${fromFile} ! tsexport`, source: `file://${image}` },
      { pipeline: `${fromFile} ! tsexport source-id=entrance-cam`, source: 'entrance-cam' },
      { pipeline: `${SOURCE(3)} ! ${DETECT} ! tsexport`, source: null }, // videotestsrc has no URI
    ];
    for (const [i, run] of runs.entries()) {
      const out = path.join(dir, `${i}.jsonl`);
      const before = Date.now();
      const r = await gstLaunch(`${run.pipeline} location=${out} ! fakesink`, { timeoutMs: 30_000 });
      const after = Date.now();
      expectClean(r);
      const frames = readJsonl(out) as unknown as { frame: number; source: string | null; time: string; objects: unknown[] }[];
      expect(frames).toHaveLength(3);
      for (const f of frames) {
        expect(f.source).toBe(run.source);
        expect(f.time).toMatch(ISO_8601_UTC_MS);
        // Written during the run (the clock's millisecond is truncated, hence the 1 ms).
        expect(Date.parse(f.time)).toBeGreaterThanOrEqual(before - 1);
        expect(Date.parse(f.time)).toBeLessThanOrEqual(after);
        expect(f.objects).toHaveLength(2); // the existing fields are still there
      }
      expect(frames.map((f) => Date.parse(f.time))).toEqual(frames.map((f) => Date.parse(f.time)).sort((a, b) => a - b));
    }
  });

  it('`source` from a URI with user:password leaves the credentials out', async () => {
    const image = readFileSync(path.join(MEDIA, 'bus.jpg'));
    const server = http.createServer((_req, res) => res.end(image));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const out = path.join(tempDir(), 'http.jsonl');
      const r = await gstLaunch(
        `souphttpsrc location=http://bob:s3cret@127.0.0.1:${port}/bus.jpg ! jpegdec ! videoconvert ! imagefreeze num-buffers=2 ! tsexport location=${out} ! fakesink`,
        { timeoutMs: 30_000 },
      );
      expectClean(r);
      const frames = readJsonl(out) as unknown as { source: string }[];
      expect(frames.map((f) => f.source)).toEqual([`http://127.0.0.1:${port}/bus.jpg`, `http://127.0.0.1:${port}/bus.jpg`]);
      expect(readFileSync(out, 'utf8')).not.toContain('s3cret');
    } finally {
      server.close();
    }
  });

  it('format=dlstreamer writes DL Streamer gvametaconvert\'s JSON: the same objects, tracks and classifications as the default format, normalised', async () => {
    const dir = tempDir();
    const dl = path.join(dir, 'dlstreamer.jsonl');
    const ours = path.join(dir, 'tsvision.jsonl');
    const mobilenet = `model=${path.join(MODELS, 'mobilenet_v2_quant_nnstreamer.onnx')} labels-file=${path.join(MODELS, 'imagenet_classes_1000.txt')}`;
    const frames = 12;
    // One stream, both formats: two tsexports in a row see the same buffers.
    const r = await gstLaunch(
      `videotestsrc num-buffers=${frames} ! video/x-raw,width=640,height=480,framerate=30/1 ! ${DETECT} ! tstrack ! ` +
        `tsclassify ${mobilenet} attribute-name=kind top-k=2 ! tsclassify ${mobilenet} inference-region=full-frame attribute-name=scene ! ` +
        `tsexport format=dlstreamer source-id=cam-1 location=${dl} ! tsexport location=${ours} ! fakesink`,
      { timeoutMs: 60_000 },
    );
    expectClean(r);
    const dlLines = readJsonl(dl) as unknown as Record<string, unknown>[];
    const ourLines = readJsonl(ours) as unknown as (ReturnType<typeof readJsonl>[number] & {
      classifications?: { attribute: string; label: string; class_id: number; confidence: number }[];
    })[];
    expect(dlLines).toHaveLength(frames);
    expect(ourLines).toHaveLength(frames);
    let tracked = 0;
    dlLines.forEach((line, i) => {
      const ref = ourLines[i];
      const at = `frame ${i}`;
      expect(Object.keys(line).sort(), at).toEqual(['objects', 'resolution', 'source', 'timestamp']);
      expect(line.resolution, at).toEqual({ width: 640, height: 480 });
      expect(line.source, at).toBe('cam-1');
      expect(line.timestamp, at).toBe(ref.pts); // stream time in ns: the pts of a plain stream
      const objects = line.objects as Record<string, unknown>[];
      expect(objects, at).toHaveLength(ref.objects.length + 1); // + the full-frame classification
      ref.objects.forEach((o, k) => {
        const d = objects[k] as {
          x: number; y: number; w: number; h: number; region_id: number; id?: number; roi_type: string;
          detection: { bounding_box: { x_min: number; y_min: number; x_max: number; y_max: number }; confidence: number; label_id: number; label: string };
          kind: { label: string; confidence: number; label_id: number };
        };
        const where = `${at} object ${k}`;
        const keys = ['x', 'y', 'w', 'h', 'region_id', 'roi_type', 'detection', 'kind', ...(o.track_id !== null ? ['id'] : [])];
        expect(Object.keys(d).sort(), where).toEqual(keys.sort());
        for (const v of [d.x, d.y, d.w, d.h, d.region_id]) expect(Number.isInteger(v), where).toBe(true);
        expect([d.x, d.y, d.w, d.h], where).toEqual([o.box.x, o.box.y, o.box.width, o.box.height].map(Math.round));
        expect(d.region_id, where).toBe(k); // the ROI meta's id
        if (o.track_id !== null) {
          expect(d.id, where).toBe(o.track_id);
          tracked++;
        }
        expect(d.roi_type, where).toBe(o.label);
        expect(Object.keys(d.detection).sort(), where).toEqual(['bounding_box', 'confidence', 'label', 'label_id']);
        const b = d.detection.bounding_box;
        expect(Object.keys(b).sort(), where).toEqual(['x_max', 'x_min', 'y_max', 'y_min']);
        expect(b.x_min, where).toBeCloseTo(o.box.x / 640, 9);
        expect(b.y_min, where).toBeCloseTo(o.box.y / 480, 9);
        expect(b.x_max, where).toBeCloseTo((o.box.x + o.box.width) / 640, 9);
        expect(b.y_max, where).toBeCloseTo((o.box.y + o.box.height) / 480, 9);
        for (const v of Object.values(b)) expect(v >= 0 && v <= 1, where).toBe(true);
        expect(d.detection.confidence, where).toBe(o.confidence);
        expect(d.detection.label_id, where).toBe(o.class_id);
        expect(d.detection.label, where).toBe(o.label);
        // One result per attribute (DL Streamer's tensor per layer): the most confident of the top 2.
        expect(o.classifications.filter((c) => c.attribute === 'kind')).toHaveLength(2);
        const best = [...o.classifications].sort((a, b) => b.confidence - a.confidence)[0];
        expect(d.kind, where).toEqual({ label: best.label, confidence: best.confidence, label_id: best.class_id });
      });
      const scene = ref.classifications!.find((c) => c.attribute === 'scene')!;
      expect(objects[ref.objects.length], at).toEqual({
        x: 0, y: 0, w: 640, h: 480,
        scene: { label: scene.label, confidence: scene.confidence, label_id: scene.class_id },
      });
    });
    expect(tracked, 'objects with a track id').toBeGreaterThan(0);
  });

  it('format=dlstreamer leaves out `source` when nothing names one, and writes frames without objects', async () => {
    const out = path.join(tempDir(), 'empty.jsonl');
    const r = await gstLaunch(`${SOURCE(3)} ! tsexport format=dlstreamer location=${out} ! fakesink`, { timeoutMs: 30_000 });
    expectClean(r);
    expect(readJsonl(out) as unknown).toEqual([0, 1, 2].map((i) => ({
      resolution: { width: 320, height: 240 },
      timestamp: Math.floor((i * 1e9) / 30), // videotestsrc truncates
      objects: [],
    })));
  });
});

describe('tsexport tags', () => {
  it('writes the tags JSON object on every line of both formats; rejects one that is not a JSON object', async () => {
    const dir = tempDir();
    // (gst-launch-1.0 ends an unquoted value at a space: JSON without spaces.)
    const tags = '{"site":"north","camera":3,"zones":[1,2.5e1],"note":"\\"quoted\\""}';
    const expected = { site: 'north', camera: 3, zones: [1, 25], note: '"quoted"' };
    for (const format of ['tsvision', 'dlstreamer']) {
      const out = path.join(dir, `${format}.jsonl`);
      const r = await gstLaunch(`${SOURCE(3)} ! ${DETECT} ! tsexport tags='${tags}' format=${format} location=${out} ! fakesink`, {
        timeoutMs: 30_000,
      });
      expectClean(r);
      const frames = readJsonl(out) as unknown as { tags: unknown }[];
      expect(frames).toHaveLength(3);
      for (const f of frames) expect(f.tags, format).toEqual(expected);
      expect(lines(out)[0], format).toContain(`"tags":${tags}`); // as given
    }
    for (const [bad, why] of [
      ['{"site":"north"', "expected ',' or '}' at character 16"],
      ['["north"]', 'not an object'],
      ['{"camera":03}', "expected ',' or '}' at character 12"],
      ['{"a":1}{"b":2}', 'unexpected text after the value at character 8'],
      ['{"a":tru}', 'expected a value at character 6'],
    ]) {
      const out = path.join(dir, 'bad.jsonl');
      const r = await gstLaunch(`${SOURCE(2)} ! tsexport tags='${bad}' location=${out} ! fakesink`, { timeoutMs: 30_000 });
      expect(r.code, bad).not.toBe(0);
      expect(tsexportError(r), bad).toBe(`Invalid tags: ${why} (expected a JSON object, e.g. tags='{"site":"north"}')`);
    }
  });
});
