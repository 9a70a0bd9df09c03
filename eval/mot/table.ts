/**
 * `npm run eval:mot`: one table of tstrack configurations, each scored on every MOTChallenge sequence in
 * ../shared/mot with ground truth and averaged over the sequences, for three sets of detections:
 *
 * - `public`: the benchmark's public detections (`det/det.txt`; MOT15 Faster R-CNN, MOT16-11 DPM rescaled to
 *   0..1 as det-hook.ts and runOffline do), fed to the tracker as tsdetect's hook eval/mot/det-hook.ts does;
 * - `yolox 0.5` / `yolox 0.1`: the real pipeline on the sequences that have a video, yolox_nano with
 *   `object-class=person` (eval/mot/video.ts: decoded by GStreamer, detected by tsdetect, exported by tsexport;
 *   run once, cached). 0.5 is tsdetect's default threshold, 0.1 gives ByteTrack's low-score stage its input. The
 *   detector runs once at 0.1 and the 0.5 set keeps its detections with confidence >= 0.5: greedy NMS keeps or
 *   drops a box by the higher-scored boxes only, so that is exactly tsdetect's output at threshold=0.5.
 *
 * Every configuration is tracked offline (eval/mot/run-offline.ts) on those detections, because tstrack on the
 * buffer writes the same rows as runOffline on the same detections; the run checks it (a mismatch fails it):
 * the defaults through the real pipeline on the public detections (`videotestsrc ! tsdetect module=det-hook.ts !
 * tstrack ! tsexport`, each sequence), and on each video the live `tsdetect ! tstrack ! tsexport` of the cached
 * run against the offline replay of its detections.
 *
 * Scoring: eval/mot/metrics.ts (py-motmetrics' CLEAR-MOT / IDF1) with MOTChallenge's ground-truth rules (MOT15:
 * conf-1 rows; MOT16: the devkit's distractor preprocessing, consider-1 pedestrians). Rows written: the
 * detections that got an id on their frame, plus the fill-gaps boxes tstrack reports late (past_objects) on the
 * frames they belong to, unless the configuration says `fillGaps: 0` (the frame-synchronous rows).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CLASSIC_SORT_PARAMS, TRACKER_DEFAULTS } from '../../elements/track/index.js';
import type { TrackerKind, TrackerParams } from '../../elements/track/types.js';
import { evaluateMot, type EvaluateOptions, type MotMetrics } from './metrics.js';
import { frameSize, runPipelineSequence, sameRows } from './pipeline.js';
import { runOffline, type OfflineOptions } from './run-offline.js';
import { filterDetText, replayMatchesLive, videoDetections } from './video.js';

export interface Sequence {
  name: string;
  bench: string;
  dir: string;
  gt: string;
  rules: NonNullable<EvaluateOptions['gtFilter']>;
  /** `<seq>/<seq>.mp4` when present. */
  video: string | null;
}

/** Every `<motRoot>/<benchmark>/<sequence>` with `gt/gt.txt` and `det/det.txt`, MOT15 before MOT16, by name. */
export function listSequences(motRoot: string): Sequence[] {
  const out: Sequence[] = [];
  for (const bench of readdirSync(motRoot).filter((b) => /^MOT\d+$/.test(b)).sort()) {
    for (const name of readdirSync(path.join(motRoot, bench)).sort()) {
      const dir = path.join(motRoot, bench, name);
      const gtFile = path.join(dir, 'gt', 'gt.txt');
      if (!existsSync(gtFile) || !existsSync(path.join(dir, 'det', 'det.txt'))) continue;
      const video = path.join(dir, `${name}.mp4`);
      out.push({ name, bench, dir, gt: readFileSync(gtFile, 'utf8'), rules: bench === 'MOT15' ? 'mot15' : 'mot16', video: existsSync(video) ? video : null });
    }
  }
  return out;
}

export type SourceName = 'public' | 'yolox 0.5' | 'yolox 0.1';
export const SOURCES: readonly SourceName[] = ['public', 'yolox 0.5', 'yolox 0.1'];

/** One sequence with one set of detections. */
export interface Case {
  seq: Sequence;
  source: SourceName;
  detText: string;
  scoreNormalization: 'auto' | 'none';
  /** Public detections are clipped to the frame as tsdetect's ROI metas clip them (the yolox ones already are). */
  frameSize?: { width: number; height: number };
}

export interface Config {
  name: string;
  kind: TrackerKind;
  params: Partial<TrackerParams>;
  boxSource?: OfflineOptions['boxSource'];
}

/** tstrack's defaults before issue 16 re-chose them on this table. */
export const PREVIOUS_DEFAULTS: Readonly<Partial<TrackerParams>> = Object.freeze({
  highThreshold: 0.6,
  newTrackThreshold: 0.7,
  matchThreshold: 0.2,
  minHits: 2,
  lostMatchThreshold: 0.1,
  fillGaps: 20,
});

/** The table's rows: tstrack's defaults (filled and frame-synchronous rows), each tracker kind, the previous defaults, plain SORT. */
export function tableConfigs(): Config[] {
  const filled = TRACKER_DEFAULTS.fillGaps > 0 ? TRACKER_DEFAULTS.fillGaps : 20;
  const rows: Config[] = [{ name: 'bytetrack, defaults', kind: 'bytetrack', params: {} }];
  const fill = (kind: TrackerKind, prefix: string) => {
    if (TRACKER_DEFAULTS.fillGaps !== 0) rows.push({ name: `${prefix}fill-gaps=0 (frame-synchronous rows)`, kind, params: { fillGaps: 0 } });
    else rows.push({ name: `${prefix}fill-gaps=${filled}`, kind, params: { fillGaps: filled } });
  };
  fill('bytetrack', 'bytetrack, ');
  for (const kind of ['sort', 'iou'] as const) {
    rows.push({ name: `${kind}, defaults`, kind, params: {} });
    fill(kind, `${kind}, `);
  }
  rows.push({ name: 'bytetrack, previous defaults (issue 4, tuned on TUD-Campus)', kind: 'bytetrack', params: PREVIOUS_DEFAULTS });
  rows.push({ name: 'SORT baseline (CLASSIC_SORT_PARAMS), detection boxes', kind: 'sort', params: CLASSIC_SORT_PARAMS });
  rows.push({ name: 'SORT baseline, Kalman boxes (the reference code)', kind: 'sort', params: CLASSIC_SORT_PARAMS, boxSource: 'track' });
  return rows;
}

export function evaluateCase(c: Case, config: Config): MotMetrics {
  const res = runOffline(c.detText, { kind: config.kind, params: config.params, boxSource: config.boxSource, scoreNormalization: c.scoreNormalization, frameSize: c.frameSize });
  return evaluateMot(c.seq.gt, res.text, { gtFilter: c.seq.rules });
}

export interface Summary {
  mota: number;
  idf1: number;
  fp: number;
  fn: number;
  idsw: number;
  n: number;
}

/** Means over sequences (every column: the mean of the per-sequence values). */
export function summarize(ms: readonly MotMetrics[]): Summary {
  const mean = (f: (m: MotMetrics) => number) => ms.reduce((a, m) => a + f(m), 0) / ms.length;
  return { mota: mean((m) => m.mota), idf1: mean((m) => m.idf1), fp: mean((m) => m.fp), fn: mean((m) => m.fn), idsw: mean((m) => m.idsw), n: ms.length };
}

export const YOLOX_MODEL = 'yolox_nano_416.onnx';
export const DETECT_PROPERTIES: Readonly<Record<string, string>> = { 'object-class': 'person', threshold: '0.1' };

/** The cases of every sequence: public detections, and the yolox sets where there is a video (runs the detector unless cached). */
export async function buildCases(seqs: readonly Sequence[], opts: { root: string; shared: string; videos: boolean; log: (s: string) => void }): Promise<{ cases: Case[]; videoChecks: { name: string; same: boolean; cached: boolean; seconds: number; frames: number }[] }> {
  const cases: Case[] = [];
  const videoChecks: { name: string; same: boolean; cached: boolean; seconds: number; frames: number }[] = [];
  for (const seq of seqs) {
    cases.push({ seq, source: 'public', detText: readFileSync(path.join(seq.dir, 'det', 'det.txt'), 'utf8'), scoreNormalization: 'auto', frameSize: frameSize(seq.dir) });
  }
  if (!opts.videos) return { cases, videoChecks };
  for (const seq of seqs) {
    if (seq.video === null) continue;
    const v = await videoDetections(seq.video, {
      root: opts.root,
      model: path.join(opts.shared, 'models', YOLOX_MODEL),
      detectProperties: { ...DETECT_PROPERTIES },
      liveKind: 'bytetrack',
      liveParams: { ...TRACKER_DEFAULTS },
      log: opts.log,
    });
    videoChecks.push({ name: seq.name, same: replayMatchesLive(v), cached: v.cached, seconds: v.seconds, frames: v.numFrames });
    cases.push({ seq, source: 'yolox 0.5', detText: filterDetText(v.detText, 0.5), scoreNormalization: 'none' });
    cases.push({ seq, source: 'yolox 0.1', detText: v.detText, scoreNormalization: 'none' });
  }
  return { cases, videoChecks };
}

/** Defaults through the real pipeline (det-hook replaying det.txt) against runOffline, per sequence. */
export async function checkPublicPipeline(seqs: readonly Sequence[], root: string): Promise<{ name: string; same: boolean; ms: number }[]> {
  const out: { name: string; same: boolean; ms: number }[] = [];
  for (const seq of seqs) {
    const res = await runPipelineSequence(seq.dir, { kind: 'bytetrack', params: {}, root });
    const offline = runOffline(readFileSync(path.join(seq.dir, 'det', 'det.txt'), 'utf8'), { kind: 'bytetrack', frameSize: frameSize(seq.dir) });
    out.push({ name: seq.name, same: sameRows(offline.rows, res.rows), ms: res.elapsedMs });
  }
  return out;
}

const pct = (v: number) => (v * 100).toFixed(1);
const num = (v: number) => v.toFixed(1);

/** Markdown table: a row per configuration, per source the means of MOTA / IDF1 / FP / FN / IDSW. */
export function formatTable(configs: readonly Config[], cases: readonly Case[], results: Map<string, MotMetrics[]>): string {
  const sources = SOURCES.filter((s) => cases.some((c) => c.source === s));
  const count = (s: SourceName) => cases.filter((c) => c.source === s).length;
  const head = ['configuration', ...sources.flatMap((s) => [`${s} (${count(s)}) MOTA`, 'IDF1', 'FP', 'FN', 'IDSW'])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const c of configs) {
    const cells = [c.name];
    for (const s of sources) {
      const ms = cases.map((k, i) => ({ k, m: results.get(c.name)![i] })).filter((x) => x.k.source === s).map((x) => x.m);
      const sum = summarize(ms);
      cells.push(pct(sum.mota), pct(sum.idf1), num(sum.fp), num(sum.fn), num(sum.idsw));
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Per-sequence lines of one configuration. */
export function formatPerSequence(config: Config, cases: readonly Case[], ms: readonly MotMetrics[]): string {
  return cases
    .map((c, i) => {
      const m = ms[i];
      return `  ${c.source.padEnd(10)} ${c.seq.name.padEnd(15)} MOTA ${pct(m.mota).padStart(5)} IDF1 ${pct(m.idf1).padStart(5)} FP ${String(m.fp).padStart(5)} FN ${String(m.fn).padStart(5)} IDSW ${String(m.idsw).padStart(4)}`;
    })
    .join('\n');
}

/**
 * Issue 16's targets for the defaults against the SORT baseline on the same detections: MOTA >= SORT's and
 * IDF1 >= SORT's + 0.05, means over sequences; per detection set, and for the public detections also without the
 * sequences whose scores had to be rescaled (MOT16-11's DPM scores; the MOT15 ones are probabilities).
 */
export function targetLines(cases: readonly Case[], defaults: readonly MotMetrics[], sort: readonly MotMetrics[]): string[] {
  const groups: { label: string; keep: (c: Case) => boolean }[] = [
    ...SOURCES.map((s) => ({ label: s, keep: (c: Case) => c.source === s })),
    { label: 'public, MOT15 only', keep: (c: Case) => c.source === 'public' && c.seq.bench === 'MOT15' },
  ];
  const out: string[] = [];
  for (const g of groups) {
    const idx = cases.map((c, i) => (g.keep(c) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const d = summarize(idx.map((i) => defaults[i]));
    const s = summarize(idx.map((i) => sort[i]));
    const motaOk = d.mota >= s.mota, idf1Ok = d.idf1 >= s.idf1 + 0.05;
    out.push(
      `${g.label} (${idx.length}): MOTA ${pct(d.mota)} vs SORT ${pct(s.mota)} ${motaOk ? 'met' : 'NOT met'}; IDF1 ${pct(d.idf1)} vs SORT ${pct(s.idf1)} + 5.0 ${idf1Ok ? 'met' : 'NOT met'}`,
    );
  }
  return out;
}
