/**
 * Defaults chosen on data: candidate tstrack configurations scored on every case (sequence x detection set) of
 * eval/mot/table.ts, and a leave-one-sequence-out selection — for each sequence, the candidate with the best mean
 * MOTA + IDF1 over the cases of the *other* sequences is scored on the held-out sequence's cases. The held-out
 * scores, averaged, estimate what choosing by this rule gives on sequences it was not chosen on; the candidate
 * chosen on all sequences is the proposed default.
 *
 * Candidates: a sweep of one parameter at a time around the defaults (which parameters matter), and a grid over
 * fill-gaps x max-lost-frames x lost-match-threshold x max-height-change x (high, new-track) thresholds, and a second
 * one over fill-gaps x max-lost-frames x min-hits x (high, new-track) x match-threshold without lost-track matching.
 */
import { CLASSIC_SORT_PARAMS, TRACKER_DEFAULTS } from '../../elements/track/index.js';
import type { TrackerParams } from '../../elements/track/types.js';
import type { MotMetrics } from './metrics.js';
import { SOURCES, evaluateCase, type Case, type Config } from './table.js';

export * from './table.js';

function describe(p: Partial<TrackerParams>): string {
  const diff = Object.entries(p).filter(([k, v]) => TRACKER_DEFAULTS[k as keyof TrackerParams] !== v);
  return diff.length === 0 ? 'defaults' : diff.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** One-at-a-time values around the defaults. */
export const SWEEP: Readonly<Partial<Record<keyof TrackerParams, readonly (number | boolean)[]>>> = {
  fillGaps: [0, 5, 10, 20, 30, 50],
  maxLostFrames: [5, 10, 20, 30, 60, 90],
  lostMatchThreshold: [0, 0.05, 0.1, 0.2],
  maxHeightChange: [0, 1.5, 2, 3],
  highThreshold: [0.4, 0.5, 0.6, 0.7],
  newTrackThreshold: [0.5, 0.6, 0.7, 0.8],
  lowThreshold: [0.1, 0.3, 0.5],
  matchThreshold: [0.1, 0.2, 0.3, 0.4],
  minHits: [1, 2, 3, 4],
  fuseScore: [true, false],
};

export function candidates(): Config[] {
  const out = new Map<string, Config>();
  const add = (kind: Config['kind'], params: Partial<TrackerParams>) => {
    const full = { ...TRACKER_DEFAULTS, ...params };
    const name = `${kind} ${describe(full)}`;
    if (!out.has(name)) out.set(name, { name, kind, params: full });
  };
  for (const kind of ['bytetrack', 'sort', 'iou'] as const) add(kind, {});
  for (const [k, values] of Object.entries(SWEEP)) for (const v of values!) add('bytetrack', { [k]: v });
  for (const fillGaps of [0, 10, 20, 30])
    for (const maxLostFrames of [30, 60])
      for (const lostMatchThreshold of [0, 0.1])
        for (const maxHeightChange of [0, 2])
          for (const [highThreshold, newTrackThreshold] of [[0.5, 0.6], [0.6, 0.7]])
            add('bytetrack', { fillGaps, maxLostFrames, lostMatchThreshold, maxHeightChange, highThreshold, newTrackThreshold });
  // Second grid, over what the sweep and the first grid showed to matter (lost-track re-identification off).
  for (const fillGaps of [0, 5, 10])
    for (const maxLostFrames of [10, 20, 30])
      for (const minHits of [2, 3, 4])
        for (const [highThreshold, newTrackThreshold] of [[0.5, 0.6], [0.6, 0.7], [0.7, 0.7]])
          for (const matchThreshold of [0.1, 0.2])
            add('bytetrack', { fillGaps, maxLostFrames, minHits, highThreshold, newTrackThreshold, matchThreshold, lostMatchThreshold: 0 });
  for (const kind of ['sort', 'iou'] as const) for (const fillGaps of [0, 10, 20]) for (const maxLostFrames of [10, 30]) add(kind, { fillGaps, maxLostFrames });
  return [...out.values()];
}

const objective = (m: MotMetrics) => m.mota + m.idf1;
const pct = (v: number) => (v * 100).toFixed(1);

export function tune(cases: readonly Case[], log: (s: string) => void = () => {}, configs: readonly Config[] = candidates()): string {
  const t0 = Date.now();
  const scores = configs.map((c, i) => {
    if (i % 20 === 0) log(`tuning: candidate ${i + 1}/${configs.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    return cases.map((k) => evaluateCase(k, c));
  });
  const sort = cases.map((k) => evaluateCase(k, { name: 'SORT', kind: 'sort', params: CLASSIC_SORT_PARAMS }));
  const seqNames = [...new Set(cases.map((c) => c.seq.name))];
  const meanOver = (ci: number, keep: (k: Case) => boolean) => {
    let s = 0, n = 0;
    cases.forEach((k, i) => {
      if (keep(k)) (s += objective(scores[ci][i]), n++);
    });
    return n > 0 ? s / n : -Infinity;
  };
  const best = (keep: (k: Case) => boolean) => {
    let bi = 0;
    for (let ci = 1; ci < configs.length; ci++) if (meanOver(ci, keep) > meanOver(bi, keep) + 1e-12) bi = ci;
    return bi;
  };
  const out: string[] = [];
  out.push(`Leave-one-sequence-out over ${configs.length} candidates, objective mean MOTA + IDF1 over the cases (sequence x detection set) of the other sequences:`);
  const held: { k: Case; m: MotMetrics }[] = [];
  for (const s of seqNames) {
    const ci = best((k) => k.seq.name !== s);
    cases.forEach((k, i) => {
      if (k.seq.name === s) held.push({ k, m: scores[ci][i] });
    });
    out.push(`  without ${s.padEnd(15)} → ${configs[ci].name}`);
  }
  const defaultsIndex = configs.findIndex((c) => c.name === `bytetrack defaults`);
  out.push('');
  out.push('| held-out scores (mean over sequences) | source | MOTA | IDF1 | FP | FN | IDSW |');
  out.push('|---|---|---|---|---|---|---|');
  for (const src of SOURCES) {
    const idx = cases.map((k, i) => (k.source === src ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const row = (label: string, ms: MotMetrics[]) => {
      const mean = (f: (m: MotMetrics) => number) => ms.reduce((a, m) => a + f(m), 0) / ms.length;
      out.push(`| ${label} | ${src} (${ms.length}) | ${pct(mean((m) => m.mota))} | ${pct(mean((m) => m.idf1))} | ${mean((m) => m.fp).toFixed(1)} | ${mean((m) => m.fn).toFixed(1)} | ${mean((m) => m.idsw).toFixed(1)} |`);
    };
    row('chosen without the sequence', held.filter((h) => h.k.source === src).map((h) => h.m));
    if (defaultsIndex >= 0) row('current defaults', idx.map((i) => scores[defaultsIndex][i]));
    row('SORT baseline (detection boxes)', idx.map((i) => sort[i]));
  }
  const all = best(() => true);
  out.push('');
  out.push(`Chosen on all sequences: ${configs[all].name} (mean MOTA + IDF1 ${meanOver(all, () => true).toFixed(4)}; current defaults ${defaultsIndex >= 0 ? meanOver(defaultsIndex, () => true).toFixed(4) : '—'})`);
  const ranked = configs.map((c, ci) => ({ c, v: meanOver(ci, () => true) })).sort((a, b) => b.v - a.v);
  out.push('Top 10 on all sequences:');
  for (const r of ranked.slice(0, 10)) out.push(`  ${r.v.toFixed(4)} ${r.c.name}`);
  out.push('One-at-a-time sweep around the defaults (mean MOTA / IDF1 over all cases):');
  for (const [k, values] of Object.entries(SWEEP)) {
    const cells = values!.map((v) => {
      const ci = configs.findIndex((c) => c.kind === 'bytetrack' && c.name === `bytetrack ${describe({ ...TRACKER_DEFAULTS, [k]: v })}`);
      if (ci < 0) return `${v}: —`;
      const ms = scores[ci];
      const mean = (f: (m: MotMetrics) => number) => ms.reduce((a, m) => a + f(m), 0) / ms.length;
      return `${v}: ${pct(mean((m) => m.mota))}/${pct(mean((m) => m.idf1))}`;
    });
    out.push(`  ${k.padEnd(19)} ${cells.join('  ')}`);
  }
  log(`tuning took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return out.join('\n');
}
