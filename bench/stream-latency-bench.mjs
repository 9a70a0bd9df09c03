#!/usr/bin/env node
/**
 * Glass-to-glass latency of the RTSP → RTMP chain (examples/rtsp-to-rtmp.sh's pipeline), real servers on 127.0.0.1:
 * the camera (build/tsvision-rtsp-server, the person video in a loop, `--stamp`: the wall clock in milliseconds
 * drawn into each frame as it is captured, 32 black/white blocks and their inverse) → rtspsrc ! decodebin !
 * tsdetect ! tstrack ! tsoverlay ! x264enc ! flvmux ! rtmp2sink → nginx-rtmp → rtmp2src ! flvdemux ! avdec_h264 →
 * this process, which decodes each frame's stamp as it arrives and compares it with its own clock.
 *
 * Three chains, each SECONDS long (the first 2 s left out): the baseline (the same chain without tsvision's
 * elements: decode, encode, the servers and the jitter buffer alone), tsvision with tsdetect's default
 * `max-inflight` (2), and with `max-inflight=1`. Median, p95 and max in ms; frames whose stamp did not read back
 * are counted.
 *
 *   node bench/stream-latency-bench.mjs [--seconds 12] [--rtsp-latency 200]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { machine } from '../scripts/lib/bench.mjs';
import { ROOT, startCamera, startNginxRtmp } from '../scripts/lib/streaming.mjs';

const args = process.argv.slice(2);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SECONDS = option('--seconds', 12);
const RTSP_LATENCY = option('--rtsp-latency', 200); // rtspsrc's jitter buffer, as examples/rtsp-to-rtmp.sh
const WARMUP_MS = 2000;
const MODELS = path.resolve(ROOT, '..', 'shared', 'models');
const env = { ...process.env, GST_PLUGIN_PATH: path.join(ROOT, 'build', 'gst-plugin') };

const W = 640;
const STAMP_ROWS = 32;
const BITS = 32;
const BLOCK = 16;

/** The stamp of a GRAY8 640x32 strip: milliseconds mod 2^32, or null when a block and its inverse disagree. */
function readStamp(strip) {
  let ms = 0;
  for (let bit = 0; bit < BITS; bit++) {
    const mean = (y0) => {
      let sum = 0;
      for (let y = y0 + 4; y < y0 + 12; y++) for (let x = bit * BLOCK + 4; x < bit * BLOCK + 12; x++) sum += strip[y * W + x];
      return sum / 64;
    };
    const top = mean(0);
    const bottom = mean(BLOCK);
    if (Math.abs(top - bottom) < 64) return null;
    ms = ms * 2 + (top > bottom ? 1 : 0);
  }
  return ms;
}

function sender(cameraUrl, rtmpUrl, { tsvision, maxInflight }) {
  const analytics = tsvision
    ? ['queue', 'leaky=downstream', 'max-size-buffers=2', 'max-size-bytes=0', 'max-size-time=0', '!',
        'tsdetect', `model=${MODELS}/yolox_nano_416.onnx`, `labels-file=${MODELS}/coco_classes.txt`, 'threshold=0.4',
        ...(maxInflight ? [`max-inflight=${maxInflight}`] : []), '!', 'tstrack', '!', 'tsoverlay', '!', 'videoconvert', '!']
    : [];
  return spawn('gst-launch-1.0', ['-e',
    'rtspsrc', `location=${cameraUrl}`, `latency=${RTSP_LATENCY}`, 'protocols=tcp', '!', 'decodebin', '!', 'videoconvert', '!',
    ...analytics,
    'x264enc', 'speed-preset=ultrafast', 'tune=zerolatency', 'key-int-max=20', '!', 'video/x-h264,profile=main', '!',
    'flvmux', 'streamable=true', '!', 'rtmp2sink', `location=${rtmpUrl}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** SIGINT (gst-launch-1.0: EOS, -e), SIGKILL after 5 s. */
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('close', () => (clearTimeout(kill), resolve()));
    child.kill('SIGINT');
  });
}

/** Reads the stream back for SECONDS: the latency of each frame (ms) and how many stamps did not read. */
async function measure(cameraUrl, rtmpUrl, config) {
  const frameBytes = W * STAMP_ROWS;
  const reader = spawn('gst-launch-1.0', ['-q',
    'rtmp2src', `location=${rtmpUrl}`, '!', 'flvdemux', '!', 'h264parse', '!', 'avdec_h264', 'max-threads=1', '!',
    'videoconvert', '!', 'video/x-raw,format=GRAY8', '!', 'videocrop', 'bottom=328', '!', 'fdsink', 'fd=1', 'sync=false'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const latencies = [];
  let unreadable = 0;
  let pending = Buffer.alloc(0);
  const started = Date.now();
  reader.stdout.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= frameBytes) {
      const strip = pending.subarray(0, frameBytes);
      pending = pending.subarray(frameBytes);
      const now = Date.now();
      if (now - started < WARMUP_MS) continue;
      const stamp = readStamp(strip);
      if (stamp === null) unreadable++;
      else latencies.push((((now % 2 ** 32) - stamp) + 2 ** 32) % 2 ** 32);
    }
  });
  await new Promise((r) => setTimeout(r, 500)); // the player waits at nginx before the stream is published
  const send = sender(cameraUrl, rtmpUrl, config);
  let sendErr = '';
  send.stderr.on('data', (d) => (sendErr += d));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  await stop(send);
  await stop(reader);
  if (latencies.length === 0) throw new Error(`no frames came back:\n${sendErr.slice(-2000)}`);
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { frames: latencies.length, unreadable, median: q(0.5), p95: q(0.95), max: latencies[latencies.length - 1] };
}

const nginx = await startNginxRtmp();
const camera = await startCamera({ start: 8, stamp: true, env });
try {
  console.log(`stream latency bench — ${machine}; camera 640x360 10 fps H.264 over RTSP (rtspsrc latency=${RTSP_LATENCY} ms, TCP), ` +
    `out H.264 over RTMP to nginx-rtmp, read back with rtmp2src; ${SECONDS} s per chain, the first ${WARMUP_MS / 1000} s left out`);
  const chains = [
    ['baseline: no tsvision elements', { tsvision: false }],
    ['tsdetect (yolox_nano) ! tstrack ! tsoverlay, max-inflight default (2)', { tsvision: true }],
    ['tsdetect (yolox_nano) ! tstrack ! tsoverlay, max-inflight=1', { tsvision: true, maxInflight: 1 }],
  ];
  const results = [];
  for (const [i, [name, config]] of chains.entries()) {
    const r = await measure(camera.url, `${nginx.url}/bench${i}`, config);
    results.push(r);
    console.log(`  ${name.padEnd(72)} median ${String(r.median).padStart(4)} ms, p95 ${String(r.p95).padStart(4)} ms, max ${r.max} ms ` +
      `(${r.frames} frames${r.unreadable ? `, ${r.unreadable} stamps unreadable` : ''})`);
  }
  const base = results[0].median;
  console.log(`  tsvision adds (median): ${results[1].median - base} ms with max-inflight 2, ${results[2].median - base} ms with max-inflight=1`);
} finally {
  await camera.stop();
  await nginx.stop();
}
