#!/usr/bin/env node
/**
 * `node eval/mot/live.mjs [SEQ,…]`: camera motion compensation and appearance on the videos, through the real
 * pipeline (eval/mot/live.ts says how); per sequence, then means. Slow on a CPU: osnet embeds every person of
 * every frame (MOT16-11: several minutes).
 */
import path from 'node:path';
import { ROOT, SHARED } from '../../scripts/lib/gst.mjs';
import { importTs } from '../../scripts/lib/import-ts.mjs';

const lib = await importTs('eval/mot/live.ts');
const motRoot = process.env.MOT_DIR ? path.resolve(process.env.MOT_DIR) : path.join(SHARED, 'mot');
const only = process.argv[2] ? process.argv[2].split(',') : null;
const seqs = lib.videoSequences(motRoot).filter((s) => !only || only.includes(s.name));
const f3 = (x) => x.toFixed(3);
console.log(`tstrack on the videos (${seqs.map((s) => s.name).join(', ')}), real pipeline, ${new Date().toISOString().slice(0, 10)}`);
const rows = [];
for (const config of lib.LIVE_CONFIGS) {
  for (const seq of seqs) {
    const r = await lib.runLive(seq, config, { root: ROOT, shared: SHARED });
    rows.push(r);
    const m = r.metrics;
    console.log(`  ${config.name.padEnd(42)} ${seq.name.padEnd(14)} MOTA ${f3(m.mota)}  IDF1 ${f3(m.idf1)}  IDSW ${String(m.idsw).padStart(3)}  ${(r.frames / r.seconds).toFixed(1)} frames/s`);
  }
}
console.log('\nmeans over sequences');
for (const config of lib.LIVE_CONFIGS) {
  const rs = rows.filter((r) => r.config === config.name);
  const mean = (f) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
  console.log(`  ${config.name.padEnd(42)} MOTA ${f3(mean((r) => r.metrics.mota))}  IDF1 ${f3(mean((r) => r.metrics.idf1))}  IDSW ${mean((r) => r.metrics.idsw).toFixed(1)}`);
}
