/**
 * tsdetect hook that replays a MOTChallenge detection file as the detector: frame index i (counted from 0 at
 * tsdetect) gets the rows of MOT frame i + 1, in file order, as `person` (class 0) detections in pixels.
 *
 *   tsdetect module=eval/mot/det-hook.ts module-args='{"det":"../shared/mot/MOT15/TUD-Campus/det/det.txt"}'
 *   tsdetect module=eval/mot/det-hook.ts module-args='{"seq":"TUD-Campus"}'          (root: ../shared/mot/MOT15)
 *
 * module-args: `det` (path of a det.txt) or `seq` (a sequence name under `root`, default ../shared/mot/MOT15,
 * relative paths against the working directory); `label` / `classId` (default person / 0);
 * `scoreNormalization`: 'auto' (default), 'min-max' or 'none', as eval/mot/run-offline.ts (eval/mot/scores.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Detection, DetectHook } from 'tsvision';
import { scoreMapping, type ScoreNormalization } from './scores.js';

interface Args {
  det?: string;
  seq?: string;
  root?: string;
  label?: string;
  classId?: number;
  scoreNormalization?: ScoreNormalization;
}

interface State {
  byFrame: Map<number, Detection[]>;
}

/** Parses MOTChallenge rows (`frame,id,left,top,width,height,score,...`), as eval/mot/metrics.ts parseMot does. */
function parseDetections(text: string, label: string, classId: number, normalization: ScoreNormalization): Map<number, Detection[]> {
  const rows: number[][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/[\s,]+/).map(Number);
    if (f.length < 6 || !f.slice(0, 6).every(Number.isFinite)) continue;
    rows.push(f);
  }
  const conf = (r: number[]) => (r.length > 6 && Number.isFinite(r[6]) ? r[6] : 1);
  const scores = scoreMapping(rows.map(conf), normalization);
  const byFrame = new Map<number, Detection[]>();
  for (const r of rows) {
    const d: Detection = {
      box: { x: r[2], y: r[3], width: r[4], height: r[5] },
      label,
      classId,
      confidence: scores.map(conf(r)),
    };
    const list = byFrame.get(r[0]);
    if (list === undefined) byFrame.set(r[0], [d]);
    else list.push(d);
  }
  return byFrame;
}

const hook: DetectHook = {
  setup(ctx) {
    const a = ctx.args as Args;
    let file: string;
    if (typeof a.det === 'string') file = path.resolve(a.det);
    else if (typeof a.seq === 'string') file = path.resolve(a.root ?? '../shared/mot/MOT15', a.seq, 'det', 'det.txt');
    else throw new Error('module-args needs "det" (a det.txt path) or "seq" (a MOT15 sequence name)');
    const byFrame = parseDetections(readFileSync(file, 'utf8'), a.label ?? 'person', a.classId ?? 0, a.scoreNormalization ?? 'auto');
    ctx.state.mot = { byFrame } satisfies State;
    ctx.log('info', `${file}: ${byFrame.size} frames with detections`);
  },
  detect(frame, ctx) {
    const { byFrame } = ctx.state.mot as State;
    return (byFrame.get(frame.index + 1) ?? []).map((d) => ({ ...d, box: { ...d.box } }));
  },
};
export default hook;
