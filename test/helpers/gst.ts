/** Test helper: runs real gst-launch-1.0 pipelines with the plugin from the build tree. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = path.resolve(ROOT, '../shared');
export const MODELS = path.join(SHARED, 'models');
export const MEDIA = path.join(SHARED, 'media');
/** The build the tests use: TSVISION_BUILD_DIR (absolute, or relative to the checkout), default build/. */
export const BUILD_DIR = path.resolve(ROOT, process.env.TSVISION_BUILD_DIR || 'build');
export const PLUGIN_PATH = path.join(BUILD_DIR, 'gst-plugin');
export const YOLOX = path.join(MODELS, 'yolox_nano_416.onnx');
export const COCO_LABELS = path.join(MODELS, 'coco_classes.txt');
export const HOOKS = path.join(ROOT, 'test', 'fixtures', 'hooks');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr */
  output: string;
  elapsedMs: number;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Extra gst-launch-1.0 flags, e.g. ['-m'] to print bus messages, ['-e'] for EOS on interrupt. */
  flags?: string[];
  /** Called with the child once started (e.g. to send it a signal later). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

export function gstEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GST_PLUGIN_PATH: PLUGIN_PATH,
    // A registry of our own: tests never depend on (or pollute) the user's.
    GST_REGISTRY: path.join(BUILD_DIR, 'test-registry.bin'),
    ...extra,
  };
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: gstEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 90_000);
    options.onSpawn?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, output: stdout + stderr, elapsedMs: Date.now() - started, timedOut });
    });
  });
}

/** Splits a command line into words as a POSIX shell would ('…' literal, "…" with \\ escapes). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word = word ?? '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        word += line[i];
      }
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** gst-launch-1.0 with `pipeline`, written as on a shell command line (quotes as in bash). */
export function gstLaunch(pipeline: string, options: RunOptions = {}): Promise<RunResult> {
  return run('gst-launch-1.0', [...(options.flags ?? []), ...shellWords(pipeline)], options);
}

/** A TCP port on 127.0.0.1 that nothing listens on (as of now). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'tsvision-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export interface JsonlObject {
  box: { x: number; y: number; width: number; height: number };
  label: string;
  class_id: number;
  confidence: number;
  track_id: number | null;
  classifications: { attribute: string; label: string; class_id: number; confidence: number }[];
}
export interface JsonlFrame {
  frame: number;
  pts: number | null;
  width: number;
  height: number;
  objects: JsonlObject[];
  /** tstrack fill-gaps: objects of earlier frames reported on this one. */
  past_objects?: (Omit<JsonlObject, 'classifications'> & { frame: number | null; frames_ago: number; pts: number | null; interpolated: true })[];
}

/** Reads a tsexport file; throws if any line is not complete JSON. */
export function readJsonl(file: string): JsonlFrame[] {
  const text = readFileSync(file, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${file}: last line is incomplete`);
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as JsonlFrame);
}

/** A still image as a short raw video stream in `format` (decoded and converted by GStreamer). */
export function imageSource(image: string, format: string, frames = 2, size?: { width: number; height: number }): string {
  const scale = size ? `videoscale ! video/x-raw,width=${size.width},height=${size.height} ! ` : '';
  return `filesrc location=${path.join(MEDIA, image)} ! jpegdec ! videoconvert ! ${scale}videoconvert ! video/x-raw,format=${format} ! imagefreeze num-buffers=${frames}`;
}
