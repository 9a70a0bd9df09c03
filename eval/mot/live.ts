/**
 * tstrack's frame-dependent features scored on the videos, through the real pipeline (they cannot be replayed
 * from cached detections: camera motion compensation needs the frames, appearance the crops' embeddings):
 *
 *   filesrc location=<seq>.mp4 ! qtdemux ! h264parse ! avdec_h264 ! videoconvert !
 *     tsdetect model=yolox_nano_416.onnx <DETECT_PROPERTIES> ! [tsclassify model=osnet output-type=embedding !]
 *     tstrack <configuration> ! tsexport ! fakesink
 *
 * Configurations: motion only (motion-compensation=off, no embeddings: what eval/mot/table.ts's yolox rows replay),
 * + camera motion compensation (the default), + appearance (osnet embeddings before tstrack). Scored with the
 * MOTChallenge rules of eval/mot/table.ts; wall time per run reported beside it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateMot, type MotMetrics } from './metrics.js';
import { gstLaunch, jsonlToMot } from './pipeline.js';
import { DETECT_PROPERTIES, YOLOX_MODEL, listSequences, type Sequence } from './table.js';

export const REID_MODEL = 'osnet_x0_25_msmt17.onnx';

export interface LiveConfig {
  readonly name: string;
  readonly track: readonly string[];
  readonly embeddings: boolean;
}

export const LIVE_CONFIGS: readonly LiveConfig[] = [
  { name: 'motion only (motion-compensation=off)', track: ['motion-compensation=off'], embeddings: false },
  { name: '+ camera motion compensation (default)', track: [], embeddings: false },
  { name: '+ appearance (osnet_x0_25 embeddings)', track: [], embeddings: true },
];

export interface LiveResult {
  seq: string;
  config: string;
  metrics: MotMetrics;
  seconds: number;
  frames: number;
}

export function videoSequences(motRoot: string): Sequence[] {
  return listSequences(motRoot).filter((s) => s.video !== null);
}

export async function runLive(seq: Sequence, config: LiveConfig, opts: { root: string; shared: string }): Promise<LiveResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvision-mot-live-'));
  const out = path.join(dir, 'tracks.jsonl');
  const args = [
    'filesrc', `location=${seq.video}`, '!', 'qtdemux', '!', 'h264parse', '!', 'avdec_h264', '!', 'videoconvert', '!',
    'tsdetect', `model=${path.join(opts.shared, 'models', YOLOX_MODEL)}`, ...Object.entries(DETECT_PROPERTIES).map(([k, v]) => `${k}=${v}`), '!',
    ...(config.embeddings ? ['tsclassify', `model=${path.join(opts.shared, 'models', REID_MODEL)}`, 'output-type=embedding', '!'] : []),
    'tstrack', ...config.track, '!', 'tsexport', `location=${out}`, '!', 'fakesink',
  ];
  const r = await gstLaunch(args, { root: opts.root, timeoutMs: 3_600_000 });
  if (r.code !== 0) throw new Error(`gst-launch-1.0 ${args.join(' ')} failed (exit ${r.code}):\n${r.log}`);
  const jsonl = readFileSync(out, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const hyp = jsonlToMot(jsonl);
  const metrics = evaluateMot(seq.gt, hyp.rows, { gtFilter: seq.rules });
  return { seq: seq.name, config: config.name, metrics, seconds: r.elapsedMs / 1000, frames: jsonl.split('\n').filter((l) => l.trim() !== '').length };
}
