/**
 * Prints tracking results of every tracker configuration on every sequence of a MOT15-style directory:
 * CLEAR-MOT / IDF1 where `<seq>/gt/gt.txt` exists, otherwise track counts; always the track-length summary
 * (trackLengths).
 *
 *   npx vite-node eval/mot/report-cli.ts            (MOT15_DIR overrides /work/shared/mot/MOT15)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIC_SORT_PARAMS } from '../../elements/track/index.js';
import { evaluateMot, type MotRow } from './metrics.js';
import { runOfflineSequence, type OfflineOptions } from './run-offline.js';

export const REPORT_CONFIGS: { name: string; options: OfflineOptions }[] = [
  { name: 'bytetrack (defaults)', options: { kind: 'bytetrack' } },
  { name: 'bytetrack (defaults, Kalman boxes)', options: { kind: 'bytetrack', boxSource: 'track' } },
  { name: 'bytetrack (plain ByteTrack: lostMatchThreshold 0, maxHeightChange 0)', options: { kind: 'bytetrack', params: { lostMatchThreshold: 0, maxHeightChange: 0 } } },
  { name: 'bytetrack (maxHeightChange only: lostMatchThreshold 0)', options: { kind: 'bytetrack', params: { lostMatchThreshold: 0 } } },
  { name: 'sort (defaults)', options: { kind: 'sort' } },
  { name: 'sort (classic: max_age 1, min_hits 3, IoU 0.3)', options: { kind: 'sort', params: CLASSIC_SORT_PARAMS } },
  { name: 'sort (classic, Kalman boxes)', options: { kind: 'sort', params: CLASSIC_SORT_PARAMS, boxSource: 'track' } },
  { name: 'iou (defaults)', options: { kind: 'iou' } },
];

function pct(v: number): string {
  return (v * 100).toFixed(1).padStart(5);
}

/**
 * Rows written per track id: the median and the number of ids with fewer than 5 rows. Without ground truth,
 * more ids with shorter lengths for the same rows means fragmentation (or more short false tracks).
 */
export function trackLengths(rows: readonly MotRow[]): { median: number; short: number } {
  const n = new Map<number, number>();
  for (const r of rows) n.set(r.id, (n.get(r.id) ?? 0) + 1);
  const v = [...n.values()].sort((a, b) => a - b);
  return { median: v.length > 0 ? v[Math.floor(v.length / 2)] : 0, short: v.filter((x) => x < 5).length };
}

export function report(root: string, configs = REPORT_CONFIGS): string {
  const seqs = readdirSync(root).filter((s) => existsSync(join(root, s, 'det', 'det.txt'))).sort();
  const out: string[] = [];
  for (const c of configs) {
    out.push(`== ${c.name}`);
    for (const s of seqs) {
      const res = runOfflineSequence(join(root, s), c.options);
      const gtPath = join(root, s, 'gt', 'gt.txt');
      const perFrameUs = ((res.trackerMs / Math.max(1, res.numFrames)) * 1000).toFixed(1);
      const len = trackLengths(res.rows);
      const lengths = `median length ${String(len.median).padStart(3)} short(<5) ${String(len.short).padStart(3)}`;
      if (existsSync(gtPath)) {
        const m = evaluateMot(readFileSync(gtPath, 'utf8'), res.text, { gtFilter: 'mot15' });
        out.push(
          `${s.padEnd(15)} MOTA ${pct(m.mota)} IDF1 ${pct(m.idf1)} MOTP ${m.motp.toFixed(3)} FP ${String(m.fp).padStart(5)} FN ${String(m.fn).padStart(5)} IDSW ${String(m.idsw).padStart(4)} tracks ${String(res.trackCount).padStart(4)} (gt ${m.numUniqueGt}) ${lengths} ${perFrameUs} us/frame`,
        );
      } else {
        out.push(`${s.padEnd(15)} (no gt) tracks ${String(res.trackCount).padStart(4)} ${lengths} frames ${res.numFrames} dets ${res.numDetections} rows ${res.rows.length} ${perFrameUs} us/frame${res.normalized ? ' (scores normalised)' : ''}`);
      }
    }
  }
  return out.join('\n');
}
