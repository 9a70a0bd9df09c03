/**
 * MOT evaluation through the real GStreamer pipeline: `det/det.txt` is replayed by tsdetect (eval/mot/det-hook.ts),
 * tracked by tstrack, written by tsexport, and the JSON Lines are converted back to MOTChallenge text:
 *
 *   videotestsrc num-buffers=<frames> pattern=black ! video/x-raw,format=I420,width=W,height=H !
 *     tsdetect module=eval/mot/det-hook.ts module-args={"det":"…/det.txt"} ! tstrack <params> !
 *     tsexport location=<tmp>.jsonl ! fakesink
 *
 * <frames> is the last frame number of det.txt (as runOffline processes 1 … last frame), W x H the sequence's
 * frame size (seqinfo.ini when present, else MOT15_FRAME_SIZES). Rows: every object with a track id that is not a
 * prediction, `frame + 1,id,box,confidence,-1,-1,-1` — the same rows runOffline() writes with the same
 * parameters (boxSource 'detection'), which test/pipeline/tstrack.test.ts checks.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TrackerKind, TrackerParams } from '../../elements/track/types.js';
import { parseMot, type MotRow } from './metrics.js';

/** Frame sizes of the MOT15 train sequences (the MOTChallenge seqinfo; /work/shared/README.md). */
export const MOT15_FRAME_SIZES: Readonly<Record<string, { width: number; height: number }>> = {
  'TUD-Campus': { width: 640, height: 480 },
  'TUD-Stadtmitte': { width: 640, height: 480 },
  'ETH-Bahnhof': { width: 640, height: 480 },
  'ETH-Pedcross2': { width: 640, height: 480 },
  'ETH-Sunnyday': { width: 640, height: 480 },
  'KITTI-13': { width: 1242, height: 375 },
  'KITTI-17': { width: 1224, height: 370 },
  'PETS09-S2L1': { width: 768, height: 576 },
  'ADL-Rundle-6': { width: 1920, height: 1080 },
  'ADL-Rundle-8': { width: 1920, height: 1080 },
  'Venice-2': { width: 1920, height: 1080 },
};

/** Frame size of `<seqDir>`: seqinfo.ini (imWidth / imHeight) if present, else MOT15_FRAME_SIZES. */
export function frameSize(seqDir: string): { width: number; height: number } {
  const ini = path.join(seqDir, 'seqinfo.ini');
  if (existsSync(ini)) {
    const text = readFileSync(ini, 'utf8');
    const w = /imWidth\s*=\s*(\d+)/.exec(text), h = /imHeight\s*=\s*(\d+)/.exec(text);
    if (w && h) return { width: Number(w[1]), height: Number(h[1]) };
  }
  const size = MOT15_FRAME_SIZES[path.basename(seqDir)];
  if (!size) throw new Error(`frame size of ${seqDir} unknown: add a seqinfo.ini with imWidth / imHeight`);
  return size;
}

const PROPERTY_OF: Record<keyof TrackerParams, string> = {
  highThreshold: 'high-threshold',
  lowThreshold: 'low-threshold',
  newTrackThreshold: 'new-track-threshold',
  matchThreshold: 'match-threshold',
  maxLostFrames: 'max-lost-frames',
  minHits: 'min-hits',
  perClass: 'per-class',
  fuseScore: 'fuse-score',
  lostMatchThreshold: 'lost-match-threshold',
  maxHeightChange: 'max-height-change',
  fillGaps: 'fill-gaps',
  appearance: 'appearance',
  appearanceThreshold: 'appearance-threshold',
  appearanceMomentum: 'appearance-momentum',
};

/** tstrack properties (`name=value` words) for a tracker kind and parameters. */
export function tstrackProperties(kind: TrackerKind = 'bytetrack', params: Partial<TrackerParams> = {}): string[] {
  const words = [`tracker=${kind}`];
  for (const [k, v] of Object.entries(params)) {
    const name = PROPERTY_OF[k as keyof TrackerParams];
    if (name === undefined || v === undefined) continue;
    words.push(`${name}=${String(v)}`);
  }
  return words;
}

export interface PipelineOptions {
  kind?: TrackerKind;
  params?: Partial<TrackerParams>;
  /** The repository root (default: two levels above this file). */
  root?: string;
  /** GST_PLUGIN_PATH (default <root>/build/gst-plugin). */
  pluginPath?: string;
  timeoutMs?: number;
}

export interface PipelineResult {
  /** MOTChallenge result text (as runOffline writes it). */
  text: string;
  rows: MotRow[];
  trackCount: number;
  numFrames: number;
  /** The gst-launch-1.0 arguments that ran. */
  command: string[];
  elapsedMs: number;
  /** gst-launch-1.0 output (stdout + stderr). */
  log: string;
}

function fmt(v: number): string {
  return String(Math.round(v * 1e4) / 1e4);
}

interface JsonlObject {
  box: { x: number; y: number; width: number; height: number };
  confidence: number | null;
  track_id: number | null;
  predicted?: boolean;
}

/**
 * tsexport JSON Lines → MOTChallenge rows (MOT frame = frame + 1): the tracked, non-predicted objects of each
 * line, and its `past_objects` (tstrack fill-gaps) on the frames they belong to. Rows sorted by frame, then id,
 * as runOffline writes them.
 */
export function jsonlToMot(jsonl: string): { text: string; rows: MotRow[]; trackCount: number } {
  const rows: { frame: number; id: number; o: JsonlObject }[] = [];
  for (const line of jsonl.split('\n')) {
    if (line.trim() === '') continue;
    const frame = JSON.parse(line) as { frame: number; objects: JsonlObject[]; past_objects?: (JsonlObject & { frame: number | null })[] };
    for (const o of frame.objects) {
      if (o.track_id === null || o.predicted) continue;
      rows.push({ frame: frame.frame + 1, id: o.track_id, o });
    }
    for (const o of frame.past_objects ?? []) {
      if (o.track_id === null || o.frame === null) continue;
      rows.push({ frame: o.frame + 1, id: o.track_id, o });
    }
  }
  rows.sort((a, b) => a.frame - b.frame || a.id - b.id);
  const lines = rows.map(({ frame, id, o }) => {
    const b = o.box;
    return `${frame},${id},${fmt(b.x)},${fmt(b.y)},${fmt(b.width)},${fmt(b.height)},${fmt(o.confidence ?? 0)},-1,-1,-1`;
  });
  const text = lines.length > 0 ? lines.join('\n') + '\n' : '';
  return { text, rows: parseMot(text), trackCount: new Set(rows.map((r) => r.id)).size };
}

/**
 * Whether two results have the same rows (frame, id, in order) with boxes and confidences equal within
 * `tolerance` pixels: boxes that went through a buffer's ROI meta (normalised coordinates) differ from the
 * offline ones in the last digits.
 */
export function sameRows(a: readonly MotRow[], b: readonly MotRow[], tolerance = 1e-3): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const r = a[i], s = b[i];
    if (r.frame !== s.frame || r.id !== s.id) return false;
    for (const k of ['x', 'y', 'width', 'height', 'conf'] as const) if (!(Math.abs(r[k] - s[k]) <= tolerance)) return false;
  }
  return true;
}

function lastFrame(detText: string): number {
  let last = 0;
  for (const r of parseMot(detText)) if (r.frame > last) last = r.frame;
  return last;
}

/**
 * Runs gst-launch-1.0 with the plugin of the build tree (GST_PLUGIN_PATH `<root>/build/gst-plugin`, a registry of
 * its own); killed after `timeoutMs` (default 300 s). Resolves with the exit code and stdout + stderr.
 */
export function gstLaunch(
  args: readonly string[],
  options: { root: string; pluginPath?: string; timeoutMs?: number },
): Promise<{ code: number | null; log: string; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('gst-launch-1.0', args, {
      env: {
        ...process.env,
        GST_PLUGIN_PATH: options.pluginPath ?? path.join(options.root, 'build', 'gst-plugin'),
        GST_REGISTRY: process.env.GST_REGISTRY ?? path.join(options.root, 'build', 'eval-registry.bin'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, log: text, elapsedMs: Date.now() - started });
    });
  });
}

/** Runs the pipeline on `<seqDir>` (needs the plugin built: scripts/build.sh). */
export async function runPipelineSequence(seqDir: string, options: PipelineOptions = {}): Promise<PipelineResult> {
  const root = options.root ?? path.resolve(__dirnameOf(), '../..');
  const det = path.resolve(seqDir, 'det', 'det.txt');
  const numFrames = lastFrame(readFileSync(det, 'utf8'));
  const { width, height } = frameSize(seqDir);
  const dir = mkdtempSync(path.join(tmpdir(), 'tsvision-mot-'));
  const out = path.join(dir, 'result.jsonl');
  const args = [
    'videotestsrc', `num-buffers=${numFrames}`, 'pattern=black', '!',
    `video/x-raw,format=I420,width=${width},height=${height}`, '!',
    'tsdetect', `module=${path.join(root, 'eval', 'mot', 'det-hook.ts')}`, `module-args=${JSON.stringify({ det })}`, '!',
    'tstrack', ...tstrackProperties(options.kind, options.params), '!',
    'tsexport', `location=${out}`, '!',
    'fakesink',
  ];
  const { code, log, elapsedMs } = await gstLaunch(args, { root, pluginPath: options.pluginPath, timeoutMs: options.timeoutMs });
  if (code !== 0 || !existsSync(out)) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`gst-launch-1.0 ${args.join(' ')} failed (exit ${code}):\n${log}`);
  }
  const jsonl = readFileSync(out, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const mot = jsonlToMot(jsonl);
  return { ...mot, numFrames, command: args, elapsedMs, log };
}

/** This module's directory, under ESM (vite-node, an esbuild ESM bundle) and CommonJS alike. */
function __dirnameOf(): string {
  if (typeof __dirname === 'string') return __dirname;
  return path.dirname(new URL(import.meta.url).pathname);
}
