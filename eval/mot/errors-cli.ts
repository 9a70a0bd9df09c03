/**
 * CLI: error analysis of a tracker on a sequence with ground truth (error-analysis.ts).
 *
 *   npx vite-node eval/mot/errors-cli.ts [SEQ]        (default TUD-Campus)
 *
 * Env: MOT15_DIR (default /work/shared/mot/MOT15), TRACKER (bytetrack | sort | iou, default bytetrack),
 * TRACKER_PARAMS (JSON over TRACKER_DEFAULTS), BOX_SOURCE (detection | track), VERBOSE=1 (one line per error).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrackerKind } from '../../elements/track/types.js';
import { analyseErrors, formatErrorAnalysis } from './error-analysis.js';
import { evaluateMot } from './metrics.js';
import { runOffline } from './run-offline.js';

const dir = join(process.env.MOT15_DIR ?? '/work/shared/mot/MOT15', process.argv[2] ?? 'TUD-Campus');
const detText = readFileSync(join(dir, 'det', 'det.txt'), 'utf8');
const gtText = readFileSync(join(dir, 'gt', 'gt.txt'), 'utf8');
const res = runOffline(detText, {
  kind: (process.env.TRACKER ?? 'bytetrack') as TrackerKind,
  params: process.env.TRACKER_PARAMS ? JSON.parse(process.env.TRACKER_PARAMS) : {},
  boxSource: process.env.BOX_SOURCE === 'track' ? 'track' : 'detection',
});
const m = evaluateMot(gtText, res.text);
console.log(`MOTA ${(m.mota * 100).toFixed(1)} IDF1 ${(m.idf1 * 100).toFixed(1)} FP ${m.fp} FN ${m.fn} IDSW ${m.idsw} tracks ${res.trackCount}`);
console.log(formatErrorAnalysis(analyseErrors(gtText, detText, res.rows), process.env.VERBOSE === '1'));
