/**
 * `tsvision run` (cli/run.mjs) on real gst-launch-1.0 pipelines: its options, a pipeline that keeps failing (the
 * backoff, --max-restarts, the events), --exit-on-eos, an interrupt while it waits, the servers it waits for; and
 * tsexport append=true, which a restarted pipeline needs to keep its earlier lines.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, freePort, gstEnv, gstLaunch, readJsonl, run, tempDir } from '../helpers/gst';
import { pipelineServers, tsexportLocations } from '../../cli/run.mjs';

const CLI = path.join(ROOT, 'bin', 'tsvision.mjs');
const tsvisionRun = (args: string[], timeoutMs = 60_000) => run('node', [CLI, 'run', ...args], { timeoutMs });

/** The processes whose parent is `ppid`: pid, process group and name, from /proc/PID/stat. */
function childrenOf(ppid: number): { pid: number; pgrp: number; name: string }[] {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [, parent, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      if (parent === ppid) found.push({ pid: Number(entry), pgrp, name });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

interface RunEvent {
  event: string;
  run: number;
  exit?: number;
  error?: string;
  outages?: number;
}

describe('tsvision run', () => {
  it('a bad command line: exit status 2 and what is wrong', async () => {
    for (const [args, message] of [
      [['--retry-min', 'soon', '--', 'fakesrc', '!', 'fakesink'], '--retry-min needs a number >= 0 (got soon)'],
      [['--wait-for', 'camera', '--', 'fakesrc', '!', 'fakesink'], '--wait-for needs HOST:PORT (got camera)'],
      [['--stall', 'x', '--', 'fakesrc', '!', 'fakesink'], '--stall needs a number >= 0 (got x)'],
      [['--frobnicate'], 'unknown option --frobnicate'],
      [[], 'no pipeline given'],
    ] as const) {
      const r = await tsvisionRun([...args]);
      expect(r.code, r.output).toBe(2);
      expect(r.stderr).toContain(`tsvision run: ${message}`);
      expect(r.stderr).toContain('usage: tsvision run');
    }
  });

  it('a pipeline that does not parse is not restarted: exit status 1 and gst-launch-1.0\'s reason', async () => {
    for (const words of [['fakesrc', '!', 'nosuchelement'], ['fakesrc', 'num-buffers=1', '!', 'fakesink', 'nosuchproperty=1']]) {
      const r = await tsvisionRun(['--retry-min', '0', '--', ...words]);
      expect(r.code, r.output).toBe(1);
      expect(r.stderr).toMatch(/tsvision run: WARNING: erroneous pipeline: no (element "nosuchelement"|property "nosuchproperty" in element "fakesink"): not restarting/);
      expect(r.stderr).toContain('stopped after 1 run');
    }
  });

  it('a syntax error (gst-launch-1.0: pipeline could not be constructed) is not restarted either', async () => {
    const r = await tsvisionRun(['--retry-min', '0', '--', 'fakesrc', '!'], 20_000);
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toContain('tsvision run: ERROR: pipeline could not be constructed: syntax error.: not restarting');
    expect(r.stderr).toContain('stopped after 1 run');
  });

  it('Ctrl-C at a terminal (SIGINT to the whole process group): the pipeline gets one SIGINT and finishes EOS', async () => {
    const dir = tempDir();
    const mp4 = path.join(dir, 'out.mp4');
    // detached: the supervisor leads its own group, as a shell's foreground job does; the terminal signals that group
    const child = spawn('node', [CLI, 'run', '--', 'videotestsrc', 'is-live=true', '!', 'video/x-raw,width=64,height=48,framerate=25/1', '!',
      'x264enc', 'tune=zerolatency', '!', 'mp4mux', '!', 'filesink', 'buffer-mode=unbuffered', `location=${mp4}`], { env: gstEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      // playing, and frames written (mp4mux writes its moov, the index, only at EOS)
      while (!(output.includes('Setting pipeline to PLAYING') && existsSync(mp4) && statSync(mp4).size > 2000) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(statSync(mp4).size, output).toBeGreaterThan(2000);
      // gst-launch-1.0 leads a group of its own: the terminal's SIGINT does not reach it besides the one passed on
      // (two, and it dies mid-EOS: its handler is gone after the first — a race, so checked here, not only below)
      const gst = childrenOf(child.pid!).filter((p) => p.name === 'gst-launch-1.0');
      expect(gst).toHaveLength(1);
      expect(gst[0].pgrp).toBe(gst[0].pid);
      process.kill(-child.pid!, 'SIGINT');
      expect(await closed, output).toBe(0);
    } finally {
      // on a failure: the pipeline (its own group) and the supervisor's group
      for (const pid of [...childrenOf(child.pid!).map((p) => p.pid), child.pid!]) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    expect(output).toContain('EOS on shutdown');
    expect(readFileSync(mp4).includes('moov'), `${mp4} has no moov: killed before EOS\n${output}`).toBe(true);
    const check = await gstLaunch(`filesrc location=${mp4} ! qtdemux ! h264parse ! fakesink`);
    expect(check.code, check.output).toBe(0);
  });

  it('--exit-on-eos: a finite pipeline runs once and its exit status is kept', async () => {
    const dir = tempDir();
    const jsonl = path.join(dir, 'out.jsonl');
    const r = await tsvisionRun(['--exit-on-eos', '--', 'videotestsrc', 'num-buffers=5', '!', 'tsexport', `location=${jsonl}`, '!', 'fakesink']);
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(jsonl)).toHaveLength(5);
    // No append=true on a tsexport location: a restart would truncate it, and it says so.
    expect(r.stderr).toContain('tsexport truncates its location file at each restart; add append=true');
    expect(r.stderr).toContain('tsvision run: stopped after 1 run, 0 outages');
  });

  it('a pipeline that keeps failing: restarts with a growing wait, gives up after --max-restarts, every failure an event', async () => {
    const dir = tempDir();
    const events = path.join(dir, 'events.jsonl');
    const missing = path.join(dir, 'missing.mp4');
    const r = await tsvisionRun(['--retry-min', '0.1', '--retry-max', '0.4', '--max-restarts', '3', '--events', events, '--',
      'filesrc', `location=${missing}`, '!', 'decodebin', '!', 'fakesink']);
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toMatch(/restart 1 in 0\.1 s/);
    expect(r.stderr).toMatch(/restart 2 in 0\.2 s/);
    expect(r.stderr).toMatch(/restart 3 in 0\.4 s/);
    expect(r.stderr).toMatch(/giving up after 3 restarts/);
    const ev = readJsonl(events) as unknown as RunEvent[];
    expect(ev.map((e) => e.event)).toEqual(['started', 'failed', 'started', 'failed', 'started', 'failed', 'started', 'failed', 'stopped']);
    for (const e of ev.filter((x) => x.event === 'failed')) {
      expect(e.exit).not.toBe(0); // gst-launch-1.0: 1 for an error while playing, 255 while prerolling
      expect(e.error).toMatch(/^ERROR: from element \/GstPipeline:pipeline0\/GstFileSrc:filesrc0: .*missing\.mp4/);
    }
    expect(ev[ev.length - 1]).toMatchObject({ event: 'stopped', exit: 1, outages: 1 });
  });

  it('waits for the servers of the pipeline before a restart, and an interrupt while it waits ends it at once', async () => {
    const port = await freePort(); // nothing listens there
    const child = spawn('node', [CLI, 'run', '--retry-min', '0.1', '--', 'rtspsrc', `location=rtsp://127.0.0.1:${port}/camera`, '!', 'fakesink'], {
      env: gstEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('to accept connections') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain(`tsvision run: waiting for 127.0.0.1:${port} to accept connections`);
    expect(stderr.match(/restart \d+ in/g)).toHaveLength(1); // it waits; it does not start the pipeline again and again
    const interrupted = Date.now();
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(Date.now() - interrupted).toBeLessThan(2000);
  });

  it('pipelineServers: the hosts of rtsp, rtsps, rtmp and rtmps locations, with their default ports', () => {
    expect(
      pipelineServers(['rtspsrc', 'location=rtsp://user:pw@cam1.local/stream', '!', 'filesrc', 'location=/data/v.mp4', '!',
        'rtmp2sink', 'location=rtmp://127.0.0.1:1999/live/x', 'location=rtsps://[::1]/a', 'location=rtmps://cdn.example/live', 'location=rtsp://cam1.local:554/other']),
    ).toEqual([
      { host: 'cam1.local', port: 554 },
      { host: '127.0.0.1', port: 1999 },
      { host: '::1', port: 322 },
      { host: 'cdn.example', port: 443 },
    ]);
    // the whole pipeline in one quoted argument, which gst-launch-1.0 accepts too
    expect(pipelineServers(['rtspsrc location=rtsp://cam/x protocols=tcp ! decodebin ! fakesink'])).toEqual([{ host: 'cam', port: 554 }]);
  });

  it('--stall watches the tsexport location files (or --watch); without either it is refused', async () => {
    expect(tsexportLocations(['filesrc', 'location=/v.mp4', '!', 'tsexport', 'location=/a.jsonl', 'append=true', '!', 'filesink', 'location=/o.mp4'])).toEqual(['/a.jsonl']);
    expect(tsexportLocations(['rtspsrc location=rtsp://x ! tsexport location=b.jsonl ! tsexport name=t location="c.jsonl" ! fakesink'])).toEqual(['b.jsonl', 'c.jsonl']);
    const r = await tsvisionRun(['--stall', '5', '--', 'fakesrc', '!', 'fakesink']);
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain('tsvision run: --stall needs something to watch: a tsexport location= in the pipeline, or --watch FILE');
  });

  it('--stall stops a run whose output stops growing (a source silent on an open connection) and restarts it', async () => {
    // A "camera" that sends 5 grey frames on each connection and then nothing, keeping the connection open.
    const frame = Buffer.alloc(64 * 48, 128);
    const sockets: import('node:net').Socket[] = [];
    const server = (await import('node:net')).createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
      socket.write(Buffer.concat(Array.from({ length: 5 }, () => frame)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as import('node:net').AddressInfo).port;
    try {
      const dir = tempDir('tsvision-run-stall-');
      const jsonl = path.join(dir, 'out.jsonl');
      const events = path.join(dir, 'events.jsonl');
      const started = Date.now();
      const r = await tsvisionRun(['--stall', '1', '--max-restarts', '1', '--retry-min', '0', '--events', events, '--',
        'tcpclientsrc', 'host=127.0.0.1', `port=${port}`, '!', 'rawvideoparse', 'width=64', 'height=48', 'format=gray8', 'framerate=10/1', '!',
        'tsexport', `location=${jsonl}`, 'append=true', '!', 'fakesink']);
      expect(r.code, r.output).toBe(1); // gave up after --max-restarts
      expect(Date.now() - started, 'two silent runs of ~1 s each, not a hang').toBeLessThan(20_000);
      expect(r.stderr).toMatch(/tsvision run: no new output for 1 s \(.*out\.jsonl\): stopping run 1/);
      const ev = readJsonl(events) as unknown as { event: string; error?: string }[];
      expect(ev.filter((e) => e.event === 'failed').map((e) => e.error)).toEqual(['stalled: no new output for 1 s', 'stalled: no new output for 1 s']);
      expect(ev.filter((e) => e.event === 'recovered')).toHaveLength(0); // a silent run is not a recovery
      // Each run wrote its 5 frames, whole lines.
      expect(readJsonl(jsonl).map((f) => f.frame)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});

describe('tsexport append', () => {
  it('append=true keeps the lines of earlier runs; the default truncates', async () => {
    const dir = tempDir();
    const jsonl = path.join(dir, 'out.jsonl');
    writeFileSync(jsonl, '{"old":true}\n');
    for (let i = 0; i < 2; i++) {
      const r = await gstLaunch(`videotestsrc num-buffers=3 ! tsexport location=${jsonl} append=true ! fakesink`);
      expect(r.code, r.output).toBe(0);
    }
    const lines = readJsonl(jsonl) as unknown as { old?: boolean; frame?: number }[];
    expect(lines.map((l) => l.old ?? l.frame)).toEqual([true, 0, 1, 2, 0, 1, 2]);
    const r = await gstLaunch(`videotestsrc num-buffers=2 ! tsexport location=${jsonl} ! fakesink`);
    expect(r.code, r.output).toBe(0);
    expect(readJsonl(jsonl).map((l) => l.frame)).toEqual([0, 1]);
  });
});
