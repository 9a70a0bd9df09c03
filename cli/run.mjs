/**
 * tsvision run [options] [--] PIPELINE…: runs a gst-launch-1.0 pipeline and starts it again when it fails (a camera
 * that went away, a media server that restarted), with a backoff, reporting each outage.
 *
 * The pipeline runs in a child process, `gst-launch-1.0 -e PIPELINE…`, so a failure never leaves half-torn-down
 * elements behind: every run starts from a fresh process (new tracks, frame counts from 0). When it exits with an
 * error, it is started again after `--retry-min` seconds, doubling up to `--retry-max` while it keeps failing
 * (back to `--retry-min` once a run has stayed up for `--healthy` seconds). A run that ends by itself is restarted
 * too: rtspsrc answers a camera that goes away with a warning ("The server closed the connection") and EOS, not an
 * error, so gst-launch-1.0 exits with status 0; `--exit-on-eos` ends `tsvision run` instead (finite inputs, files).
 * Before each restart it waits, without starting anything, until the servers the pipeline connects to accept TCP
 * connections again: those of its `location=rtsp://…`, `rtsps://`, `rtmp://`, `rtmps://` properties (or
 * `--wait-for HOST:PORT`), probed every 0.25 s. So an outage costs no model loads, and the pipeline starts within
 * a probe interval of the camera's return; a wait for a server resets the backoff (the failure is explained).
 * A run that stalls — a camera whose connection stays open but sends nothing (a cable pulled, a camera that rebooted
 * behind a NAT or a switch), where rtspsrc only sends keep-alives and waits — is stopped and started again with
 * `--stall SECONDS`: when none of the files it writes (its tsexport `location=` files, or `--watch FILE`) has grown
 * for that long (as DeepStream's rtsp-reconnect-interval-sec). It gets SIGINT (EOS), SIGKILL 3 s later if still there.
 * A description gst-launch-1.0 calls erroneous (no such element or property) or cannot construct (a syntax error) is
 * not restarted (exit status 1).
 * The child runs in its own process group, so a terminal's Ctrl-C (sent to the foreground group) reaches only this
 * supervisor, which passes SIGINT/SIGTERM/SIGHUP on once as SIGINT (gst-launch -e: EOS, files finalised); a second
 * one kills the pipeline. If the supervisor itself exits, its pipeline gets a SIGINT. (systemd: KillMode=mixed, or
 * its SIGTERM to every process of the unit kills gst-launch mid-EOS.)
 *
 * Reported on stderr, and as JSON Lines in `--events FILE` (appended; `time` is ISO 8601 UTC):
 *   {"event":"started","run":1,…}                          each start
 *   {"event":"failed","run":1,"uptime_s":…,"error":"…"}    a run that stopped (the last ERROR or WARNING; the outage begins
 *                                                            when a healthy run fails)
 *   {"event":"recovered","run":7,"down_s":…}              a run has been up for --healthy seconds after an outage;
 *                                                            down_s from the failure to this run's start
 *   {"event":"stopped","run":…,"exit":…,"outages":…}                the end
 */
import { spawn } from 'node:child_process';
import { appendFileSync, statSync } from 'node:fs';
import net from 'node:net';

export const summary = 'run a gst-launch-1.0 pipeline, restarting it with a backoff when it fails (cameras that go away)';

const USAGE = `usage: tsvision run [options] [--] PIPELINE…

Runs gst-launch-1.0 -e PIPELINE… and starts it again whenever it stops: after an error, and after an EOS (what
rtspsrc does when the camera goes away) unless --exit-on-eos.

options:
  --retry-min SECONDS   first wait before a restart (default 0.5)
  --retry-max SECONDS   longest wait, reached by doubling while it keeps failing (default 2)
  --healthy SECONDS     a run up this long counts as recovered; the next failure waits --retry-min again (default 2)
  --max-restarts N      give up after N restarts in a row without a healthy run (default 0: never)
  --wait-for HOST:PORT  before a restart, wait until HOST:PORT accepts TCP connections (repeatable; default: the
                        hosts of the pipeline's rtsp://, rtsps://, rtmp://, rtmps:// locations)
  --no-wait             restart without waiting for any server
  --exit-on-eos         stop when the pipeline ends with EOS (exit status 0) instead of restarting it
  --stall SECONDS       restart a run whose output files have not grown for SECONDS (a camera that stopped sending
                        without closing its connection); default 0: off
  --watch FILE          the output --stall watches (repeatable; default: the pipeline's tsexport location= files)
  --events FILE         append each start, failure, recovery and the end as a JSON line to FILE
  -h, --help            this help

example:
  tsvision run --events out/cam1-events.jsonl -- rtspsrc location=rtsp://cam1/stream protocols=tcp ! decodebin ! \\
    tsdetect model=yolox_nano_416.onnx ! tstrack ! tsexport location=out/cam1.jsonl append=true ! fakesink
`;

function parseArgs(argv) {
  const o = { retryMin: 0.5, retryMax: 2, healthy: 2, maxRestarts: 0, exitOnEos: false, events: null, waitFor: [], noWait: false, stall: 0, watch: [], pipeline: [] };
  const number = (name, v, min) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new Error(`${name} needs a number >= ${min} (got ${v ?? 'nothing'})`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      o.pipeline = argv.slice(i + 1);
      break;
    } else if (a === '-h' || a === '--help') o.help = true;
    else if (a === '--retry-min') o.retryMin = number(a, argv[++i], 0);
    else if (a === '--retry-max') o.retryMax = number(a, argv[++i], 0);
    else if (a === '--healthy') o.healthy = number(a, argv[++i], 0);
    else if (a === '--max-restarts') o.maxRestarts = Math.floor(number(a, argv[++i], 0));
    else if (a === '--exit-on-eos') o.exitOnEos = true;
    else if (a === '--stall') o.stall = number(a, argv[++i], 0);
    else if (a === '--watch') {
      const file = argv[++i];
      if (!file) throw new Error('--watch needs a file');
      o.watch.push(file);
    }
    else if (a === '--no-wait') o.noWait = true;
    else if (a === '--wait-for') {
      const m = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(argv[++i] ?? '');
      if (!m) throw new Error(`--wait-for needs HOST:PORT (got ${argv[i] ?? 'nothing'})`);
      o.waitFor.push({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) });
    }
    else if (a === '--events') {
      o.events = argv[++i];
      if (!o.events) throw new Error('--events needs a file');
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else {
      o.pipeline = argv.slice(i);
      break;
    }
  }
  if (o.retryMax < o.retryMin) o.retryMax = o.retryMin;
  return o;
}

const PROBE_INTERVAL_S = 0.25;
const DEFAULT_PORTS = { 'rtsp:': 554, 'rtsps:': 322, 'rtmp:': 1935, 'rtmps:': 443 };

/**
 * The servers a pipeline connects to: host and port of each location=rtsp://… (rtsps, rtmp, rtmps) word. An argument
 * may hold several words (the whole pipeline in one quoted string, as gst-launch-1.0 accepts).
 */
export function pipelineServers(args) {
  const servers = [];
  for (const w of args.flatMap((a) => a.split(/\s+/))) {
    const m = /^location=(.+)$/.exec(w);
    if (!m) continue;
    let url;
    try {
      url = new URL(m[1]);
    } catch {
      continue;
    }
    if (!(url.protocol in DEFAULT_PORTS) || !url.hostname) continue;
    const server = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || DEFAULT_PORTS[url.protocol] };
    if (!servers.some((s) => s.host === server.host && s.port === server.port)) servers.push(server);
  }
  return servers;
}

/** The location= files of the pipeline's tsexport elements (what --stall watches by default). */
export function tsexportLocations(args) {
  const files = [];
  let inExport = false;
  for (const w of args.flatMap((a) => a.split(/\s+/))) {
    if (w === '!') inExport = false;
    else if (w === 'tsexport') inExport = true;
    else if (inExport && w.startsWith('location=')) files.push(w.slice('location='.length).replace(/^(['"])(.*)\1$/, '$2'));
  }
  return files;
}

/** The total size of `files` (a missing one counts -1: its appearance is growth too). */
function sizeOf(files) {
  let total = 0;
  for (const f of files) {
    try {
      total += statSync(f).size;
    } catch {
      total -= 1;
    }
  }
  return total;
}

function accepts({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => (socket.destroy(), resolve(ok));
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * What stopped a run, on one line: the first ERROR an element posted (the later ones, and gst-launch's "pipeline
 * doesn't want to preroll", follow from it), else the last WARNING ("Could not read from resource" when a camera
 * goes away), as "ERROR: from element …: message (detail)", the detail being the last line of its "Additional debug
 * info:" (e.g. "The server closed the connection.").
 */
function lastProblem(output) {
  const lines = output.split('\n');
  const describe = (i) => {
    const detail = lines[i + 1]?.startsWith('Additional debug info:') ? lines[i + 3]?.trim() : '';
    return detail ? `${lines[i].trim()} (${detail})` : lines[i].trim();
  };
  const firstError = lines.findIndex((l) => l.startsWith('ERROR: from element'));
  if (firstError >= 0) return describe(firstError);
  for (const kind of ['ERROR:', 'WARNING: from element'])
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i].startsWith(kind)) return describe(i);
  return null;
}

export async function main(argv) {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`tsvision run: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (o.pipeline.length === 0) {
    process.stderr.write(`tsvision run: no pipeline given\n${USAGE}`);
    return 2;
  }
  const watched = o.watch.length > 0 ? o.watch : tsexportLocations(o.pipeline);
  if (o.stall > 0 && watched.length === 0) {
    process.stderr.write('tsvision run: --stall needs something to watch: a tsexport location= in the pipeline, or --watch FILE\n');
    return 2;
  }
  const text = o.pipeline.join(' ');
  if (/\btsexport\b/.test(text) && /\blocation=/.test(text) && !/\bappend=(true|1|yes)\b/.test(text))
    process.stderr.write('tsvision run: warning: tsexport truncates its location file at each restart; add append=true to keep earlier runs\n');

  const log = (line) => process.stderr.write(`tsvision run: ${line}\n`);
  const event = (fields) => {
    if (!o.events) return;
    try {
      appendFileSync(o.events, JSON.stringify({ time: new Date().toISOString(), ...fields }) + '\n');
    } catch (e) {
      log(`cannot write --events ${o.events}: ${e.message}`);
    }
  };

  let child = null;
  let stopping = 0;
  let wake = null; // resolves the backoff wait early on a signal
  /** To the child's process group (it is detached: its own group, gst-launch-1.0 its leader). */
  const signalChild = (signal) => {
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
  const onSignal = () => {
    stopping++;
    signalChild(stopping > 1 ? 'SIGKILL' : 'SIGINT');
    wake?.();
  };
  const onExit = () => signalChild('SIGINT'); // the supervisor goes (an uncaught error): the pipeline finishes EOS
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', onExit);

  const sleepFor = (seconds) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, seconds * 1000);
      wake = () => (clearTimeout(t), resolve());
    }).finally(() => (wake = null));
  const servers = o.noWait ? [] : o.waitFor.length ? o.waitFor : pipelineServers(o.pipeline);

  let run = 0;
  let restarts = 0;
  let outages = 0;
  let failingSince = null; // when the outage began (the failure of a healthy run), null while healthy
  let delay = o.retryMin;
  let exitCode = 0;
  try {
    for (;;) {
      run++;
      const started = Date.now();
      event({ event: 'started', run });
      let output = '';
      let healthyTimer = null;
      let stallTimer = null;
      let stalled = false;
      const code = await new Promise((resolve) => {
        // detached: its own process group, so that a terminal's Ctrl-C does not reach it besides the SIGINT passed on
        child = spawn('gst-launch-1.0', ['-e', ...o.pipeline], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        const keep = (d) => {
          output = (output + d).slice(-16384);
        };
        child.stdout.on('data', (d) => (process.stdout.write(d), keep(d)));
        child.stderr.on('data', (d) => (process.stderr.write(d), keep(d)));
        child.once('error', (e) => (log(`cannot start gst-launch-1.0: ${e.message}`), resolve(127)));
        child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
        // Healthy: up for --healthy seconds (with --stall: and writing its output).
        const healthy = () => {
          if (healthyDone) return;
          healthyDone = true;
          delay = o.retryMin;
          restarts = 0;
          if (failingSince !== null) {
            const down = (started - failingSince) / 1000;
            log(`pipeline running again (run ${run}), ${down.toFixed(1)} s after it failed`);
            event({ event: 'recovered', run, down_s: Number(down.toFixed(3)) });
            failingSince = null;
          }
        };
        let healthyDone = false;
        let grewOnce = false;
        healthyTimer = setTimeout(() => {
          if (o.stall === 0 || grewOnce) healthy();
        }, o.healthy * 1000);
        if (o.stall > 0) {
          // Growth of the watched files is the run's heartbeat; a run gets `stall` seconds for its first output too.
          let size = sizeOf(watched);
          let grewAt = Date.now();
          stallTimer = setInterval(() => {
            const now = sizeOf(watched);
            if (now !== size) {
              size = now;
              grewAt = Date.now();
              grewOnce = true;
              if (grewAt - started >= o.healthy * 1000) healthy();
            } else if (!stalled && Date.now() - grewAt >= o.stall * 1000) {
              stalled = true;
              log(`no new output for ${o.stall} s (${watched.join(', ')}): stopping run ${run}`);
              signalChild('SIGINT');
              const stopped = child; // a source blocked on a dead connection may never let EOS through
              setTimeout(() => child === stopped && signalChild('SIGKILL'), 3000).unref();
            }
          }, Math.min(250, o.stall * 250));
        }
      });
      clearTimeout(healthyTimer);
      clearInterval(stallTimer);
      child = null;
      const uptime = (Date.now() - started) / 1000;
      if (stopping || (code === 0 && o.exitOnEos)) {
        exitCode = stopping ? 0 : code;
        break;
      }
      // A description that does not parse (or gst-launch-1.0 missing) will not get better by trying again.
      const erroneous = /^(?:WARNING: erroneous pipeline: |ERROR: pipeline could not be constructed[:.]).*$/m.exec(output);
      if (erroneous || code === 127) {
        const why = erroneous ? erroneous[0] : 'gst-launch-1.0 cannot be started';
        event({ event: 'failed', run, uptime_s: Number(uptime.toFixed(3)), exit: code, error: why });
        log(`${why}: not restarting`);
        exitCode = code === 0 ? 1 : code;
        break;
      }
      const error = stalled
        ? `stalled: no new output for ${o.stall} s`
        : (lastProblem(output) ?? (code === 0 ? 'the pipeline ended (EOS)' : `gst-launch-1.0 exited with status ${code}`));
      if (failingSince === null) {
        failingSince = Date.now();
        outages++;
      }
      event({ event: 'failed', run, uptime_s: Number(uptime.toFixed(3)), exit: code, error });
      if (o.maxRestarts > 0 && restarts >= o.maxRestarts) {
        log(`pipeline stopped after ${uptime.toFixed(1)} s: ${error}; giving up after ${restarts} restarts`);
        exitCode = 1;
        break;
      }
      restarts++;
      log(`pipeline stopped after ${uptime.toFixed(1)} s: ${error}; restart ${restarts} in ${delay} s`);
      await sleepFor(delay);
      if (stopping) break;
      delay = Math.min(o.retryMax, delay * 2);
      // The servers it needs, up again? Wait for them without starting anything.
      let waited = false;
      for (;;) {
        const down = [];
        for (const server of servers) if (!(await accepts(server))) down.push(server);
        if (down.length === 0 || stopping) break;
        if (!waited) log(`waiting for ${down.map((d) => `${d.host}:${d.port}`).join(', ')} to accept connections`);
        waited = true;
        await sleepFor(PROBE_INTERVAL_S);
      }
      if (stopping) break;
      if (waited) delay = o.retryMin;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('exit', onExit);
  }
  event({ event: 'stopped', run, exit: exitCode, outages });
  log(`stopped after ${run} run${run === 1 ? '' : 's'}, ${outages} outage${outages === 1 ? '' : 's'}`);
  return exitCode;
}
