#!/usr/bin/env node
/**
 * `npm run eval:analytics`: tsanalytics' counting accuracy on every MOTChallenge sequence in ../shared with ground
 * truth (eval/analytics/evaluate.ts says how truth and errors are defined). The tracker is tstrack's (defaults) on
 * the public detections, run offline (eval/mot/run-offline.ts gives the same rows as the pipeline).
 *
 *   node eval/analytics/run.mjs            defaults and the naive counter, per sequence, and the grid of
 *                                          min-frames x min-distance averaged over all sequences
 *   node eval/analytics/run.mjs --pipeline the defaults through the real pipeline as well: videotestsrc ! tsdetect
 *                                          (eval/mot/det-hook.ts replaying det.txt) ! tstrack ! tsanalytics
 *                                          config=<EVAL_RULES> ! tsexport, the counts read back from the JSON Lines
 *   node eval/analytics/run.mjs --no-video without the sequences' videos: by default, where a sequence has one, the
 *                                          real detector's boxes on it are scored too (tsdetect model=yolox_nano
 *                                          object-class=person at its default threshold 0.5, run once and cached as
 *                                          for eval:mot, eval/mot/video.ts), with their own oracle ceiling
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, SHARED, gstLaunch } from '../../scripts/lib/gst.mjs';
import { importTs } from '../../scripts/lib/import-ts.mjs';

const lib = await importTs('eval/analytics/lib.ts');
const { countRows, countsFromJsonl, compare, oracleIdentities, smoothTrajectories, EVAL_RULES, NAIVE_PARAMS, ANALYTICS_DEFAULTS, parseMot, runOffline, runOfflineSequence, frameSize } = lib;
const video = await importTs('eval/mot/video.ts');
const motTable = await importTs('eval/mot/table.ts');
const { TRACKER_DEFAULTS } = await importTs('elements/track/index.ts');

const MOT = path.join(SHARED, 'mot');
const sequences = [];
for (const bench of ['MOT15', 'MOT16']) {
  const dir = path.join(MOT, bench);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    const seq = path.join(dir, name);
    if (existsSync(path.join(seq, 'gt', 'gt.txt')) && existsSync(path.join(seq, 'det', 'det.txt'))) sequences.push({ bench, name, seq });
  }
}

const ini = (seq, key) => {
  const file = path.join(seq, 'seqinfo.ini');
  const m = existsSync(file) ? new RegExp(`${key}\\s*=\\s*(\\d+)`).exec(readFileSync(file, 'utf8')) : null;
  return m ? Number(m[1]) : null;
};

/** Truth of a sequence: its annotated trajectories, smoothed, through the naive counter (evaluate.ts). */
function sequenceTruth(bench, seq, numFramesSeen) {
  let gt = parseMot(readFileSync(path.join(seq, 'gt', 'gt.txt'), 'utf8'));
  if (bench !== 'MOT15') gt = gt.filter((r) => r.conf !== 0 && r.classId === 1); // pedestrians to consider
  const numFrames = Math.max(ini(seq, 'seqLength') ?? 0, numFramesSeen, ...gt.map((r) => r.frame));
  const size = frameSize(seq);
  const fps = ini(seq, 'frameRate') ?? 25;
  return { gt, numFrames, size, fps, truth: countRows(smoothTrajectories(gt, 2 * Math.round(0.2 * fps) + 1), numFrames, size, NAIVE_PARAMS, undefined, fps) };
}

const data = sequences.map(({ bench, name, seq }) => {
  // Clipped to the frame as tsdetect writes its ROI metas (MOT16-11's public boxes extend past it), so the
  // offline rows are the pipeline's.
  const tracked = runOfflineSequence(seq, { frameSize: frameSize(seq) });
  const t = sequenceTruth(bench, seq, tracked.numFrames);
  const detections = parseMot(readFileSync(path.join(seq, 'det', 'det.txt'), 'utf8'));
  return { name, seq, ...t, hyp: tracked.rows, oracle: oracleIdentities(detections, t.gt), found: oracleIdentities(detections, t.gt, 'annotation') };
});

// The real detector on the sequences' videos: yolox_nano as eval:mot runs it (threshold 0.1, cached), kept at
// tsdetect's default threshold 0.5 (NMS drops a box only for higher-scored ones, so this is tsdetect's output at
// 0.5); tstrack's defaults replayed offline (camera motion compensation needs the pixels: off here).
const videoData = [];
if (!process.argv.includes('--no-video')) {
  for (const { bench, name, seq } of sequences) {
    const file = path.join(seq, `${name}.mp4`);
    if (!existsSync(file)) continue;
    const v = await video.videoDetections(file, {
      root: ROOT,
      model: path.join(SHARED, 'models', motTable.YOLOX_MODEL),
      detectProperties: { ...motTable.DETECT_PROPERTIES },
      liveKind: 'bytetrack',
      liveParams: { ...TRACKER_DEFAULTS },
      log: (line) => console.error(line),
    });
    const detText = video.filterDetText(v.detText, 0.5);
    const size = frameSize(seq);
    const tracked = runOffline(detText, { scoreNormalization: 'none', frameSize: size });
    const t = sequenceTruth(bench, seq, Math.max(v.numFrames, tracked.numFrames));
    const detections = parseMot(detText);
    videoData.push({ name, seq, ...t, hyp: tracked.rows, oracle: oracleIdentities(detections, t.gt), found: oracleIdentities(detections, t.gt, 'annotation') });
  }
}

function evaluate(params, rows = 'hyp', set = data) {
  return set.map((d) => ({ name: d.name, ...compare(d.truth, countRows(d[rows], d.numFrames, d.size, params, undefined, d.fps)) }));
}
const rel = (err, total) => (total > 0 ? err / total : 0);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = (rows) => ({
  crossing: mean(rows.map((r) => rel(r.crossingError, r.trueCrossings))),
  entries: mean(rows.map((r) => rel(r.entryError, r.trueEntries))),
  occupancy: mean(rows.map((r) => r.occupancyMae)),
});
const pct = (x) => `${(100 * x).toFixed(1)}%`.padStart(7);

console.log(`tsanalytics on ${data.length} MOTChallenge sequences with ground truth (${data.map((d) => d.name).join(', ')})`);
console.log('rules: eval/analytics/evaluate.ts EVAL_RULES (5 lines, 3 zones, normalised); tracker: tstrack defaults on det/det.txt\n');

function table(title, params, source = 'hyp', set = data) {
  const rows = evaluate(params, source, set);
  console.log(`${title} (min-frames ${params.minFrames}, min-distance ${params.minDistance} px, anchor ${params.anchor})`);
  console.log('    sequence          true crossings  count error  true entries  entry error  occupancy MAE');
  for (const r of rows)
    console.log(
      `    ${r.name.padEnd(16)} ${String(r.trueCrossings).padStart(15)} ${pct(rel(r.crossingError, r.trueCrossings))} (${String(r.crossingError).padStart(3)}) ${String(r.trueEntries).padStart(13)} ${pct(rel(r.entryError, r.trueEntries))} (${String(r.entryError).padStart(3)}) ${r.occupancyMae.toFixed(3).padStart(14)}`,
    );
  const s = summary(rows);
  const totalTrue = rows.reduce((a, r) => a + r.trueCrossings, 0);
  const totalErr = rows.reduce((a, r) => a + r.crossingError, 0);
  console.log(`    mean over sequences: crossing-count error ${pct(s.crossing)}, entry error ${pct(s.entries)}, occupancy MAE ${s.occupancy.toFixed(3)}; pooled crossing error ${pct(rel(totalErr, totalTrue))} of ${totalTrue}\n`);
  return s;
}

table('tsanalytics defaults', ANALYTICS_DEFAULTS);

if (process.argv.includes('--pipeline')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvision-eval-analytics-'));
  const rulesFile = path.join(dir, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(EVAL_RULES));
  const rows = [];
  for (const d of data) {
    const out = path.join(dir, `${d.name}.jsonl`);
    const r = await gstLaunch([
      'videotestsrc', `num-buffers=${d.numFrames}`, 'pattern=black', '!',
      `video/x-raw,format=I420,width=${d.size.width},height=${d.size.height},framerate=${d.fps}/1`, '!',
      'tsdetect', `module=${path.join(ROOT, 'eval', 'mot', 'det-hook.ts')}`, `module-args={"det":"${path.join(d.seq, 'det', 'det.txt')}"}`, '!',
      'tstrack', '!', 'tsanalytics', `config=${rulesFile}`, '!', 'tsexport', `location=${out}`, '!', 'fakesink',
    ]);
    if (r.code !== 0) throw new Error(`pipeline on ${d.name} failed:\n${r.output}`);
    rows.push({ name: d.name, ...compare(d.truth, countsFromJsonl(readFileSync(out, 'utf8'), d.numFrames)) });
  }
  rmSync(dir, { recursive: true, force: true });
  console.log('tsanalytics defaults through the real pipeline (tsdetect replaying det.txt ! tstrack ! tsanalytics ! tsexport)');
  for (const r of rows)
    console.log(`    ${r.name.padEnd(16)} crossing error ${pct(rel(r.crossingError, r.trueCrossings))}  entry error ${pct(rel(r.entryError, r.trueEntries))}  occupancy MAE ${r.occupancyMae.toFixed(3)}`);
  const s = summary(rows);
  console.log(`    mean over sequences: crossing-count error ${pct(s.crossing)}, entry error ${pct(s.entries)}, occupancy MAE ${s.occupancy.toFixed(3)}\n`);
}
table('naive counter (the anchor changes side)', NAIVE_PARAMS);
table('ceiling: oracle identities on the same detections (each takes the id of the person it covers, IoU >= 0.5), tsanalytics defaults', ANALYTICS_DEFAULTS, 'oracle');

if (videoData.length > 0) {
  console.log(`the real detector on the videos (${videoData.map((d) => d.name).join(', ')}): tsdetect model=${motTable.YOLOX_MODEL} object-class=person (threshold 0.5), tstrack defaults`);
  table('tsanalytics defaults, yolox_nano on the videos', ANALYTICS_DEFAULTS, 'hyp', videoData);
  table('ceiling: oracle identities on the yolox_nano detections, tsanalytics defaults', ANALYTICS_DEFAULTS, 'oracle', videoData);
}

// The errors step by step from the annotations to the tracker (defaults, means over sequences): the annotated
// people themselves (what the hysteresis costs: entries and exits confirmed frames later than the truth's naive
// counter sees them), only the people the detections find on each frame at their annotated boxes (what the misses
// cost), the same people at their detection boxes (the oracle row: what the boxes cost), the tracker.
{
  console.log('where the errors come from (tsanalytics defaults; crossing-count error / entry error / occupancy MAE, means over sequences)');
  const step = (set, rows) => {
    const s = summary(set.map((d) => compare(d.truth, countRows(rows(d), d.numFrames, d.size, ANALYTICS_DEFAULTS, undefined, d.fps))));
    return `${pct(s.crossing).trim()} / ${pct(s.entries).trim()} / ${s.occupancy.toFixed(2)}`;
  };
  for (const [label, set] of [['public detections', data], ['yolox_nano on the videos', videoData]]) {
    if (set.length === 0) continue;
    console.log(`    ${label}: every annotated person ${step(set, (d) => d.gt)} · the people detected on each frame, at their annotated boxes ${step(set, (d) => d.found)}`);
    console.log(`        · at their detection boxes (oracle) ${step(set, (d) => d.oracle)} · tstrack ${step(set, (d) => d.hyp)}`);
  }
  console.log('');
}

if (!process.argv.includes('--no-grid')) {
  // Every case there is: each sequence's public detections and, where it has a video, the real detector's.
  const cases = [...data, ...videoData];
  console.log(`grid, mean over ${cases.length} cases (${data.length} public${videoData.length > 0 ? `, ${videoData.length} yolox_nano on the videos` : ''}): crossing-count error / entry error / occupancy MAE`);
  const frames = [1, 2, 3, 4, 5, 7, 10];
  const distances = [0, 4, 8, 12, 16, 24];
  console.log(`    ${'min-frames \\ px'.padEnd(16)}${distances.map((d) => String(d).padStart(22)).join('')}`);
  let best = null;
  for (const minFrames of frames) {
    let line = `    ${String(minFrames).padEnd(16)}`;
    for (const minDistance of distances) {
      const s = summary(evaluate({ ...ANALYTICS_DEFAULTS, minFrames, minDistance }, 'hyp', cases));
      line += `${pct(s.crossing)}/${pct(s.entries)}/${s.occupancy.toFixed(2)}`.padStart(22);
      const score = s.crossing + s.entries;
      if (!best || score < best.score) best = { score, minFrames, minDistance, s };
    }
    console.log(line);
  }
  console.log(
    `\nlowest mean crossing + entry error: min-frames ${best.minFrames}, min-distance ${best.minDistance} px (${pct(best.s.crossing)} / ${pct(best.s.entries)} / ${best.s.occupancy.toFixed(3)})`,
  );
}
