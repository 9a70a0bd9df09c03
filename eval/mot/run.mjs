#!/usr/bin/env node
/**
 * `npm run eval:mot`: the tracking table of eval/mot/table.ts (every sequence with ground truth in ../shared/mot;
 * public detections and yolox_nano on the videos; tstrack's defaults, each tracker kind, plain SORT; means over
 * sequences), then the checks that the offline rows equal the pipeline's. Exits non-zero when a check fails.
 *
 *   node eval/mot/run.mjs [--no-video] [--per-sequence] [--check=all|none|SEQ[,SEQ…]] [--tune]
 *
 * --no-video: public detections only (no detector run). --per-sequence: every configuration's per-sequence
 * scores too. --check: which sequences run the defaults through the real pipeline on the public detections
 * (default all; the videos' live check always runs). --tune: the leave-one-sequence-out selection of
 * eval/mot/tune.ts. Needs the plugin built (`bash scripts/build.sh`); the detector output is cached
 * (eval/mot/video.ts; TSVISION_MOT_CACHE). Env MOT_DIR overrides ../shared/mot.
 */
import path from 'node:path';
import { ROOT, SHARED } from '../../scripts/lib/gst.mjs';
import { importTs } from '../../scripts/lib/import-ts.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const a = args.find((x) => x.startsWith(`${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 1);
};
const lib = await importTs('eval/mot/tune.ts');
const motRoot = process.env.MOT_DIR ? path.resolve(process.env.MOT_DIR) : path.join(SHARED, 'mot');
const log = (s) => process.stderr.write(`[eval:mot] ${s}\n`);

const seqs = lib.listSequences(motRoot);
const { cases, videoChecks } = await lib.buildCases(seqs, { root: ROOT, shared: SHARED, videos: !flag('--no-video'), log });
const configs = lib.tableConfigs();
const results = new Map();
for (const c of configs) results.set(c.name, cases.map((k) => lib.evaluateCase(k, c)));

const videos = [...new Set(cases.filter((c) => c.source !== 'public').map((c) => c.seq.name))];
console.log(`MOT evaluation, ${new Date().toISOString().slice(0, 10)}: means over sequences.`);
console.log(`public: ${seqs.map((s) => s.name).join(', ')} (det/det.txt)`);
if (videos.length > 0) console.log(`yolox: ${videos.join(', ')} (videos; tsdetect model=${lib.YOLOX_MODEL} ${Object.entries(lib.DETECT_PROPERTIES).map(([k, v]) => `${k}=${v}`).join(' ')}; the 0.5 set keeps confidence >= 0.5)`);
console.log('ground truth: MOTChallenge rules (MOT15 conf-1 rows; MOT16 distractor preprocessing, consider-1 pedestrians)\n');
console.log(lib.formatTable(configs, cases, results));
if (flag('--per-sequence')) {
  for (const c of configs) console.log(`\n${c.name}\n${lib.formatPerSequence(c, cases, results.get(c.name))}`);
}

console.log('\nTargets (defaults vs SORT baseline with detection boxes, means over sequences):');
for (const line of lib.targetLines(cases, results.get(configs[0].name), results.get(configs.find((c) => c.name.startsWith('SORT baseline')).name))) console.log(`  ${line}`);

let failed = false;
console.log('');
for (const v of videoChecks) {
  console.log(`check ${v.name}: live tsdetect ! tstrack (defaults) ! tsexport ${v.same ? '==' : '!='} runOffline on its detections (${v.frames} frames, detector ${v.seconds.toFixed(1)} s${v.cached ? ', cached' : ''})`);
  if (!v.same) failed = true;
}
const check = option('--check', 'all');
if (check !== 'none') {
  const names = check === 'all' ? null : new Set(check.split(','));
  const checked = await lib.checkPublicPipeline(seqs.filter((s) => names === null || names.has(s.name)), ROOT);
  const bad = checked.filter((c) => !c.same).map((c) => c.name);
  console.log(`check public detections through the pipeline (defaults, det-hook.ts ! tstrack ! tsexport): ${checked.length - bad.length}/${checked.length} sequences == runOffline${bad.length > 0 ? `; differ: ${bad.join(', ')}` : ''}`);
  if (bad.length > 0) failed = true;
}

if (flag('--tune')) console.log(`\n${lib.tune(cases, log)}`);
process.exitCode = failed ? 1 : 0;
