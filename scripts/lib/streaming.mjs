/**
 * Shared by the streaming tests and bench/stream-latency-bench.mjs: the servers of a camera → media server chain,
 * each a real process on 127.0.0.1 on a free port, in a temporary folder of its own.
 *   startNginxRtmp()      nginx with the RTMP module (.deps/nginx, unpacked by scripts/setup.sh), application `live`
 *   startRtspServer(args) build/tsvision-rtsp-server with args (--port 0: a free port), resolves once it serves
 *   startCamera(opts)     examples/rtsp-camera.sh: the person video in a loop, live H.264 over RTSP
 * Each resolves with { url, child, stop() }; stop() ends the process (SIGTERM, then SIGKILL) and removes its folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NGINX = path.join(ROOT, '.deps', 'nginx', 'usr', 'sbin', 'nginx');
export const NGINX_RTMP_MODULE = path.join(ROOT, '.deps', 'nginx', 'usr', 'lib', 'nginx', 'modules', 'ngx_rtmp_module.so');

/** A TCP port on 127.0.0.1 that nothing listens on (as of now). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port (rejects after timeoutMs). */
export async function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopper(child, dir) {
  return () =>
    new Promise((resolve) => {
      const done = () => {
        if (dir) rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('close', () => (clearTimeout(kill), done()));
      child.kill('SIGTERM');
    });
}

/** nginx + RTMP on a free port of 127.0.0.1, foreground, its config, pid and logs in a temporary folder. */
export async function startNginxRtmp({ port } = {}) {
  if (!existsSync(NGINX) || !existsSync(NGINX_RTMP_MODULE))
    throw new Error(`${NGINX} or its RTMP module is missing: run scripts/setup.sh (it unpacks Debian's nginx and libnginx-mod-rtmp)`);
  port ??= await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'tsvision-nginx-'));
  const conf = path.join(dir, 'nginx.conf');
  const user = process.getuid?.() === 0 ? 'user nobody nogroup;\n' : ''; // workers as root are refused by nginx's default
  writeFileSync(
    conf,
    `load_module ${NGINX_RTMP_MODULE};
${user}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
       uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi; }
rtmp { access_log off; server { listen 127.0.0.1:${port}; application live { live on; record off; } } }
`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', conf, '-e', `${dir}/error.log`, '-g', 'daemon off;'], { stdio: 'ignore' });
  const stop = stopper(child, dir);
  try {
    await Promise.race([
      waitForPort(port),
      new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`nginx exited (${code}); see ${dir}/error.log`)))),
    ]);
  } catch (e) {
    await stop();
    throw e;
  }
  // log(): nginx's error.log so far (info level: each client's connect, play and publish), '' once stopped
  const log = () => {
    try {
      return readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  return { url: `rtmp://127.0.0.1:${port}/live`, port, child, stop, log };
}

/**
 * build/tsvision-rtsp-server with `args` (add --port 0 for a free port); resolves with the URL it prints once it
 * serves. `env` is the process environment (GST_PLUGIN_PATH for a media with tsvision elements); `command` runs
 * something else that starts the server (e.g. ['bash', 'examples/rtsp-restream.sh']) with `args` after it.
 */
export function startRtspServer(args, { env = process.env, onOutput, command } = {}) {
  const program = path.join(ROOT, process.env.TSVISION_BUILD_DIR || 'build', 'tsvision-rtsp-server');
  const [file, ...before] = command ?? [program];
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...before, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (d) => {
      output += d;
      onOutput?.(String(d));
      const m = /serving (rtsp:\/\/\S+)/.exec(output);
      if (m) {
        child.stdout.off('data', onData);
        resolve({ url: m[1], child, stop: stopper(child), output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      output += d;
      onOutput?.(String(d));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`tsvision-rtsp-server exited (${code}) before serving:\n${output}`)));
  });
}

/**
 * An RTSP camera on 127.0.0.1: examples/rtsp-camera.sh, the person video (or `video`) decoded, scaled to 640x360 at
 * 10 fps and played in a loop (each loop from `start` seconds on), encoded live in H.264; `stamp: true` draws the
 * wall clock into each frame. `port` 0 (default) picks a free port. `env`: the environment (GST_PLUGIN_PATH…).
 */
export function startCamera({ port = 0, start = 0, stamp = false, video, env = process.env } = {}) {
  return startRtspServer(video ? [video] : [], {
    command: ['bash', path.join(ROOT, 'examples', 'rtsp-camera.sh')],
    env: { ...env, ADDRESS: '127.0.0.1', PORT: String(port), START: String(start), STAMP: stamp ? '1' : '0' },
  });
}
