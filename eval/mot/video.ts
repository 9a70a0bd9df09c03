/**
 * The real detector on a sequence's video, run once and cached: tstrack configurations then replay its
 * detections (eval/mot/table.ts) instead of running the model again for each of them.
 *
 *   filesrc location=<seq>.mp4 ! qtdemux ! h264parse ! avdec_h264 ! videoconvert !
 *     tsdetect model=<model> <detector properties> ! tsexport location=detections.jsonl !
 *     tstrack <every tracker property, explicit> motion-compensation=off ! tsexport location=tracks.jsonl ! fakesink
 *
 * The first tsexport writes what tstrack receives (the detections, frame by frame, in meta order); the second what
 * tstrack made of them live. `replayMatchesLive` checks that tracking the cached detections offline (runOffline)
 * gives exactly the live rows, so a replayed configuration is what tstrack would have written on that video.
 *
 * Cache: `<cacheDir>/<key>/` (default `$XDG_CACHE_HOME/tsvision/mot-video` or `~/.cache/tsvision/mot-video`, env
 * TSVISION_MOT_CACHE), key = sha256 of the model's and the video's sha256 and the detector properties. The detector
 * code is not part of the key: after changing it, delete the cache (or set TSVISION_MOT_CACHE to a new folder).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { TrackerKind, TrackerParams } from '../../elements/track/types.js';
import { gstLaunch, jsonlToMot, sameRows, tstrackProperties } from './pipeline.js';
import { parseMot } from './metrics.js';
import { runOffline } from './run-offline.js';

export interface VideoDetections {
  /** The detections as MOTChallenge det text (`frame,-1,left,top,width,height,confidence,-1,-1,-1`, frame = index + 1). */
  detText: string;
  /** Frames in the video (lines of the JSON Lines). */
  numFrames: number;
  /** The live tstrack run on these detections: its tracker and parameters, and its rows as MOT text. */
  live: { kind: TrackerKind; params: TrackerParams; text: string };
  /** Whether this came from the cache. */
  cached: boolean;
  /** Seconds the pipeline ran (when it was run: now or when cached). */
  seconds: number;
  dir: string;
}

export function defaultCacheDir(): string {
  if (process.env.TSVISION_MOT_CACHE) return path.resolve(process.env.TSVISION_MOT_CACHE);
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'tsvision', 'mot-video');
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** tsexport JSON Lines (no tracker upstream) → MOTChallenge det text, every detection of every line. */
export function jsonlToDetText(jsonl: string): { text: string; numFrames: number } {
  const lines: string[] = [];
  let numFrames = 0;
  for (const line of jsonl.split('\n')) {
    if (line.trim() === '') continue;
    const f = JSON.parse(line) as { frame: number; objects: { box: { x: number; y: number; width: number; height: number }; confidence: number | null }[] };
    numFrames++;
    for (const o of f.objects) {
      const b = o.box;
      lines.push(`${f.frame + 1},-1,${b.x},${b.y},${b.width},${b.height},${o.confidence ?? 1},-1,-1,-1`);
    }
  }
  return { text: lines.length > 0 ? lines.join('\n') + '\n' : '', numFrames };
}

/** Keeps the det rows with confidence >= `threshold` (a detector threshold applied afterwards; see table.ts). */
export function filterDetText(detText: string, threshold: number): string {
  const kept = detText.split('\n').filter((l) => l !== '' && Number(l.split(',')[6]) >= threshold);
  return kept.length > 0 ? kept.join('\n') + '\n' : '';
}

export interface VideoOptions {
  root: string;
  model: string;
  /** tsdetect properties besides model (e.g. { 'object-class': 'person', threshold: '0.1' }). */
  detectProperties: Record<string, string>;
  /** The tracker of the live check (all its parameters are set explicitly). */
  liveKind: TrackerKind;
  liveParams: TrackerParams;
  cacheDir?: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** The detector's output on `video` (cached; see the module comment). */
export async function videoDetections(video: string, options: VideoOptions): Promise<VideoDetections> {
  const props = Object.entries(options.detectProperties).sort(([a], [b]) => a.localeCompare(b));
  const key = createHash('sha256')
    .update(JSON.stringify({ model: sha256File(options.model), video: sha256File(video), props }))
    .digest('hex')
    .slice(0, 24);
  const dir = path.join(options.cacheDir ?? defaultCacheDir(), `${path.basename(video, path.extname(video))}-${key}`);
  const metaFile = path.join(dir, 'meta.json');
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { liveKind: TrackerKind; liveParams: TrackerParams; seconds: number };
    const det = jsonlToDetText(readFileSync(path.join(dir, 'detections.jsonl'), 'utf8'));
    const live = jsonlToMot(readFileSync(path.join(dir, 'tracks.jsonl'), 'utf8')).text;
    return { detText: det.text, numFrames: det.numFrames, live: { kind: meta.liveKind, params: meta.liveParams, text: live }, cached: true, seconds: meta.seconds, dir };
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const args = [
    'filesrc', `location=${video}`, '!', 'qtdemux', '!', 'h264parse', '!', 'avdec_h264', '!', 'videoconvert', '!',
    'tsdetect', `model=${options.model}`, ...props.map(([k, v]) => `${k}=${v}`), '!',
    'tsexport', `location=${path.join(tmp, 'detections.jsonl')}`, '!',
    // Camera motion compensation needs the frames, which a replay of the detections has not: off here, so that the
    // replay can equal the live rows (eval/mot/live.mjs scores it on the videos).
    'tstrack', ...tstrackProperties(options.liveKind, options.liveParams), 'motion-compensation=off', '!',
    'tsexport', `location=${path.join(tmp, 'tracks.jsonl')}`, '!',
    'fakesink',
  ];
  options.log?.(`running the detector: gst-launch-1.0 ${args.join(' ')}`);
  const { code, log, elapsedMs } = await gstLaunch(args, { root: options.root, timeoutMs: options.timeoutMs ?? 1_800_000 });
  if (code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`gst-launch-1.0 ${args.join(' ')} failed (exit ${code}):\n${log}`);
  }
  const seconds = elapsedMs / 1000;
  writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify({ video, model: options.model, props, liveKind: options.liveKind, liveParams: options.liveParams, seconds, args }, null, 1));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const det = jsonlToDetText(readFileSync(path.join(dir, 'detections.jsonl'), 'utf8'));
  const live = jsonlToMot(readFileSync(path.join(dir, 'tracks.jsonl'), 'utf8')).text;
  return { detText: det.text, numFrames: det.numFrames, live: { kind: options.liveKind, params: options.liveParams, text: live }, cached: false, seconds, dir };
}

/** Whether runOffline on the cached detections, with the live run's tracker, writes exactly tstrack's live rows. */
export function replayMatchesLive(v: VideoDetections): boolean {
  const offline = runOffline(v.detText, { kind: v.live.kind, params: v.live.params, scoreNormalization: 'none' });
  return sameRows(offline.rows, parseMot(v.live.text));
}
